namespace Mtl.Analysis.Statistics;

/// <summary>
/// The Mann–Whitney U (Wilcoxon rank-sum) test of whether one sample tends to exceed the other: average ranks for ties,
/// the tie-corrected variance n₁n₂/12 · ((n+1) − Σ(t³−t)/(n(n−1))) and a continuity-corrected normal approximation,
/// as SciPy's <c>mannwhitneyu(x, y, method="asymptotic")</c>.
/// </summary>
public static class MannWhitney
{
    /// <summary>Tests <paramref name="x"/> against <paramref name="y"/> (each at least one finite value).</summary>
    /// <exception cref="ArgumentException">A sample is empty or holds NaN or ±∞.</exception>
    public static MannWhitneyResult Test(IEnumerable<double> x, IEnumerable<double> y)
    {
        double[] first = Ranking.RequireFinite(x, nameof(x), "The Mann–Whitney test");
        double[] second = Ranking.RequireFinite(y, nameof(y), "The Mann–Whitney test");
        int n1 = first.Length, n2 = second.Length, n = n1 + n2;
        double[] ranks = Ranking.AverageRanks(first.Concat(second).ToArray(), out double tieTerm);
        double rankSum = ranks.Take(n1).Sum();
        double u1 = rankSum - n1 * (n1 + 1) / 2.0;
        double u2 = (double)n1 * n2 - u1;
        double mean = n1 * (double)n2 / 2;
        double variance = n1 * (double)n2 / 12 * (n + 1 - tieTerm / ((double)n * (n - 1)));
        double z = 0, p = 1; // every value tied: no ordering information, so no evidence of a shift
        if (variance > 0)
        {
            // max(U₁, U₂) with the continuity correction; a negative z (U₁ = U₂) gives 2·P(Z > z) > 1, clipped to 1 as SciPy does.
            z = (Math.Max(u1, u2) - mean - 0.5) / Math.Sqrt(variance);
            p = Math.Min(1, 2 * NormalDistribution.UpperTail(z));
        }
        double commonLanguage = u1 / (n1 * (double)n2);
        return new MannWhitneyResult(n1, n2, u1, z, p, 2 * commonLanguage - 1, commonLanguage,
            Percentile.Of(first, 50), Percentile.Of(second, 50));
    }
}
