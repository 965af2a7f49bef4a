namespace Mtl.Analysis.Comparison;

/// <summary>
/// Ranks methods (one point each, e.g. their mean over seeds) under several aggregations of their per-task metrics and
/// compares every pair of rankings, to show whether the ranking flips with how task metrics are combined.
/// </summary>
public sealed class RankingAnalysis
{
    private RankingAnalysis(IReadOnlyList<MethodRanking> rankings, IReadOnlyList<RankingComparison> comparisons)
    {
        Rankings = rankings;
        Comparisons = comparisons;
    }

    /// <summary>One ranking per aggregation, in the order asked.</summary>
    public IReadOnlyList<MethodRanking> Rankings { get; }

    /// <summary>Every pair of rankings (i &lt; j in the order asked).</summary>
    public IReadOnlyList<RankingComparison> Comparisons { get; }

    /// <summary>Whether any two rankings order some pair of methods differently.</summary>
    public bool Flips => Comparisons.Any(c => c.Flips);

    /// <summary>The ranking under <paramref name="aggregation"/>.</summary>
    /// <exception cref="ArgumentException">That aggregation was not asked for.</exception>
    public MethodRanking this[RankingAggregation aggregation] =>
        Rankings.FirstOrDefault(r => r.Aggregation == aggregation)
        ?? throw new ArgumentException($"No ranking under {aggregation}; it was not among the aggregations asked for.", nameof(aggregation));

    /// <summary>Ranks <paramref name="methods"/> under each aggregation.</summary>
    /// <param name="methods">One point per method (distinct labels), at least two.</param>
    /// <param name="space">The objectives.</param>
    /// <param name="aggregations">The aggregations, at least one, no repeats.</param>
    /// <param name="baseline">Single-task baseline per objective; required for <see cref="RankingAggregation.DeltaM"/>.</param>
    /// <exception cref="ArgumentException">Fewer than two methods, repeated labels or aggregations, a point of the wrong length or with NaN, Δm without a baseline, or a non-positive metric under the geometric mean.</exception>
    public static RankingAnalysis Of(IReadOnlyList<LabelledPoint> methods, ObjectiveSpace space, IReadOnlyList<RankingAggregation> aggregations, IReadOnlyList<double>? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(aggregations);
        if (methods.Count < 2) throw new ArgumentException("A ranking needs at least two methods.", nameof(methods));
        string? repeated = methods.GroupBy(m => m.Label).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null) throw new ArgumentException($"Method '{repeated}' appears twice; give one point per method (e.g. its mean over seeds).", nameof(methods));
        if (aggregations.Count == 0) throw new ArgumentException("Name at least one aggregation.", nameof(aggregations));
        if (aggregations.Distinct().Count() != aggregations.Count) throw new ArgumentException("An aggregation is listed twice.", nameof(aggregations));
        // Orient validates each point; done once, shared by every aggregation.
        double[][] oriented = methods.Select(m => space.Orient(m.Values, $"method '{m.Label}'")).ToArray();
        string[] labels = methods.Select(m => m.Label).ToArray();
        MethodRanking[] rankings = aggregations.Select(a => Rank(a, methods, oriented, labels, space, baseline)).ToArray();
        var comparisons = new List<RankingComparison>();
        for (int i = 0; i < rankings.Length; i++)
            for (int j = i + 1; j < rankings.Length; j++)
                comparisons.Add(RankingComparison.Of(rankings[i], rankings[j]));
        return new RankingAnalysis(rankings, comparisons);
    }

    private static MethodRanking Rank(RankingAggregation aggregation, IReadOnlyList<LabelledPoint> methods, double[][] oriented, string[] labels, ObjectiveSpace space, IReadOnlyList<double>? baseline)
    {
        switch (aggregation)
        {
            case RankingAggregation.MeanOfMetrics:
                return new MethodRanking(aggregation, labels, oriented.Select(o => o.Average()).ToArray(), true);
            case RankingAggregation.WorstTask:
                return new MethodRanking(aggregation, labels, oriented.Select(o => o.Min()).ToArray(), true);
            case RankingAggregation.MeanRank:
            {
                var meanRank = new double[methods.Count];
                for (int k = 0; k < space.Dimension; k++)
                {
                    double[] ranks = MethodRanking.FractionalRanks(oriented.Select(o => o[k]).ToArray());
                    for (int i = 0; i < ranks.Length; i++) meanRank[i] += ranks[i] / space.Dimension;
                }
                return new MethodRanking(aggregation, labels, meanRank, false);
            }
            case RankingAggregation.DeltaM:
                if (baseline is null)
                    throw new ArgumentException("Ranking by Δm needs the single-task baselines; pass baseline (one value per objective).", nameof(baseline));
                return new MethodRanking(aggregation, labels, methods.Select(m => DeltaMOf(m.Values, baseline, space)).ToArray(), true);
            case RankingAggregation.GeometricMean:
                return new MethodRanking(aggregation, labels, methods.Select(m => GeometricMean(m, space)).ToArray(), true);
            default:
                throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Unknown aggregation.");
        }
    }

    private static double GeometricMean(LabelledPoint method, ObjectiveSpace space)
    {
        double logSum = 0;
        for (int k = 0; k < space.Dimension; k++)
        {
            double v = method.Values[k];
            if (!(v > 0) || double.IsInfinity(v))
                throw new ArgumentException($"Method '{method.Label}' has {v} for '{space.Names[k]}'; the geometric mean needs positive, finite metrics.", nameof(method));
            logSum += space.HigherIsBetter(k) ? Math.Log(v) : -Math.Log(v);
        }
        return Math.Exp(logSum / space.Dimension);
    }

    private static double DeltaMOf(IReadOnlyList<double> values, IReadOnlyList<double> baseline, ObjectiveSpace space)
    {
        space.Require(values, "method's metrics");
        space.Require(baseline, "single-task baseline");
        return Trainers.DeltaM.Of(values, baseline, Enumerable.Range(0, space.Dimension).Select(space.HigherIsBetter).ToArray(), space.Names);
    }
}
