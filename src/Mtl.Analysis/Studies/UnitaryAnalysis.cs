using Mtl.Analysis.Comparison;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Studies;

/// <summary>The unitary study's figures for one dataset: one row per method (US first) and the ranking of the methods by several aggregations.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Tasks">Task names.</param>
/// <param name="Rows">One row per method that has finished runs, in protocol order (US first).</param>
/// <param name="Rankings">Methods ranked by mean, mean rank, worst task and geometric mean of their per-task means (null with fewer than two methods).</param>
public sealed record UnitaryDatasetResult(string Dataset, IReadOnlyList<string> Tasks, IReadOnlyList<UnitaryMethodRow> Rows, RankingAnalysis? Rankings)
{
    /// <summary>The dataset the paper's numbers are for.</summary>
    public const string PaperDataset = "multi-mnist";

    /// <summary>US's row.</summary>
    public UnitaryMethodRow Unitary => Rows.First(r => r.Method == UnitaryMethod.Unitary);

    /// <summary>
    /// Summarises the finished runs of one dataset. Epoch times pool the timed epochs (<see cref="UnitaryRun.TimedEpochSeconds"/>)
    /// of every seed (Kurin et al. report the inter-quartile range of epoch times).
    /// </summary>
    /// <exception cref="ArgumentException">No US run finished (every verdict compares with US), or the runs mix datasets.</exception>
    public static UnitaryDatasetResult Of(string dataset, IReadOnlyList<UnitaryMethod> methods, IReadOnlyList<UnitaryRun> runs)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Any(r => r.Dataset != dataset)) throw new ArgumentException($"The runs given for '{dataset}' include other datasets.", nameof(runs));
        UnitaryRun[] unitaryRuns = runs.Where(r => r.Method == UnitaryMethod.Unitary).ToArray();
        if (unitaryRuns.Length == 0)
            throw new ArgumentException($"No US run finished on {dataset}; the study compares every method with US, so rerun it (a diverged US run is reported in the notes).", nameof(runs));
        IReadOnlyList<string> tasks = unitaryRuns[0].Tasks;
        SeedSummary us = SeedSummary.Of(unitaryRuns.Select(r => r.MeanTestAccuracy));
        double usMedian = Percentile.Of(unitaryRuns.SelectMany(r => r.TimedEpochSeconds).ToArray(), 50);
        (double Low, double High)? paperUs = UnitaryMethod.Unitary.PaperInterval;
        var rows = new List<UnitaryMethodRow>();
        foreach (UnitaryMethod method in methods)
        {
            UnitaryRun[] mine = runs.Where(r => r.Method == method).ToArray();
            if (mine.Length == 0) continue;
            SeedSummary accuracy = SeedSummary.Of(mine.Select(r => r.MeanTestAccuracy));
            SeedSummary[] perTask = Enumerable.Range(0, tasks.Count).Select(t => SeedSummary.Of(mine.Select(r => r.TestAccuracy[t]))).ToArray();
            double[] seconds = mine.SelectMany(r => r.TimedEpochSeconds).ToArray();
            double median = Percentile.Of(seconds, 50);
            UnitaryPosition? position = double.IsNaN(us.HalfWidth) ? null : UnitaryMethodRow.PositionOf(accuracy.Mean, us.Low, us.High);
            UnitaryPosition? paper = dataset == PaperDataset && method.PaperMean is { } pm && paperUs is { } pu
                ? UnitaryMethodRow.PositionOf(pm, pu.Low, pu.High) : null;
            rows.Add(new UnitaryMethodRow(method, accuracy, perTask, Percentile.Of(seconds, 25), median, Percentile.Of(seconds, 75),
                median / usMedian, position, paper));
        }
        RankingAnalysis? rankings = rows.Count < 2 ? null : RankingAnalysis.Of(
            rows.Select(r => new LabelledPoint(r.Method.Display, r.PerTask.Select(s => s.Mean).ToArray())).ToArray(),
            ObjectiveSpace.Maximise(tasks.Select(t => $"{t} accuracy").ToArray()),
            [RankingAggregation.MeanOfMetrics, RankingAggregation.MeanRank, RankingAggregation.WorstTask, RankingAggregation.GeometricMean]);
        return new UnitaryDatasetResult(dataset, tasks, rows, rankings);
    }
}
