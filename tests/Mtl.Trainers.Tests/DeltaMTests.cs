using Mtl.Trainers;

namespace Mtl.Trainers.Tests;

[TestClass]
public class DeltaMTests
{
    [TestMethod]
    public void MixedDirectionsByHandPositiveIsBetter()
    {
        bool[] directions = [true, false];
        // Accuracy +0.1/0.8 = +12.5 %; loss 0.4 vs 0.5 is −20 %, which counts +20 %: mean 16.25 %.
        Assert.AreEqual(16.25, DeltaM.Of([0.9, 0.4], [0.8, 0.5], directions), 1e-10);
        Assert.AreEqual(0.0, DeltaM.Of([0.8, 0.5], [0.8, 0.5], directions), 1e-12);
        // Worse on both: accuracy −25 %, loss +50 % → (−25 − 50)/2.
        Assert.AreEqual(-37.5, DeltaM.Of([0.6, 0.75], [0.8, 0.5], directions), 1e-10);
        // A negative reference keeps the sign's meaning (division by |B|): −2 → −1 is better when higher is better.
        Assert.AreEqual(50.0, DeltaM.Of([-1.0], [-2.0], [true]), 1e-12);
    }

    [TestMethod]
    public void ZeroReferenceNaNAndWrongLengthsAreRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => DeltaM.Of([0.9, 0.9], [0.8, 0.0], [true, true], ["left", "right"]));
        StringAssert.Contains(e.Message, "'right'");
        Assert.ThrowsExactly<ArgumentException>(() => DeltaM.Of([0.9], [0.8, 0.8], [true, true]));
        Assert.ThrowsExactly<ArgumentException>(() => DeltaM.Of([double.NaN], [0.8], [true]));
        Assert.ThrowsExactly<ArgumentException>(() => DeltaM.Of([], [], []));
    }

    [TestMethod]
    public void TheCatalogUsesTheSameDeltaM()
    {
        // Two tasks: accuracy 0.9 vs baseline 0.8 (higher is better), RMSE 0.5 vs baseline 0.4 (lower is better).
        var metrics = new[]
        {
            new TaskMetrics("acc", TaskKind.Multiclass, 0.9, HigherIsBetter: true),
            new TaskMetrics("rmse", TaskKind.Regression, 0.5, HigherIsBetter: false),
        };
        double dm = MultiTaskCatalog.DeltaMAgainst(metrics, new Dictionary<string, double> { ["acc"] = 0.8, ["rmse"] = 0.4 });
        // 100 · ½ [ (0.9 − 0.8)/0.8 − (0.5 − 0.4)/0.4 ] = 50 · [ 0.125 − 0.25 ] = −6.25: worse on average.
        Assert.AreEqual(-6.25, dm, 1e-12);
        var e = Assert.ThrowsExactly<ArgumentException>(() => MultiTaskCatalog.DeltaMAgainst(metrics, new Dictionary<string, double> { ["acc"] = 0.8 }));
        StringAssert.Contains(e.Message, "'rmse'");
    }
}
