using Mtl.Analysis.Gradients;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Tests;

[TestClass]
public class StatisticsTests
{
    [TestMethod]
    public void PercentilesInterpolateLinearlyBetweenOrderStatistics()
    {
        double[] values = { 3, 1, 4, 1, 5 };
        // Sorted 1, 1, 3, 4, 5; h = 4p: p = 2.5 → h = 0.1 → 1; 97.5 → h = 3.9 → 4 + 0.9 = 4.9; 50 → 3; 60 → h = 2.4 → 3.4.
        Assert.AreEqual(1.0, Percentile.Of(values, 2.5), 1e-12);
        Assert.AreEqual(4.9, Percentile.Of(values, 97.5), 1e-12);
        Assert.AreEqual(3.0, Percentile.Of(values, 50), 1e-12);
        Assert.AreEqual(3.4, Percentile.Of(values, 60), 1e-12);
        Assert.AreEqual(1.0, Percentile.Of(values, 0), 1e-12);
        Assert.AreEqual(5.0, Percentile.Of(values, 100), 1e-12);
    }

    [TestMethod]
    public void SummaryOfOneToTenMatchesHandComputedValues()
    {
        DistributionSummary s = DistributionSummary.Of(new double[] { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 });
        Assert.AreEqual(10, s.Count);
        Assert.AreEqual(5.5, s.Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(8.25), s.StandardDeviation, 1e-12); // population std: Σ(x − 5.5)²/10 = 8.25
        Assert.AreEqual(1.225, s.Percentile2_5, 1e-12);  // h = 9·0.025 = 0.225
        Assert.AreEqual(9.775, s.Percentile97_5, 1e-12); // h = 8.775
    }

    [TestMethod]
    public void UndefinedValuesAreCountedApartNotSummarised()
    {
        DistributionSummary s = DistributionSummary.Of(new[] { 2.0, double.NaN, 4.0 });
        Assert.AreEqual(2, s.Count);
        Assert.AreEqual(1, s.Undefined);
        Assert.AreEqual(3.0, s.Mean, 1e-12);
        Assert.AreEqual(1.0, s.StandardDeviation, 1e-12);
        DistributionSummary none = DistributionSummary.Of(new[] { double.NaN });
        Assert.AreEqual(0, none.Count);
        Assert.AreEqual(1, none.Undefined);
        Assert.IsTrue(double.IsNaN(none.Mean));
    }

    [TestMethod]
    public void BadPercentileInputIsRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Percentile.Of(Array.Empty<double>(), 50));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Percentile.Of(new[] { 1.0 }, 101));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Percentile.Of(new[] { 1.0 }, double.NaN));
        var e = Assert.ThrowsExactly<ArgumentException>(() => Percentile.Of(new[] { 1.0, double.NaN }, 50));
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void AccumulatorSummarisesEachKindGroupAndMetricOverAnEpochAndClears()
    {
        var names = new[] { "L", "R" };
        ConflictSample first = new(2, names, new[]
        {
            new GradientPair(PairKind.InterTask, "L|R", 0, 1, 0, 0, new PairSimilarity(-0.5, 0.2, 0.6)),
            new GradientPair(PairKind.InterTask, "L|R", 0, 1, 1, 1, new PairSimilarity(0.5, 0.4, 0.4)),
            new GradientPair(PairKind.InterSample, "L", 0, 0, 0, 1, new PairSimilarity(0.9, 1.0, 0.1)),
        }, new double[2, 2]);
        ConflictSample second = new(2, names, new[]
        {
            new GradientPair(PairKind.InterSample, "R", 1, 1, 0, 1, new PairSimilarity(0.1, 0.5, 0.3)),
            new GradientPair(PairKind.InterTask, "L|R", 0, 1, 0, 0, new PairSimilarity(0.3, 0.9, 0.2)),
        }, new double[2, 2]);
        var accumulator = new ConflictAccumulator();
        accumulator.Add(first);
        accumulator.Add(second);
        Assert.AreEqual(2, accumulator.Measurements);
        Assert.AreEqual(3, accumulator.PairCount(PairKind.InterTask, "L|R"));
        IReadOnlyList<ConflictSummaryRow> rows = accumulator.Summarize();
        Assert.AreEqual(3 * 3, rows.Count); // (inter-task L|R, inter-sample L, inter-sample R) × 3 metrics
        Assert.AreEqual(PairKind.InterTask, rows[0].Kind);
        ConflictSummaryRow cosine = rows.Single(r => r.Kind == PairKind.InterTask && r.Metric == SimilarityMetric.Cosine);
        // Cosines −0.5, 0.5, 0.3: mean 0.1; population variance (0.36 + 0.16 + 0.04)/3; sorted −0.5, 0.3, 0.5.
        Assert.AreEqual(0.1, cosine.Summary.Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(0.56 / 3), cosine.Summary.StandardDeviation, 1e-12);
        Assert.AreEqual(-0.5 + 0.05 * 0.8, cosine.Summary.Percentile2_5, 1e-12);   // h = 0.05
        Assert.AreEqual(0.3 + 0.95 * 0.2, cosine.Summary.Percentile97_5, 1e-12);   // h = 1.95
        ConflictSummaryRow ratioR = rows.Single(r => r.Group == "R" && r.Metric == SimilarityMetric.ConflictingRatio);
        Assert.AreEqual(1, ratioR.Summary.Count);
        Assert.AreEqual(0.3, ratioR.Summary.Mean, 1e-12);
        accumulator.Clear();
        Assert.AreEqual(0, accumulator.Summarize().Count);
        Assert.AreEqual(0, accumulator.Measurements);
    }

    [TestMethod]
    public void ScheduleDefaultsAreElichEtAlsAndItMeasuresEveryKthStep()
    {
        var schedule = new ConflictSamplingSchedule();
        Assert.AreEqual(5, schedule.EveryIterations);
        Assert.AreEqual(8, schedule.Samples);
        long[] due = Enumerable.Range(0, 16).Where(s => schedule.IsDue(s)).Select(s => (long)s).ToArray();
        CollectionAssert.AreEqual(new long[] { 0, 5, 10, 15 }, due);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConflictSamplingSchedule(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConflictSamplingSchedule(5, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schedule.IsDue(-1));
    }
}
