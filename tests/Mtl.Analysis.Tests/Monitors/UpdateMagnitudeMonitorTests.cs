using Mtl.Analysis.Monitors;
using Mtl.Trainers;

namespace Mtl.Analysis.Tests.Monitors;

[TestClass]
public sealed class UpdateMagnitudeMonitorTests
{
    [TestMethod]
    public void AFrozenTrunkWithGradientMeasurementIsAClearErrorNotANativeAbort()
    {
        // Once a c10::Error abort (exit 134): the monitor asked libtorch for gradients of parameters that take none.
        using var monitor = new UpdateMagnitudeMonitor(measureGradients: true);
        var options = UpdateMagnitudeToyRun.Options(OptimizerKind.Sgd, 0.05, 8, 1, monitor);
        options.Options.FreezeTrunk = true;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => UpdateMagnitudeToyRun.Fit(options).Dispose());
        StringAssert.Contains(e.Message, "take no gradients");
        StringAssert.Contains(e.Message, "FreezeTrunk");
    }

    [TestMethod]
    public void PlainSgdUpdateIsLearningRateTimesGradientNormInEveryGroup()
    {
        const double lr = 0.05;
        using var monitor = new UpdateMagnitudeMonitor(measureGradients: true);
        using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Sgd, lr, 10, 2, monitor))) { }
        Assert.AreEqual(8, monitor.Records.Count);
        CollectionAssert.AreEqual(new[] { "trunk", "A", "B" }, monitor.GroupNames.ToArray());
        foreach (string g in monitor.GroupNames)
        {
            double[] updates = monitor.Updates(g), grads = monitor.GradientNorms(g);
            for (int i = 0; i < updates.Length; i++)
            {
                Assert.IsTrue(grads[i] > 0, $"{g} step {i + 1}: zero gradient");
                Assert.AreEqual(lr * grads[i], updates[i], 1e-5 * lr * grads[i], $"{g} step {i + 1}");
            }
        }
    }

    [TestMethod]
    public void SgdStepOneScalesHeadUpdatesExactlyByTheLossWeight()
    {
        using var unscaled = new UpdateMagnitudeMonitor(keepUpdateVectorsOfFirstSteps: 1);
        using var scaled = new UpdateMagnitudeMonitor(keepUpdateVectorsOfFirstSteps: 1);
        using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Sgd, 0.01, 10, 1, unscaled))) { }
        var options = UpdateMagnitudeToyRun.Options(OptimizerKind.Sgd, 0.01, 10, 1, scaled);
        options.Tasks[0].LossWeight = 10;
        options.Tasks[1].LossWeight = 0.1;
        using (UpdateMagnitudeToyRun.Fit(options)) { }
        Assert.AreEqual(10, scaled.Updates("A")[0] / unscaled.Updates("A")[0], 1e-4);
        Assert.AreEqual(0.1, scaled.Updates("B")[0] / unscaled.Updates("B")[0], 1e-6);
        double[] a = scaled.UpdateVector(1, "A")!, b = unscaled.UpdateVector(1, "A")!;
        for (int i = 0; i < a.Length; i++) Assert.AreEqual(10 * b[i], a[i], 1e-4 * Math.Abs(10 * b[i]) + 1e-6, "float32 weights round each update");
        Assert.IsNull(scaled.UpdateVector(2, "A"), "only the first step's vectors are kept");
    }

    [TestMethod]
    public void AdamFirstHeadStepIsSignLikeAndInvariantToTheScale()
    {
        const double lr = 0.01;
        using var unscaled = new UpdateMagnitudeMonitor(keepUpdateVectorsOfFirstSteps: 1);
        using var scaled = new UpdateMagnitudeMonitor(keepUpdateVectorsOfFirstSteps: 1);
        using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, lr, 10, 1, unscaled))) { }
        var options = UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, lr, 10, 1, scaled);
        options.Tasks[0].LossWeight = 10;
        options.Tasks[1].LossWeight = 0.1;
        using (UpdateMagnitudeToyRun.Fit(options)) { }
        foreach (string head in new[] { "A", "B" })
        {
            double[] u = unscaled.UpdateVector(1, head)!, s = scaled.UpdateVector(1, head)!;
            // Dead ReLU units get no gradient and stay put; every coordinate that moves moves by lr.
            Assert.IsTrue(u.Count(v => v != 0) >= 10, $"{head}: too few coordinates moved: {string.Join(",", u)}");
            foreach (double v in u) Assert.IsTrue(v == 0 || Math.Abs(Math.Abs(v) - lr) < 1e-3 * lr, $"{head}: Adam's first step is ±lr per coordinate, got {v}");
            // Coordinates whose gradient is ~0 (cancellation, ε) may shrink or flip; the update as a whole stays put (SGD: ‖Δs − Δu‖/‖Δu‖ = |α − 1|).
            Assert.IsTrue(Mtl.Analysis.Studies.LossScaleComparison.RelativeDifference(s, u) < 0.05, $"{head}: scale changed the update");
            Assert.AreEqual(1.0, scaled.Updates(head)[0] / unscaled.Updates(head)[0], 0.01);
        }
    }

    [TestMethod]
    public void RecordsEveryIntervalThStepOnly()
    {
        using var monitor = new UpdateMagnitudeMonitor(interval: 3);
        using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 8, 2, monitor))) { }
        CollectionAssert.AreEqual(new long[] { 3, 6, 9 }, monitor.Records.Select(r => r.Step).ToArray());
        CollectionAssert.AreEqual(new[] { 1, 2, 2 }, monitor.Records.Select(r => r.Epoch).ToArray());
        Assert.IsTrue(monitor.Records.All(r => r.Losses.Count == 2 && r.GradientNorm is null));
    }

    [TestMethod]
    public void MonitoredRunTrainsExactlyAsAnUnmonitoredOne()
    {
        using var monitor = new UpdateMagnitudeMonitor(measureGradients: true, keepUpdateVectorsOfFirstSteps: 2);
        using var watched = UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 10, 2, monitor));
        using var plain = UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 10, 2));
        for (int e = 0; e < 2; e++)
            for (int t = 0; t < 2; t++)
                Assert.AreEqual(plain.TrainingReport!.Epochs[e].Tasks[t].TrainLoss, watched.TrainingReport!.Epochs[e].Tasks[t].TrainLoss, 0.0);
    }

    [TestMethod]
    public void BadUseGivesClearErrors()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UpdateMagnitudeMonitor(interval: 0));
        StringAssert.Contains(e.Message, "at least 1");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UpdateMagnitudeMonitor(keepUpdateVectorsOfFirstSteps: -1));
        using var unused = new UpdateMagnitudeMonitor();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => unused.Updates("trunk")).Message, "Fit");
        using var monitor = new UpdateMagnitudeMonitor();
        using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Sgd, 0.01, 20, 1, monitor))) { }
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => monitor.Updates("C")).Message, "trunk, A, B");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => monitor.GradientNorms("A")).Message, "measureGradients");
    }
}
