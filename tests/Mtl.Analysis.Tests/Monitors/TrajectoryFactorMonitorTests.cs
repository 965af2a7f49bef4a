using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Objectives;
using Mtl.Trainers;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests.Monitors;

[TestClass]
public sealed class TrajectoryFactorMonitorTests
{
    // The first rows of the toy, as the monitor's fixed rows (the tensors outlive the test's runs; disposed at the end).
    private static (Tensor X, Tensor[] Y) Fixed(int rows, int seed)
    {
        var data = UpdateMagnitudeToyRun.Rows(rows, seed);
        Tensor x = tensor(data.Select(r => r.Features[0]).ToArray(), new long[] { rows, 1 });
        return (x, new[] { tensor(data.Select(r => r.A).ToArray()), tensor(data.Select(r => r.B).ToArray()) });
    }

    private static TrajectoryFactorOptions Options(Tensor x, Tensor[] y, int every) => new()
    {
        Training = new TaskBatch(x, y), Validation = new TaskBatch(x, y), EveryNSteps = every,
        SharpnessRows = 16, SharpnessIterations = 30, FisherSamples = 8, NoiseSmallBatch = 8,
    };

    [TestMethod]
    public void CheckpointsAtStartEveryMStepsAndEpochEndsWithoutDuplicates()
    {
        (Tensor x, Tensor[] y) = Fixed(32, 5);
        try
        {
            var heard = new List<long>();
            var withListener = Options(x, y, 4);
            withListener.Checkpointed = c => heard.Add(c.Step);
            using var four = new TrajectoryFactorMonitor(withListener);
            using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 8, 2, four))) { }
            CollectionAssert.AreEqual(new long[] { 0, 4, 5, 8, 10 }, four.Checkpoints.Select(c => c.Step).ToArray());
            Assert.AreEqual(1.0, four.Checkpoints[2].Epochs, 1e-12);
            CollectionAssert.AreEqual(four.Checkpoints.Select(c => c.Step).ToArray(), heard.ToArray(), "the listener hears every checkpoint, in order");
            using var five = new TrajectoryFactorMonitor(Options(x, y, 5));
            using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 8, 2, five))) { }
            CollectionAssert.AreEqual(new long[] { 0, 5, 10 }, five.Checkpoints.Select(c => c.Step).ToArray());
            var epochsOnly = Options(x, y, 0);
            epochsOnly.AtStart = false;
            using var ends = new TrajectoryFactorMonitor(epochsOnly);
            using (UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 8, 2, ends))) { }
            CollectionAssert.AreEqual(new long[] { 5, 10 }, ends.Checkpoints.Select(c => c.Step).ToArray());
        }
        finally
        {
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }

    [TestMethod]
    public void FixedRowsInLabelUnitsMeetAStandardisedHeadInItsOwnUnits()
    {
        (Tensor x, Tensor[] y) = Fixed(32, 5);
        try
        {
            using var monitor = new TrajectoryFactorMonitor(Options(x, y, 0));
            var options = UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.02, 8, 3, monitor);
            foreach (TaskDefinition t in options.Tasks) t.StandardizeTarget = true;
            using MultiHeadNetworkTransformer model = UpdateMagnitudeToyRun.Fit(options);
            // The head learns (y − mean)/std: the monitor's L1 on the user's rows is the label-unit L1 divided by std.
            var ml = new MLContext(1);
            var rows = UpdateMagnitudeToyRun.Rows(32, 5);
            float[] scores = model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float>("A.Score").ToArray();
            double l1 = scores.Select((s, i) => Math.Abs(s - rows[i].A)).Average();
            double scale = model.Network.TargetUnits(0).Scale;
            Assert.AreNotEqual(1.0, scale);
            Assert.AreEqual(l1 / scale, monitor.Checkpoints[^1].TrainingLoss[0], 1e-4);
        }
        finally
        {
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }

    [TestMethod]
    public void MeasuresTheTrainedNetworksOwnLossesAndDistances()
    {
        (Tensor x, Tensor[] y) = Fixed(32, 5);
        try
        {
            using var monitor = new TrajectoryFactorMonitor(Options(x, y, 0));
            var options = UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.02, 8, 3, monitor);
            options.Tasks[0].LossWeight = 10; // the factors describe the task's own loss, not the weighted one
            using MultiHeadNetworkTransformer model = UpdateMagnitudeToyRun.Fit(options);
            TrajectoryCheckpoint start = monitor.Checkpoints[0], end = monitor.Checkpoints[^1];
            Assert.AreEqual(0.0, start.TrunkDistance);
            Assert.IsTrue(start.HeadDistance.All(d => d == 0));
            Assert.IsTrue(end.TrunkDistance > 0 && end.HeadDistance.All(d => d > 0));
            Assert.IsTrue(end.TrainingLoss[0] < start.TrainingLoss[0], "training lowers task A's loss on the fixed rows");

            // Score the same rows with the fitted model: mean |score − y| is the checkpoint's L1 loss after the last step.
            var ml = new MLContext(1);
            var rows = UpdateMagnitudeToyRun.Rows(32, 5);
            IDataView scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
            float[] scores = scored.GetColumn<float>("A.Score").ToArray();
            double l1 = scores.Select((s, i) => Math.Abs(s - rows[i].A)).Average();
            Assert.AreEqual(l1, end.TrainingLoss[0], 1e-5);
            Assert.AreEqual(l1, end.ValidationLoss[0], 1e-5);
            Assert.IsTrue(double.IsFinite(end.SharpnessTotal) && end.HessianVectorProducts > 0);
            Assert.IsTrue(end.FisherPerTask.All(f => f > 0) && end.FisherTotal > 0);
        }
        finally
        {
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }

    [TestMethod]
    public void BadOptionsGiveClearErrors()
    {
        (Tensor x, Tensor[] y) = Fixed(32, 5);
        try
        {
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrajectoryFactorMonitor(new TrajectoryFactorOptions())).Message, "Training is null");
            var o = Options(x, y, 4);
            o.SharpnessRows = 33;
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrajectoryFactorMonitor(o)).Message, "SharpnessRows");
            o = Options(x, y, 4);
            o.NoiseSmallBatch = 32;
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrajectoryFactorMonitor(o)).Message, "b <");
            o = Options(x, y, -1);
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrajectoryFactorMonitor(o)).Message, "EveryNSteps");
            o = Options(x, y, 0);
            o.AtEpochEnds = false;
            o.AtStart = false;
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TrajectoryFactorMonitor(o)).Message, "no checkpoint");

            // One target tensor for a two-task run: refused when training starts, naming the tasks.
            o = Options(x, y, 4);
            o.Training = new TaskBatch(x, new[] { y[0] });
            o.Validation = new TaskBatch(x, new[] { y[0] });
            using var monitor = new TrajectoryFactorMonitor(o);
            var e = Assert.Throws<Exception>(() => UpdateMagnitudeToyRun.Fit(UpdateMagnitudeToyRun.Options(OptimizerKind.Adam, 0.01, 8, 1, monitor)));
            StringAssert.Contains(e.ToString(), "one target per trained task");
        }
        finally
        {
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }
}
