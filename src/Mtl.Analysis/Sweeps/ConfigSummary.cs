namespace Mtl.Analysis.Sweeps;

/// <summary>A configuration's finished runs over its seeds: the means that model selection and fronts use.</summary>
/// <param name="Config">The configuration (its first seed's run config).</param>
/// <param name="Runs">Its finished runs, one per seed.</param>
/// <param name="ValidationAverage">Mean over seeds of the validation average at each run's selected epoch (the selection score).</param>
/// <param name="TestMetric">Mean over seeds of each task's test metric at the selected epoch.</param>
public sealed record ConfigSummary(RunConfig Config, IReadOnlyList<RunResult> Runs, double ValidationAverage, double[] TestMetric)
{
    /// <summary>Groups finished results by <see cref="RunConfig.ConfigKey"/>, in order of first appearance.</summary>
    public static IReadOnlyList<ConfigSummary> ByConfig(IEnumerable<RunResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Where(r => r.IsFinished).GroupBy(r => r.Config.ConfigKey).Select(g =>
        {
            RunResult[] runs = g.ToArray();
            int tasks = runs[0].TestAtSelected!.Metric.Length;
            double[] test = Enumerable.Range(0, tasks).Select(t => runs.Average(r => r.TestAtSelected!.Metric[t])).ToArray();
            double validation = runs.Average(r => r.Epochs[r.SelectedEpoch - 1].ValidationAverage);
            return new ConfigSummary(runs[0].Config, runs, validation, test);
        }).ToArray();
    }

    /// <summary>The candidate with the highest <see cref="ValidationAverage"/> (the first of equals), or null when there is none.</summary>
    public static ConfigSummary? BestOnValidation(IEnumerable<ConfigSummary> candidates) =>
        candidates.Where(c => double.IsFinite(c.ValidationAverage)).Aggregate((ConfigSummary?)null,
            (best, c) => best is null || c.ValidationAverage > best.ValidationAverage ? c : best);
}
