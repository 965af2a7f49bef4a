using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class DeltaMTests
{
    [TestMethod]
    public void MixedDirectionsByHand()
    {
        var space = new ObjectiveSpace(new[] { "accuracy", "loss" }, new[] { true, false });
        // Accuracy +0.1/0.8 = +12.5 %; loss 0.4 vs 0.5 is −20 %, which counts +20 %: mean 16.25 %.
        Assert.AreEqual(16.25, DeltaM.Of(new[] { 0.9, 0.4 }, new[] { 0.8, 0.5 }, space), 1e-10);
        Assert.AreEqual(0.0, DeltaM.Of(new[] { 0.8, 0.5 }, new[] { 0.8, 0.5 }, space), 1e-12);
        // Worse on both: accuracy −25 %, loss +50 % → (−25 − 50)/2.
        Assert.AreEqual(-37.5, DeltaM.Of(new[] { 0.6, 0.75 }, new[] { 0.8, 0.5 }, space), 1e-10);
    }

    [TestMethod]
    public void ZeroBaselineAndWrongLengthsAreRejected()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("left", "right");
        var e = Assert.ThrowsExactly<ArgumentException>(() => DeltaM.Of(new[] { 0.9, 0.9 }, new[] { 0.8, 0.0 }, space));
        StringAssert.Contains(e.Message, "'right'");
        Assert.ThrowsExactly<ArgumentException>(() => DeltaM.Of(new[] { 0.9 }, new[] { 0.8, 0.8 }, space));
    }
}
