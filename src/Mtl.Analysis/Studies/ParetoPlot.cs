using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Studies;

/// <summary>Series for fronts and point clouds in a two-task metric plane (shared by the optimizers and pareto studies).</summary>
public static class ParetoPlot
{
    /// <summary>A front as a staircase: its points sorted by the first objective.</summary>
    public static PlotSeries Front(string label, IReadOnlyList<LabelledPoint> front)
    {
        ArgumentNullException.ThrowIfNull(front);
        LabelledPoint[] sorted = front.OrderBy(p => p.Values[0]).ThenByDescending(p => p.Values[1]).ToArray();
        return new PlotSeries(label, sorted.Select(p => p.Values[0]).ToArray(), sorted.Select(p => p.Values[1]).ToArray(), SeriesStyle.Step);
    }

    /// <summary>Points as markers.</summary>
    public static PlotSeries Points(string label, IEnumerable<IReadOnlyList<double>> points)
    {
        IReadOnlyList<double>[] all = points.ToArray();
        return new PlotSeries(label, all.Select(p => p[0]).ToArray(), all.Select(p => p[1]).ToArray(), SeriesStyle.Scatter);
    }

    /// <summary>A plot of the test-metric plane of two tasks.</summary>
    public static PlotSpec Plane(string name, string title, IReadOnlyList<string> tasks, string caption) => new(name, title)
    {
        XLabel = $"test metric, {tasks[0]}",
        YLabel = $"test metric, {tasks[1]}",
        Caption = caption,
    };
}
