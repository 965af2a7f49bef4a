using Mtl.Analysis.Gradients;

namespace Mtl.Analysis.Statistics;

/// <summary>The distribution of one similarity metric over one kind of pair and one group, over an epoch.</summary>
/// <param name="Kind">Inter-task or inter-sample.</param>
/// <param name="Group">Task pair "s|t" (inter-task) or task name (inter-sample).</param>
/// <param name="Metric">The similarity metric.</param>
/// <param name="Summary">Mean, std and percentiles.</param>
public sealed record ConflictSummaryRow(PairKind Kind, string Group, SimilarityMetric Metric, DistributionSummary Summary);
