using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class FrontClassifierTests
{
    private static readonly ObjectiveSpace Space = ObjectiveSpace.Maximise("x", "y");
    private static readonly LabelledPoint[] Front = { new("f1", new[] { 1.0, 0 }), new("f2", new[] { 0.0, 1 }) };
    private static readonly double[] Unit = { 1, 1 };

    private static LabelledPoint P(params double[] values) => new("p", values);

    [TestMethod]
    public void MarginsMatchHandComputedChebyshevDistances()
    {
        // (0.6, 0.6): max(min(0.4, −0.6), min(−0.6, 0.4)) = −0.6 → beyond by 0.6.
        Assert.AreEqual(-0.6, FrontClassifier.Margin(P(0.6, 0.6), Front, Space, Unit), 1e-12);
        // (−0.5, −0.5): inside by 0.5 (both front points are 0.5 better on their worse side).
        Assert.AreEqual(0.5, FrontClassifier.Margin(P(-0.5, -0.5), Front, Space, Unit), 1e-12);
        // (0.2, 0) lies on the lower edge of f1's box: on the surface.
        Assert.AreEqual(0.0, FrontClassifier.Margin(P(0.2, 0), Front, Space, Unit), 1e-12);
        // Front points themselves have margin 0.
        Assert.AreEqual(0.0, FrontClassifier.Margin(Front[1], Front, Space, Unit), 1e-12);
        // Scales (2, 1): f1 → min(0.2, −0.6), f2 → min(−0.3, 0.4) → −0.3.
        Assert.AreEqual(-0.3, FrontClassifier.Margin(P(0.6, 0.6), Front, Space, new[] { 2.0, 1 }), 1e-12);
    }

    [TestMethod]
    public void ToleranceDecidesBetweenOnInsideAndBeyond()
    {
        Assert.AreEqual(FrontPosition.Beyond, FrontClassifier.Classify(P(0.6, 0.6), Front, Space, Unit, 0.5).Position);
        Assert.AreEqual(FrontPosition.On, FrontClassifier.Classify(P(0.6, 0.6), Front, Space, Unit, 0.6).Position);
        Assert.AreEqual(FrontPosition.Inside, FrontClassifier.Classify(P(-0.5, -0.5), Front, Space, Unit, 0.25).Position);
        FrontPlacement on = FrontClassifier.Classify(P(-0.5, -0.5), Front, Space, Unit, 1);
        Assert.AreEqual(FrontPosition.On, on.Position);
        Assert.AreEqual(0.5, on.Margin, 1e-12);
        Assert.AreEqual(FrontPosition.On, FrontClassifier.Classify(Front[0], Front, Space, Unit, 0).Position);
    }

    [TestMethod]
    public void MinimisedObjectivesAreOrientedFirst()
    {
        var losses = ObjectiveSpace.Minimise("l0", "l1");
        var front = new[] { new LabelledPoint("w", new[] { 1.0, 2.0 }) };
        // Losses (1.5, 2.5) are 0.5 worse on both: inside by 0.5; (0.5, 3) is better on l0: beyond by... min(−0.5, 1) = −0.5.
        Assert.AreEqual(0.5, FrontClassifier.Margin(P(1.5, 2.5), front, losses, Unit), 1e-12);
        Assert.AreEqual(-0.5, FrontClassifier.Margin(P(0.5, 3), front, losses, Unit), 1e-12);
    }

    [TestMethod]
    public void PooledSpreadIsTheRootMeanVariance()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("x");
        IReadOnlyList<LabelledSummary> summaries = LabelledSummary.ByLabel(new[]
        {
            new LabelledPoint("a", new[] { 1.0 }), new LabelledPoint("a", new[] { 2.0 }), new LabelledPoint("a", new[] { 3.0 }), // std 1
            new LabelledPoint("b", new[] { 0.0 }), new LabelledPoint("b", new[] { 2.0 }), new LabelledPoint("b", new[] { 4.0 }), // std 2
            new LabelledPoint("c", new[] { 9.0 }),                                                                               // one seed: ignored
        }, space);
        Assert.AreEqual(Math.Sqrt(2.5), FrontClassifier.PooledStandardDeviation(summaries)[0], 1e-12);
        Assert.ThrowsExactly<ArgumentException>(() => FrontClassifier.PooledStandardDeviation(summaries.Skip(2).ToArray()));
    }

    [TestMethod]
    public void BadArgumentsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => FrontClassifier.Margin(P(0, 0), Array.Empty<LabelledPoint>(), Space, Unit));
        var e = Assert.ThrowsExactly<ArgumentException>(() => FrontClassifier.Margin(P(0, 0), Front, Space, new[] { 1.0, 0 }));
        StringAssert.Contains(e.Message, "'y'");
        Assert.ThrowsExactly<ArgumentException>(() => FrontClassifier.Margin(P(0, 0), Front, Space, new[] { 1.0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FrontClassifier.Classify(P(0, 0), Front, Space, Unit, -0.1));
    }
}
