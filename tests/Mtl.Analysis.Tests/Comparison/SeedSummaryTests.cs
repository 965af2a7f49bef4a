using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class SeedSummaryTests
{
    [TestMethod]
    public void ThreeSeedsGiveTheHandComputedInterval()
    {
        SeedSummary s = SeedSummary.Of(new[] { 1.0, 2.0, 3.0 });
        Assert.AreEqual(3, s.Count);
        Assert.AreEqual(2.0, s.Mean, 1e-12);
        Assert.AreEqual(1.0, s.StandardDeviation, 1e-12);              // Σ(x − 2)² / (3 − 1) = 1
        Assert.AreEqual(4.302653 / Math.Sqrt(3), s.HalfWidth, 1e-6);    // t_{0.975,2} · 1/√3
        Assert.AreEqual(2.0 - s.HalfWidth, s.Low, 1e-12);
        Assert.IsTrue(s.Contains(4.4));
        Assert.IsFalse(s.Contains(4.5));
        Assert.AreEqual("2.00 ± 2.48", s.ToString("F2"));
    }

    [TestMethod]
    public void TenSeedsUseNineDegreesOfFreedomAndOtherLevelsWork()
    {
        double[] values = Enumerable.Range(1, 10).Select(i => (double)i).ToArray(); // sample std √(55/6)
        SeedSummary s = SeedSummary.Of(values);
        Assert.AreEqual(Math.Sqrt(55.0 / 6), s.StandardDeviation, 1e-12);
        Assert.AreEqual(2.262157 * Math.Sqrt(55.0 / 6) / Math.Sqrt(10), s.HalfWidth, 1e-5);
        SeedSummary ninety = SeedSummary.Of(values, 0.90);
        Assert.AreEqual(1.833113 * Math.Sqrt(55.0 / 6) / Math.Sqrt(10), ninety.HalfWidth, 1e-5);
    }

    [TestMethod]
    public void OneSeedHasNoSpreadAndOverlapNeedsDefinedIntervals()
    {
        SeedSummary one = SeedSummary.Of(new[] { 0.5 });
        Assert.AreEqual(0.5, one.Mean);
        Assert.IsTrue(double.IsNaN(one.StandardDeviation));
        Assert.IsTrue(double.IsNaN(one.HalfWidth));
        Assert.IsFalse(one.Contains(0.5));
        Assert.AreEqual("0.50 ± —", one.ToString("F2"));
        SeedSummary a = SeedSummary.Of(new[] { 1.0, 2.0, 3.0 });   // [−0.48, 4.48]
        SeedSummary b = SeedSummary.Of(new[] { 6.0, 7.0, 8.0 });   // [4.52, 9.48]
        SeedSummary c = SeedSummary.Of(new[] { 5.0, 6.0, 7.0 });   // [3.52, 8.48]
        Assert.IsFalse(a.Overlaps(b));
        Assert.IsTrue(a.Overlaps(c));
        Assert.IsTrue(c.Overlaps(a));
        Assert.IsFalse(a.Overlaps(one));
    }

    [TestMethod]
    public void BadValuesAreRejectedWithTheirIndex()
    {
        Assert.ThrowsExactly<ArgumentException>(() => SeedSummary.Of(Array.Empty<double>()));
        var e = Assert.ThrowsExactly<ArgumentException>(() => SeedSummary.Of(new[] { 1.0, double.NaN }));
        StringAssert.Contains(e.Message, "Seed value 1");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SeedSummary.Of(new[] { 1.0, 2.0 }, 1.0));
    }

    [TestMethod]
    public void RunsAreGroupedByLabelInFirstAppearanceOrder()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("left", "right");
        var runs = new[]
        {
            new LabelledPoint("pcgrad", new[] { 0.9, 0.8 }),
            new LabelledPoint("ew", new[] { 1.0, 0.0 }),
            new LabelledPoint("pcgrad", new[] { 0.7, 0.6 }),
            new LabelledPoint("ew", new[] { 3.0, 2.0 }),
        };
        IReadOnlyList<LabelledSummary> summaries = LabelledSummary.ByLabel(runs, space);
        CollectionAssert.AreEqual(new[] { "pcgrad", "ew" }, summaries.Select(s => s.Label).ToArray());
        Assert.AreEqual(0.8, summaries[0].PerObjective[0].Mean, 1e-12);
        Assert.AreEqual(0.7, summaries[0].PerObjective[1].Mean, 1e-12);
        Assert.AreEqual(Math.Sqrt(2), summaries[1].PerObjective[0].StandardDeviation, 1e-12);
        CollectionAssert.AreEqual(new[] { 2.0, 1.0 }, summaries[1].Means.Values.ToArray());
        var e = Assert.ThrowsExactly<ArgumentException>(() => LabelledSummary.ByLabel(new[] { new LabelledPoint("x", new[] { 1.0 }) }, space));
        StringAssert.Contains(e.Message, "run 'x'");
    }
}
