using Mtl.Analysis.Gradients;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Monitors;

/// <summary>What a <see cref="GradientConflictMonitor"/> measured in one epoch.</summary>
public sealed class ConflictEpoch
{
    private readonly IReadOnlyList<GradientPair> pairs;

    internal ConflictEpoch(int epoch, int measurements, int skipped, IReadOnlyList<ConflictSummaryRow> summaries,
        IReadOnlyList<GradientPair> pairs, IReadOnlyDictionary<string, double> trainLosses)
    {
        Epoch = epoch;
        Measurements = measurements;
        SkippedMeasurements = skipped;
        Summaries = summaries;
        this.pairs = pairs;
        TrainLosses = trainLosses;
    }

    /// <summary>The epoch, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>Due steps measured in this epoch.</summary>
    public int Measurements { get; }

    /// <summary>Due steps left out because they fell on the epoch's last, partial batch with fewer rows than the sample count.</summary>
    public int SkippedMeasurements { get; }

    /// <summary>One row per (kind, group, metric): mean, population std, 2.5/97.5 percentiles and counts, as <see cref="ConflictAccumulator"/> gives them.</summary>
    public IReadOnlyList<ConflictSummaryRow> Summaries { get; }

    /// <summary>Every compared pair of the epoch, in measurement order.</summary>
    public IReadOnlyList<GradientPair> Pairs => pairs;

    /// <summary>Each task's mean training loss over the epoch (from the trainer's epoch report), by task name.</summary>
    public IReadOnlyDictionary<string, double> TrainLosses { get; }

    /// <summary>The summary of one kind, group and metric.</summary>
    /// <exception cref="KeyNotFoundException">The epoch has no pairs of that kind and group (the message lists those it has).</exception>
    public DistributionSummary Summary(PairKind kind, string group, SimilarityMetric metric) =>
        Summaries.FirstOrDefault(r => r.Kind == kind && r.Group == group && r.Metric == metric)?.Summary
        ?? throw new KeyNotFoundException(
            $"Epoch {Epoch} has no {kind} pairs in group '{group}'; it has {string.Join(", ", Summaries.Select(r => $"{r.Kind} '{r.Group}'").Distinct())}.");

    /// <summary>The raw similarity values of one kind and metric (NaN kept), of one group, or of every group when <paramref name="group"/> is null.</summary>
    public double[] Values(PairKind kind, SimilarityMetric metric, string? group = null) =>
        pairs.Where(p => p.Kind == kind && (group is null || p.Group == group)).Select(p => p.Similarity[metric]).ToArray();
}
