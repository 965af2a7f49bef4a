using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Tests;

[TestClass]
public class StatisticsTwoSampleTests
{
    [TestMethod]
    public void ErfcMatchesPublishedValuesAcrossBothBranches()
    {
        // Reference values: Python's math.erfc (C library erfc), printed with repr.
        (double x, double expected)[] cases =
        {
            (0.5, 0.4795001221869535), (1, 0.15729920705028513), (2.9, 4.109787809945886e-05), (3, 2.2090496998585438e-05),
            (5, 1.5374597944280351e-12), (-1, 1.842700792949715), (10, 2.088487583762545e-45), (0, 1),
        };
        foreach ((double x, double expected) in cases)
            Assert.AreEqual(expected, NormalDistribution.Erfc(x), Math.Abs(expected) * 1e-12, $"erfc({x})");
        Assert.AreEqual(0.025, NormalDistribution.UpperTail(1.959963984540054), 1e-14);
    }

    [TestMethod]
    public void MannWhitneyReproducesSciPysDocumentationExample()
    {
        // SciPy's mannwhitneyu docs: males vs females, method="asymptotic" → statistic 17.0, pvalue 0.11134688653314041.
        MannWhitneyResult r = MannWhitney.Test(new double[] { 19, 22, 16, 29, 24 }, new double[] { 20, 11, 17, 12 });
        Assert.AreEqual(17, r.U);
        Assert.AreEqual(0.11134688653314041, r.PValue, 1e-12);
        Assert.AreEqual(2 * 17.0 / 20 - 1, r.RankBiserial, 1e-15);
        Assert.AreEqual(17.0 / 20, r.CommonLanguage, 1e-15);
        Assert.AreEqual(22, r.FirstMedian);
        Assert.AreEqual(14.5, r.SecondMedian);
    }

    [TestMethod]
    public void MannWhitneyCorrectsForTiesAsComputedByHand()
    {
        // x = {1,2,2,3}, y = {2,3,3,4}. Pooled ranks: 1→1, the three 2s→3, the three 3s→6, 4→8; R₁ = 1+3+3+6 = 13,
        // U₁ = 13 − 10 = 3, U₂ = 13. Tie term (27−3)·2 = 48; σ² = 16/12·(9 − 48/56) = 10.857142…;
        // z = (13 − 8 − 0.5)/σ = 1.365698202…; p = 2·P(Z > z) = 0.172033708921823.
        MannWhitneyResult r = MannWhitney.Test(new double[] { 1, 2, 2, 3 }, new double[] { 2, 3, 3, 4 });
        Assert.AreEqual(3, r.U);
        Assert.AreEqual(1.365698202000489, r.Z, 1e-12);
        Assert.AreEqual(0.17203370892182296, r.PValue, 1e-12);
        Assert.AreEqual(-0.625, r.RankBiserial, 1e-15);
        Assert.AreEqual(0.1875, r.CommonLanguage, 1e-15);
        // Swapping the samples mirrors the effect size and keeps the two-sided p.
        MannWhitneyResult swapped = MannWhitney.Test(new double[] { 2, 3, 3, 4 }, new double[] { 1, 2, 2, 3 });
        Assert.AreEqual(13, swapped.U);
        Assert.AreEqual(0.625, swapped.RankBiserial, 1e-15);
        Assert.AreEqual(r.PValue, swapped.PValue, 1e-15);
    }

    [TestMethod]
    public void MannWhitneyOfIdenticalOrFullyTiedSamplesFindsNoShift()
    {
        MannWhitneyResult same = MannWhitney.Test(new double[] { 1, 2, 3 }, new double[] { 1, 2, 3 });
        Assert.AreEqual(4.5, same.U);
        Assert.AreEqual(1, same.PValue);
        Assert.AreEqual(0, same.RankBiserial, 1e-15);
        MannWhitneyResult tied = MannWhitney.Test(new double[] { 5, 5 }, new double[] { 5, 5, 5 });
        Assert.AreEqual(1, tied.PValue);
        Assert.AreEqual(0, tied.Z);
    }

