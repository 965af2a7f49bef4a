using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Monitoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>TrainingHooks.Monitors: the training-loop hook the analysis monitors attach to.</summary>
[TestClass]
public class MonitorTests
{
    private static IDataView Images(MLContext ml, int rows) =>
        ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView(), rows);

    private static TrainingHooks Hooks(params ITrainingMonitor[] monitors) => new() { Monitors = monitors };

    private static MultiHeadNetworkTrainer.Options Options() => new()
    {
        FeatureColumnName = MultiTaskDatasets.ImageColumnName,
        Tasks = { new TaskDefinition(MultiTaskDatasets.LeftColumnName), new TaskDefinition(MultiTaskDatasets.RightColumnName) },
        BatchSize = 16,
        MaxEpoch = 2,
        Seed = 7,
    };

    /// <summary>Writes down every call it gets.</summary>
    private sealed class RecordingMonitor : ITrainingMonitor
    {
        public RecordingMonitor(int interval) => Interval = interval;
        public int Interval { get; }
        public List<string> Calls { get; } = new();
        public MonitorStartContext? Start { get; private set; }

        public void OnTrainingStart(MonitorStartContext context)
        {
            Start = context;
            Calls.Add("start");
        }

        public void BeforeStep(MonitorStepContext context) =>
            Calls.Add($"before {context.Step} e{context.Epoch} b{context.BatchIndex} rows {context.Features.shape[0]} losses {(context.Losses is null ? "none" : "set")}");

        public void AfterStep(MonitorStepContext context) =>
            Calls.Add($"after {context.Step} losses {context.Losses!.Count}");

        public void OnEpochEnd(EpochReport epoch) => Calls.Add($"epoch {epoch.Epoch}");
    }

    [TestMethod]
    public void MonitorsRunOnEveryKthGlobalStepBeforeAndAfterTheStepAndOncePerEpoch()
    {
        var ml = new MLContext(1);
        var every3 = new RecordingMonitor(3);
        var every1 = new RecordingMonitor(1);
        using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(Options()).Fit(Images(ml, 64), Hooks(every3, every1));

        // 64 rows / 16 = 4 steps per epoch; global steps 1..8; k = 3 → steps 3 and 6 (6 is batch 1 of epoch 2).
        CollectionAssert.AreEqual(new[]
        {
            "start",
            "before 3 e1 b2 rows 16 losses none", "after 3 losses 2",
            "epoch 1",
            "before 6 e2 b1 rows 16 losses none", "after 6 losses 2",
            "epoch 2",
        }, every3.Calls);
        Assert.AreEqual(1 + 8 * 2 + 2, every1.Calls.Count);
        Assert.AreEqual(4, every3.Start!.StepsPerEpoch);
        Assert.AreEqual(64, every3.Start.TrainingRows);
        Assert.AreEqual(2, every3.Start.Tasks.Count);
        Assert.AreEqual(10, every3.Start.Tasks[0].ClassCount, "the monitor sees the resolved tasks");
        Assert.AreSame(model.Network, every3.Start.Network);
    }

    /// <summary>Measures gradients on every step and checks them against a direct computation.</summary>
    private sealed class GradientCheckingMonitor : ITrainingMonitor
    {
        public int Interval => 1;
        public int Checked { get; private set; }
        public double WorstError { get; private set; }

        public void BeforeStep(MonitorStepContext context)
        {
            Tensor[] perSample = context.PerSampleSharedGradients(4);
            Tensor batch = context.TaskSharedGradients();
            Assert.AreEqual(2, perSample.Length);
            Assert.AreEqual(context.SharedParameterCount, perSample[0].shape[1]);
            Assert.AreEqual(4, perSample[0].shape[0]);
            CollectionAssert.AreEqual(new[] { 2L, context.SharedParameterCount }, batch.shape);
            Assert.IsTrue(context.Network.training, "the monitor's measurement must restore training mode");

            // Row 2 of task 1 by hand: dropout off, one row, backward.
            context.Network.eval();
            foreach (var p in context.SharedParameters) p.grad = null;
            Tensor[] outputs = context.Network.call(context.Features.narrow(0, 2, 1));
            TaskLosses.Loss(context.Tasks[1], outputs[1], context.Labels[1].narrow(0, 2, 1)).backward();
            Tensor expected = cat(context.SharedParameters.Select(p => p.grad!.reshape(-1)).ToArray(), 0);
            foreach (var p in context.Network.parameters()) p.grad = null;
            context.Network.train();
            WorstError = Math.Max(WorstError, (perSample[1][2] - expected).abs().max().item<float>() / expected.abs().max().item<float>());
            Checked++;
        }

        public void AfterStep(MonitorStepContext context)
        {
            // The batch-mean gradient of a mean loss is the mean of the per-row gradients (dropout off, no batch norm).
            Tensor[] all = context.PerSampleSharedGradients((int)context.Features.shape[0]);
            Tensor batch = context.TaskSharedGradients();
            for (int t = 0; t < 2; t++)
                WorstError = Math.Max(WorstError, (all[t].mean(new long[] { 0 }) - batch[t]).abs().max().item<float>() / batch[t].abs().max().item<float>());
        }
    }

    [TestMethod]
    public void PerSampleGradientsEqualOneRowBackwardsAndAMonitoredRunTrainsExactlyAsAnUnmonitoredOne()
    {
        var checking = new GradientCheckingMonitor();
        using MultiHeadNetworkTransformer plain = new MLContext(1).MultiTask().Trainers.MultiHead(Options()).Fit(Images(new MLContext(1), 64));
        using MultiHeadNetworkTransformer watched = new MLContext(1).MultiTask().Trainers.MultiHead(Options()).Fit(Images(new MLContext(1), 64), Hooks(checking));

        Assert.AreEqual(8, checking.Checked);
        Assert.IsTrue(checking.WorstError < 1e-4, $"relative gradient error {checking.WorstError}");
        Dictionary<string, Tensor> a = plain.Network.state_dict(), b = watched.Network.state_dict();
        foreach ((string name, Tensor t) in a)
            Assert.IsTrue(t.equal(b[name]).all().item<bool>(), $"weight {name} differs: the monitor changed training");
        for (int e = 0; e < 2; e++)
            for (int t = 0; t < 2; t++)
                Assert.AreEqual(plain.TrainingReport!.Epochs[e].Tasks[t].TrainLoss, watched.TrainingReport!.Epochs[e].Tasks[t].TrainLoss);
    }

    [TestMethod]
    public void BadMonitorsAreRefusedWithTheirPlaceAndAFix()
    {
        var ml = new MLContext(1);
        var zero = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(Options()).Fit(Images(ml, 32), Hooks(new RecordingMonitor(0))));
        StringAssert.Contains(zero.Message, "TrainingHooks.Monitors[0].Interval must be at least 1 (RecordingMonitor runs every k ≥ 1 steps); got 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.MultiTask().Trainers.MultiHead(Options()).Fit(Images(ml, 32), Hooks([null!]))).Message,
            "TrainingHooks.Monitors[0] is null");

        var tooMany = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(Options()).Fit(Images(ml, 32), Hooks(new MeasuringMonitor(c => c.PerSampleSharedGradients(17)))));
        StringAssert.Contains(tooMany.Message, "between 1 and the batch's 16 rows");

        // A frozen trunk takes no gradients: both measurements refuse with the option's name, not a libtorch error.
        foreach (Func<MonitorStepContext, object> measure in new Func<MonitorStepContext, object>[] { c => c.PerSampleSharedGradients(1), c => c.TaskSharedGradients() })
        {
            var frozen = Options();
            frozen.FreezeTrunk = true;
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MultiTask().Trainers.MultiHead(frozen).Fit(Images(ml, 32), Hooks(new MeasuringMonitor(measure))));
            StringAssert.Contains(e.Message, "Options.FreezeTrunk is set");
        }
    }

    private sealed class MeasuringMonitor(Func<MonitorStepContext, object> measure) : ITrainingMonitor
    {
        public int Interval => 1;
        public void BeforeStep(MonitorStepContext context) => measure(context);
    }
}
