namespace Mtl.Analysis.Comparison;

/// <summary>Methods ranked under one aggregation.</summary>
public sealed class MethodRanking
{
    internal MethodRanking(RankingAggregation aggregation, IReadOnlyList<string> labels, IReadOnlyList<double> scores, bool higherScoreIsBetter)
    {
        Aggregation = aggregation;
        Labels = labels;
        Scores = scores;
        HigherScoreIsBetter = higherScoreIsBetter;
        double[] goodness = scores.Select(s => higherScoreIsBetter ? s : -s).ToArray();
        Ranks = FractionalRanks(goodness);
        Order = Enumerable.Range(0, labels.Count).OrderBy(i => Ranks[i]).Select(i => labels[i]).ToArray();
    }

    /// <summary>The aggregation.</summary>
    public RankingAggregation Aggregation { get; }

    /// <summary>The methods, in input order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Each method's score, in input order.</summary>
    public IReadOnlyList<double> Scores { get; }

    /// <summary>Whether a higher score ranks first (false for <see cref="RankingAggregation.MeanRank"/>).</summary>
    public bool HigherScoreIsBetter { get; }

    /// <summary>Each method's rank, in input order: 1 = best; tied methods share the mean of the ranks they span (1.5, 1.5, 3).</summary>
    public IReadOnlyList<double> Ranks { get; }

    /// <summary>The methods, best first (ties in input order).</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>
    /// Fractional ranks, 1 = largest value; equal values share the mean of their positions. Shared with the per-task ranks
    /// of <see cref="RankingAggregation.MeanRank"/>.
    /// </summary>
    internal static double[] FractionalRanks(IReadOnlyList<double> goodness) =>
        Statistics.Ranking.AverageRanks(goodness.Select(g => -g).ToArray(), out _);
}