    [TestMethod]
    public void TwoSampleTestsRejectEmptyOrUndefinedInputWithTheOffendingIndex()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => MannWhitney.Test(Array.Empty<double>(), new double[] { 1 }));
        StringAssert.Contains(e.Message, "at least 1 value");
        e = Assert.ThrowsExactly<ArgumentException>(() => KolmogorovSmirnov.Test(new double[] { 1 }, new[] { 1, double.NaN }));
        StringAssert.Contains(e.Message, "'y'[1] is NaN");
        e = Assert.ThrowsExactly<ArgumentException>(() => Correlation.Spearman(new double[] { 1, 2 }, new double[] { 1, 2, 3 }));
        StringAssert.Contains(e.Message, "paired samples");
        Assert.ThrowsExactly<ArgumentException>(() => Correlation.Pearson(new double[] { 1 }, new double[] { 1 }));
    }

    [TestMethod]
    public void KolmogorovLimitingTailMatchesPublishedCriticalValues()
    {
        // Smirnov's table of the limiting distribution: critical λ 1.2238 (α = 0.10), 1.3581 (0.05), 1.6276 (0.01);
        // Q_KS(1) = 0.2699996716773546 (SciPy kstwobign.sf(1)). 0.5 and 1.18 exercise the small-λ (Jacobi) branch and the switch.
        Assert.AreEqual(0.10, KolmogorovSmirnov.LimitingUpperTail(1.2238), 1e-4);
        Assert.AreEqual(0.05, KolmogorovSmirnov.LimitingUpperTail(1.3581), 1e-5);
        Assert.AreEqual(0.01, KolmogorovSmirnov.LimitingUpperTail(1.6276), 1e-5);
        Assert.AreEqual(0.26999967167735456, KolmogorovSmirnov.LimitingUpperTail(1.0), 1e-12);
        Assert.AreEqual(0.9639452436648751, KolmogorovSmirnov.LimitingUpperTail(0.5), 1e-12);
        Assert.AreEqual(0.1234538094297657, KolmogorovSmirnov.LimitingUpperTail(1.18), 1e-12);
        Assert.AreEqual(0.1234538094297657, KolmogorovSmirnov.LimitingUpperTail(1.18 - 1e-12), 1e-10, "both forms agree at the switch");
        Assert.AreEqual(1, KolmogorovSmirnov.LimitingUpperTail(0));
    }

    [TestMethod]
    public void KolmogorovSmirnovDIsTheLargestGapOfTheEmpiricalDistributionsAsComputedByHand()
    {
        // x = {1,2,3,4}, y = {3,4,5,6,7}: after 2, F₁ = 2/4 and F₂ = 0; after 3, 3/4 vs 1/5; after 4, 1 vs 2/5 → D = 0.6.
        // λ = √(20/9)·0.6 = 0.894427…, p = Q_KS(λ).
        KolmogorovSmirnovResult r = KolmogorovSmirnov.Test(new double[] { 4, 1, 3, 2 }, new double[] { 7, 3, 5, 4, 6 });
        Assert.AreEqual(0.6, r.D, 1e-15);
        Assert.AreEqual(KolmogorovSmirnov.LimitingUpperTail(Math.Sqrt(20.0 / 9) * 0.6), r.PValue, 1e-15);
        // Ties across the samples open no gap: identical samples give D = 0, p = 1.
        KolmogorovSmirnovResult same = KolmogorovSmirnov.Test(new double[] { 1, 1, 2 }, new double[] { 2, 1, 1 });
        Assert.AreEqual(0, same.D);
        Assert.AreEqual(1, same.PValue);
        // Disjoint samples: D = 1.
        Assert.AreEqual(1, KolmogorovSmirnov.Test(new double[] { 1, 2 }, new double[] { 3, 4, 5 }).D);
    }

    [TestMethod]
    public void PearsonMatchesAnscombesQuartetAndSpearmanTheHandComputedRanks()
    {
        // Anscombe (1973), data set I: r = 0.816 (0.81642051634484 in double precision).
        double[] x = { 10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5 };
        double[] y = { 8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68 };
        Assert.AreEqual(0.81642051634484, Correlation.Pearson(x, y), 1e-12);
        // Ranks of {5,6,7,8,7} are {1,2,3.5,5,3.5}; against 1…5: Σdxdy = 8, Σdx² = 10, Σdy² = 9.5 → ρ = 8/√95.
        Assert.AreEqual(8 / Math.Sqrt(95), Correlation.Spearman(new double[] { 1, 2, 3, 4, 5 }, new double[] { 5, 6, 7, 8, 7 }), 1e-14);
        // Spearman sees only order: any increasing transform gives ρ = 1, a decreasing one −1; Pearson does not.
        double[] z = { 0.1, 0.5, 1, 2, 3, 5 };
        Assert.AreEqual(1, Correlation.Spearman(z, z.Select(Math.Exp)), 1e-15);
        Assert.AreEqual(-1, Correlation.Spearman(z, z.Select(v => -v * v * v)), 1e-15);
        Assert.IsTrue(Correlation.Pearson(z, z.Select(Math.Exp)) < 0.95);
        Assert.IsTrue(double.IsNaN(Correlation.Pearson(new double[] { 1, 1, 1 }, new double[] { 1, 2, 3 })), "constant sample: undefined");
    }
}
