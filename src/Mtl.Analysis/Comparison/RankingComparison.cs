namespace Mtl.Analysis.Comparison;

/// <summary>Two methods whose order differs between two rankings.</summary>
/// <param name="AheadInFirst">The method the first ranking puts strictly ahead.</param>
/// <param name="AheadInSecond">The method the second ranking puts strictly ahead.</param>
public sealed record RankSwap(string AheadInFirst, string AheadInSecond);

/// <summary>
/// How two rankings of the same methods agree: Kendall's τ-b and the pairs that swap. τ-b = (C − D)/√((P − T₁)(P − T₂))
/// over the P = n(n−1)/2 pairs, C concordant, D discordant, T₁/T₂ pairs tied in the first/second ranking; NaN when
/// either ranking ties every pair. A pair tied in one ranking and ordered in the other is not a swap.
/// </summary>
/// <param name="First">The first aggregation.</param>
/// <param name="Second">The second aggregation.</param>
/// <param name="KendallTau">Kendall's τ-b in [−1, 1] (1: same order).</param>
/// <param name="Swaps">The discordant pairs.</param>
/// <param name="BestChanged">Whether the set of methods ranked first differs.</param>
public sealed record RankingComparison(RankingAggregation First, RankingAggregation Second, double KendallTau, IReadOnlyList<RankSwap> Swaps, bool BestChanged)
{
    /// <summary>Whether any pair of methods swaps order.</summary>
    public bool Flips => Swaps.Count > 0;

    /// <summary>Compares two rankings of the same methods (same labels in the same order).</summary>
    /// <exception cref="ArgumentException">The rankings rank different methods.</exception>
    public static RankingComparison Of(MethodRanking first, MethodRanking second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (!first.Labels.SequenceEqual(second.Labels))
            throw new ArgumentException("The two rankings rank different methods; compare rankings of the same method list.", nameof(second));
        int n = first.Labels.Count;
        long concordant = 0, discordant = 0, tiedFirst = 0, tiedSecond = 0, pairs = 0;
        var swaps = new List<RankSwap>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                pairs++;
                // Negative sign: i is ahead (smaller rank).
                int a = Math.Sign(first.Ranks[i] - first.Ranks[j]);
                int b = Math.Sign(second.Ranks[i] - second.Ranks[j]);
                if (a == 0) tiedFirst++;
                if (b == 0) tiedSecond++;
                if (a * b > 0) concordant++;
                else if (a * b < 0)
                {
                    discordant++;
                    swaps.Add(a < 0 ? new RankSwap(first.Labels[i], first.Labels[j]) : new RankSwap(first.Labels[j], first.Labels[i]));
                }
            }
        double denominator = Math.Sqrt((double)(pairs - tiedFirst) * (pairs - tiedSecond));
        double tau = denominator > 0 ? (concordant - discordant) / denominator : double.NaN;
        bool bestChanged = !Best(first).SetEquals(Best(second));
        return new RankingComparison(first.Aggregation, second.Aggregation, tau, swaps, bestChanged);
    }

    private static HashSet<string> Best(MethodRanking ranking)
    {
        double top = ranking.Ranks.Min();
        return ranking.Labels.Where((_, i) => ranking.Ranks[i] == top).ToHashSet();
    }
}
