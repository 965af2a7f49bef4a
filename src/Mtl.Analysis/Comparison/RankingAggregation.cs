namespace Mtl.Analysis.Comparison;

/// <summary>Ways of combining per-task metrics into one score per method (Xin et al.: rankings may flip between them).</summary>
public enum RankingAggregation
{
    /// <summary>Mean over tasks of the metric, minimised metrics negated; higher is better. Assumes commensurable metrics (e.g. accuracies).</summary>
    MeanOfMetrics,
    /// <summary>Mean over tasks of the method's rank on that task (1 = best, ties share the mean rank); lower is better.</summary>
    MeanRank,
    /// <summary>Δm against the single-task baselines (<see cref="Trainers.DeltaM"/>), in percent; higher is better. Needs a baseline.</summary>
    DeltaM,
    /// <summary>The worst task: minimum over tasks of the oriented metric (minimised metrics negated); higher is better. Assumes commensurable metrics.</summary>
    WorstTask,
    /// <summary>Geometric mean over tasks of the metric (of its reciprocal for minimised metrics); higher is better. Needs positive metrics.</summary>
    GeometricMean,
}
