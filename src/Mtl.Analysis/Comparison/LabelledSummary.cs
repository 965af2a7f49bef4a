namespace Mtl.Analysis.Comparison;

/// <summary>One configuration's metrics over its seeds: a <see cref="SeedSummary"/> per objective.</summary>
/// <param name="Label">The configuration.</param>
/// <param name="PerObjective">One summary per objective, in the space's order.</param>
public sealed record LabelledSummary(string Label, IReadOnlyList<SeedSummary> PerObjective)
{
    /// <summary>The configuration's mean point (one mean per objective), for fronts and rankings.</summary>
    public LabelledPoint Means => new(Label, PerObjective.Select(s => s.Mean).ToArray());

    /// <summary>
    /// Groups runs by label (labels in order of first appearance) and summarises each objective over the runs of a label.
    /// </summary>
    /// <param name="runs">One point per run (label = configuration, one run per seed).</param>
    /// <param name="space">The objectives.</param>
    /// <param name="confidence">Confidence level of the intervals.</param>
    /// <exception cref="ArgumentException">A run has the wrong number of values or a non-finite value.</exception>
    public static IReadOnlyList<LabelledSummary> ByLabel(IEnumerable<LabelledPoint> runs, ObjectiveSpace space, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(space);
        var groups = new List<(string Label, List<IReadOnlyList<double>> Values)>();
        foreach (LabelledPoint run in runs)
        {
            space.Require(run.Values, $"run '{run.Label}'");
            int index = groups.FindIndex(g => g.Label == run.Label);
            if (index < 0) { groups.Add((run.Label, new List<IReadOnlyList<double>>())); index = groups.Count - 1; }
            groups[index].Values.Add(run.Values);
        }
        return groups.Select(g => new LabelledSummary(g.Label,
            Enumerable.Range(0, space.Dimension).Select(k => SeedSummary.Of(g.Values.Select(v => v[k]), confidence)).ToArray())).ToArray();
    }
}
