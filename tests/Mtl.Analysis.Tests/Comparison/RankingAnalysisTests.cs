using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class RankingAnalysisTests
{
    private static readonly ObjectiveSpace Space = ObjectiveSpace.Maximise("left", "right");

    // A is best on average, B on its worst task; C between (see the hand computations below).
    private static readonly LabelledPoint[] Methods =
    {
        new("A", new[] { 0.90, 0.60 }), new("B", new[] { 0.74, 0.74 }), new("C", new[] { 0.80, 0.65 }),
    };

    private static readonly RankingAggregation[] All =
    {
        RankingAggregation.MeanOfMetrics, RankingAggregation.WorstTask, RankingAggregation.GeometricMean,
        RankingAggregation.DeltaM, RankingAggregation.MeanRank,
    };

    [TestMethod]
    public void EachAggregationScoresByHand()
    {
        RankingAnalysis r = RankingAnalysis.Of(Methods, Space, All, baseline: new[] { 0.8, 0.6 });
        AssertScores(new[] { 0.75, 0.74, 0.725 }, r[RankingAggregation.MeanOfMetrics]);
        AssertScores(new[] { 0.60, 0.74, 0.65 }, r[RankingAggregation.WorstTask]);
        AssertScores(new[] { Math.Sqrt(0.54), 0.74, Math.Sqrt(0.52) }, r[RankingAggregation.GeometricMean]);
        // Δm vs (0.8, 0.6): A (12.5 + 0)/2; B (−7.5 + 23.33)/2; C (0 + 8.33)/2.
        AssertScores(new[] { 6.25, 95.0 / 12, 25.0 / 6 }, r[RankingAggregation.DeltaM]);
        // Task ranks: left A1 C2 B3, right B1 C2 A3 → every mean rank is 2, a three-way tie.
        AssertScores(new[] { 2.0, 2, 2 }, r[RankingAggregation.MeanRank]);
        Assert.IsFalse(r[RankingAggregation.MeanRank].HigherScoreIsBetter);
        CollectionAssert.AreEqual(new[] { 2.0, 2, 2 }, r[RankingAggregation.MeanRank].Ranks.ToArray());
        CollectionAssert.AreEqual(new[] { "A", "B", "C" }, r[RankingAggregation.MeanOfMetrics].Order.ToArray());
        CollectionAssert.AreEqual(new[] { "B", "C", "A" }, r[RankingAggregation.WorstTask].Order.ToArray());
        CollectionAssert.AreEqual(new[] { "B", "A", "C" }, r[RankingAggregation.DeltaM].Order.ToArray());
    }

    [TestMethod]
    public void FlipsAreFoundWithKendallTauAndTheSwappedPairs()
    {
        RankingAnalysis r = RankingAnalysis.Of(Methods, Space, All, baseline: new[] { 0.8, 0.6 });
        Assert.AreEqual(10, r.Comparisons.Count);
        Assert.IsTrue(r.Flips);
        RankingComparison meanVsWorst = r.Comparisons.Single(c => c.First == RankingAggregation.MeanOfMetrics && c.Second == RankingAggregation.WorstTask);
        // (A,B) and (A,C) discordant, (B,C) concordant: τ = (1 − 2)/3.
        Assert.AreEqual(-1.0 / 3, meanVsWorst.KendallTau, 1e-12);
        CollectionAssert.AreEquivalent(new[] { new RankSwap("A", "B"), new RankSwap("A", "C") }, meanVsWorst.Swaps.ToArray());
        Assert.IsTrue(meanVsWorst.BestChanged);
        RankingComparison meanVsGeo = r.Comparisons.Single(c => c.First == RankingAggregation.MeanOfMetrics && c.Second == RankingAggregation.GeometricMean);
        Assert.AreEqual(1.0 / 3, meanVsGeo.KendallTau, 1e-12);
        // A ranking that ties every pair leaves τ-b undefined and swaps nothing.
        RankingComparison withTie = r.Comparisons.Single(c => c.First == RankingAggregation.MeanOfMetrics && c.Second == RankingAggregation.MeanRank);
        Assert.IsTrue(double.IsNaN(withTie.KendallTau));
        Assert.IsFalse(withTie.Flips);
    }

    [TestMethod]
    public void PartialTiesUseTauB()
    {
        var methods = new[] { new LabelledPoint("X", new[] { 3.0, 3 }), new LabelledPoint("Y", new[] { 2.0, 1 }), new LabelledPoint("Z", new[] { 0.5, 2.5 }) };
        RankingAnalysis r = RankingAnalysis.Of(methods, Space, new[] { RankingAggregation.MeanOfMetrics, RankingAggregation.WorstTask });
        // Means 3, 1.5, 1.5 → ranks 1, 2.5, 2.5; worst 3, 1, 0.5 → 1, 2, 3. C = 2, D = 0, one pair tied in the first: 2/√(2·3).
        CollectionAssert.AreEqual(new[] { 1.0, 2.5, 2.5 }, r[RankingAggregation.MeanOfMetrics].Ranks.ToArray());
        Assert.AreEqual(2 / Math.Sqrt(6), r.Comparisons[0].KendallTau, 1e-12);
        Assert.IsFalse(r.Flips);
        Assert.IsFalse(r.Comparisons[0].BestChanged);
        RankingAnalysis same = RankingAnalysis.Of(methods, Space, new[] { RankingAggregation.WorstTask, RankingAggregation.GeometricMean });
        Assert.AreEqual(1.0, same.Comparisons[0].KendallTau, 1e-12);
    }

    [TestMethod]
    public void MinimisedMetricsRankLowerValuesFirst()
    {
        var losses = ObjectiveSpace.Minimise("l0", "l1");
        var methods = new[] { new LabelledPoint("low", new[] { 0.1, 0.2 }), new LabelledPoint("high", new[] { 0.4, 0.5 }) };
        RankingAnalysis r = RankingAnalysis.Of(methods, losses, new[] { RankingAggregation.MeanOfMetrics, RankingAggregation.GeometricMean, RankingAggregation.MeanRank });
        foreach (MethodRanking ranking in r.Rankings) Assert.AreEqual("low", ranking.Order[0], ranking.Aggregation.ToString());
        Assert.AreEqual(1 / Math.Sqrt(0.02), r[RankingAggregation.GeometricMean].Scores[0], 1e-9);
    }

    [TestMethod]
    public void BadInputsAreRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(Methods, Space, new[] { RankingAggregation.DeltaM }));
        StringAssert.Contains(e.Message, "baseline");
        var zero = new[] { new LabelledPoint("a", new[] { 0.0, 1 }), new LabelledPoint("b", new[] { 1.0, 1 }) };
        Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(zero, Space, new[] { RankingAggregation.GeometricMean }));
        Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(new[] { Methods[0], Methods[0] }, Space, All));
        Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(Methods.Take(1).ToArray(), Space, All));
        Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(Methods, Space, new[] { RankingAggregation.WorstTask, RankingAggregation.WorstTask }));
        Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(Methods, Space, new[] { RankingAggregation.WorstTask })[RankingAggregation.MeanRank]);
        e = Assert.ThrowsExactly<ArgumentException>(() => RankingAnalysis.Of(new[] { Methods[0], new LabelledPoint("short", new[] { 0.5 }) }, Space, All));
        StringAssert.Contains(e.Message, "method 'short'");

        MethodRanking first = RankingAnalysis.Of(Methods, Space, new[] { RankingAggregation.WorstTask })[RankingAggregation.WorstTask];
        LabelledPoint[] others = { Methods[0], Methods[1], new("D", new[] { 0.5, 0.5 }) };
        MethodRanking second = RankingAnalysis.Of(others, Space, new[] { RankingAggregation.WorstTask })[RankingAggregation.WorstTask];
        e = Assert.ThrowsExactly<ArgumentException>(() => RankingComparison.Of(first, second));
        StringAssert.Contains(e.Message, "different methods");
    }

    private static void AssertScores(double[] expected, MethodRanking ranking)
    {
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], ranking.Scores[i], 1e-12, $"{ranking.Aggregation}, method {i}");
    }
}
