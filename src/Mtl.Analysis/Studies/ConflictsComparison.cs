using Mtl.Analysis.Gradients;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Studies;

/// <summary>Inter-task vs inter-sample comparison of one metric: Mann–Whitney U and Kolmogorov–Smirnov on the defined values.</summary>
/// <param name="Metric">The similarity metric.</param>
/// <param name="InterTask">Summary of the inter-task values.</param>
/// <param name="InterSample">Summary of the inter-sample values.</param>
/// <param name="MannWhitney">Inter-task (x) vs inter-sample (y); null when either side has no defined value.</param>
/// <param name="KolmogorovSmirnov">The same two samples; null when either side has no defined value.</param>
public sealed record ConflictsComparison(SimilarityMetric Metric, DistributionSummary InterTask, DistributionSummary InterSample,
    MannWhitneyResult? MannWhitney, KolmogorovSmirnovResult? KolmogorovSmirnov);
