namespace Mtl.Analysis.Statistics;

/// <summary>A two-sided two-sample Kolmogorov–Smirnov test.</summary>
/// <param name="FirstCount">n₁, the size of the first sample.</param>
/// <param name="SecondCount">n₂, the size of the second sample.</param>
/// <param name="D">sup over v of |F₁(v) − F₂(v)|, the largest gap between the empirical distribution functions.</param>
/// <param name="PValue">Asymptotic p-value Q_KS(√(n₁n₂/(n₁+n₂)) · D) from Kolmogorov's limiting distribution.</param>
public sealed record KolmogorovSmirnovResult(int FirstCount, int SecondCount, double D, double PValue);
