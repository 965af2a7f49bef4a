using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Studies;

/// <summary>Series for fronts and point clouds in a two-task metric plane (shared by the optimizers and pareto studies).</summary>
public static class ParetoPlot
{
    /// <summary>
    /// A front as the staircase that bounds the region it dominates: sorted by the first objective, with a corner between
    /// neighbours. Maximised objectives: the corner of (x₁, y₁), (x₂, y₂) is (x₁, y₂) (down, then right), so a point above the
    /// line is dominated by no front point; minimised: (x₂, y₁) (right, then down).
    /// </summary>
    /// <param name="label">Legend text.</param>
    /// <param name="front">The non-dominated points (two objectives).</param>
    /// <param name="higherIsBetter">True when both objectives are maximised (metrics), false when both are minimised (losses).</param>
    public static PlotSeries Front(string label, IReadOnlyList<LabelledPoint> front, bool higherIsBetter = true)
    {
        ArgumentNullException.ThrowIfNull(front);
        LabelledPoint[] sorted = front.OrderBy(p => p.Values[0]).ThenByDescending(p => p.Values[1]).ToArray();
        var x = new List<double>();
        var y = new List<double>();
        for (int i = 0; i < sorted.Length; i++)
        {
            if (i > 0)
            {
                x.Add(higherIsBetter ? sorted[i - 1].Values[0] : sorted[i].Values[0]);
                y.Add(higherIsBetter ? sorted[i].Values[1] : sorted[i - 1].Values[1]);
            }
            x.Add(sorted[i].Values[0]);
            y.Add(sorted[i].Values[1]);
        }
        return new PlotSeries(label, x.ToArray(), y.ToArray(), SeriesStyle.Line);
    }

    /// <summary>Points as markers.</summary>
    public static PlotSeries Points(string label, IEnumerable<IReadOnlyList<double>> points)
    {
        IReadOnlyList<double>[] all = points.ToArray();
        return new PlotSeries(label, all.Select(p => p[0]).ToArray(), all.Select(p => p[1]).ToArray(), SeriesStyle.Scatter);
    }

    /// <summary>A plot of the plane of two tasks' figures (<paramref name="quantity"/>: "test metric", "training loss").</summary>
    public static PlotSpec Plane(string name, string title, IReadOnlyList<string> tasks, string caption, string quantity = "test metric") => new(name, title)
    {
        XLabel = $"{quantity}, {tasks[0]}",
        YLabel = $"{quantity}, {tasks[1]}",
        Caption = caption,
    };
}
