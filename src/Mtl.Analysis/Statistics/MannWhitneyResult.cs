namespace Mtl.Analysis.Statistics;

/// <summary>A two-sided Mann–Whitney U test of samples x and y (as SciPy's <c>mannwhitneyu(x, y, method="asymptotic")</c>).</summary>
/// <param name="FirstCount">n₁, the size of x.</param>
/// <param name="SecondCount">n₂, the size of y.</param>
/// <param name="U">U₁ = R₁ − n₁(n₁+1)/2, the number of (xᵢ, yⱼ) pairs with xᵢ &gt; yⱼ, ties counted ½ (SciPy's statistic).</param>
/// <param name="Z">The normal score of max(U₁, U₂) with continuity and tie correction (0 when every value is tied).</param>
/// <param name="PValue">Two-sided p-value of the normal approximation (1 when every value is tied).</param>
/// <param name="RankBiserial">Effect size r = 2U₁/(n₁n₂) − 1 in [−1, 1]: +1 when every x exceeds every y, 0 for no shift.</param>
/// <param name="CommonLanguage">Effect size U₁/(n₁n₂) = P(X &gt; Y) + ½P(X = Y).</param>
/// <param name="FirstMedian">Median of x.</param>
/// <param name="SecondMedian">Median of y.</param>
public sealed record MannWhitneyResult(int FirstCount, int SecondCount, double U, double Z, double PValue, double RankBiserial,
    double CommonLanguage, double FirstMedian, double SecondMedian);
