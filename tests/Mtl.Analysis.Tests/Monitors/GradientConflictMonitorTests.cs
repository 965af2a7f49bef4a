using Microsoft.ML;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Objectives;
using Mtl.Analysis.Statistics;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests.Monitors;

[TestClass]
public class GradientConflictMonitorTests
{
    /// <summary>Seeded synthetic regression tasks on an MLP trunk with dropout (so the random generator matters).</summary>
    private static (MLContext ml, IDataView data, MultiHeadNetworkTrainer.Options options, TrainingHooks hooks) Setup(int rows, int tasks, int batch, int epochs, params ITrainingMonitor[] monitors)
    {
        var ml = new MLContext(7);
        var set = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options { RowCount = rows, FeatureCount = 6, TaskCount = tasks, Nonlinearity = 0.5 });
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = set.TaskNames.Select(n => new TaskDefinition(n, kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 4 } }).ToList(),
            Trunk = TrunkSpec.Mlp(8),
            Dropout = 0.3,
            BatchSize = batch,
            MaxEpoch = epochs,
            Seed = 3,
        };
        return (ml, set.AsDataView(), options, new TrainingHooks { Monitors = monitors });
    }

    private static TrainingReport Train(int rows, int tasks, int batch, int epochs, params ITrainingMonitor[] monitors)
    {
        (MLContext ml, IDataView data, var options, TrainingHooks hooks) = Setup(rows, tasks, batch, epochs, monitors);
        using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(options).Fit(data, hooks);
        return model.TrainingReport!;
    }

    /// <summary>Records the due steps and measures them independently with <see cref="GradientConflictSampler.Sample"/>.</summary>
    private sealed class ReferenceProbe(int interval, int samples) : ITrainingMonitor
    {
        public int Interval => interval;
        public List<long> Steps { get; } = new();
        public List<ConflictSample> Reference { get; } = new();

        public void BeforeStep(MonitorStepContext context)
        {
            Steps.Add(context.Step);
            var objective = new NetworkObjective(context.Network, context.Tasks);
            Reference.Add(GradientConflictSampler.Sample(objective, new TaskBatch(context.Features, context.Labels.ToArray()), samples));
        }
    }

    [TestMethod]
    public void MeasuresOnStepsKTwoKAndMatchesTheSamplerOnTheSameNetworkAndBatch()
    {
        var probe = new ReferenceProbe(3, 4);
        var monitor = new GradientConflictMonitor(interval: 3, samples: 4);
        // 200 rows / batch 20 = 10 steps per epoch; due steps 3, 6, 9 | 12, 15, 18.
        Train(rows: 200, tasks: 2, batch: 20, epochs: 2, probe, monitor);

        CollectionAssert.AreEqual(new long[] { 3, 6, 9, 12, 15, 18 }, probe.Steps);
        Assert.AreEqual(2, monitor.Epochs.Count);
        Assert.AreEqual(3, monitor.Epochs[0].Measurements);
        Assert.AreEqual(3, monitor.Epochs[1].Measurements);
        GradientPair[] measured = monitor.Epochs.SelectMany(e => e.Pairs).ToArray();
        GradientPair[] reference = probe.Reference.SelectMany(s => s.Pairs).ToArray();
        Assert.AreEqual(6 * (4 + 2 * 6), measured.Length);
        Assert.AreEqual(reference.Length, measured.Length);
        for (int i = 0; i < measured.Length; i++)
        {
            Assert.AreEqual(reference[i].Kind, measured[i].Kind);
            Assert.AreEqual(reference[i].Group, measured[i].Group);
            foreach (SimilarityMetric m in Enum.GetValues<SimilarityMetric>())
                Assert.AreEqual(reference[i].Similarity[m], measured[i].Similarity[m], 1e-5, $"pair {i} {m}");
        }
        // The summary rows are those of the epoch's raw values.
        ConflictEpoch first = monitor.Epochs[0];
        double[] cosines = first.Values(PairKind.InterTask, SimilarityMetric.Cosine);
        Assert.AreEqual(12, cosines.Length);
        // A sample whose trunk gradient vanishes (dead ReLUs) has an undefined cosine: counted apart, not averaged.
        DistributionSummary summary = first.Summary(PairKind.InterTask, "Task0|Task1", SimilarityMetric.Cosine);
        Assert.AreEqual(cosines.Count(double.IsNaN), summary.Undefined);
        Assert.AreEqual(cosines.Where(c => !double.IsNaN(c)).Average(), summary.Mean, 1e-12);
        Assert.AreEqual(36, first.Values(PairKind.InterSample, SimilarityMetric.Magnitude).Length);
        Assert.AreEqual(18, first.Values(PairKind.InterSample, SimilarityMetric.Magnitude, "Task1").Length);
    }

    [TestMethod]
    public void RecordsEachTasksTrainingLossFromTheEpochReport()
    {
        var monitor = new GradientConflictMonitor(interval: 2, samples: 3);
        TrainingReport report = Train(rows: 120, tasks: 2, batch: 20, epochs: 2, monitor);
        for (int e = 0; e < 2; e++)
            foreach (TaskEpochResult t in report.Epochs[e].Tasks)
                Assert.AreEqual(t.TrainLoss, monitor.Epochs[e].TrainLosses[t.Task]);
        Assert.AreEqual(2, monitor.Epochs[1].Epoch);
    }

    [TestMethod]
    public void TrainingWithTheMonitorGivesTheSameLossesAndWeightsAsWithout()
    {
        (MLContext mlA, IDataView dataA, var plain, TrainingHooks none) = Setup(160, 2, 16, 2);
        (MLContext mlB, IDataView dataB, var watched, TrainingHooks hooks) = Setup(160, 2, 16, 2, new GradientConflictMonitor(interval: 2, samples: 4));
        using MultiHeadNetworkTransformer a = mlA.MultiTask().Trainers.MultiHead(plain).Fit(dataA, none);
        using MultiHeadNetworkTransformer b = mlB.MultiTask().Trainers.MultiHead(watched).Fit(dataB, hooks);
        for (int e = 0; e < 2; e++)
            for (int t = 0; t < 2; t++)
                Assert.AreEqual(a.TrainingReport!.Epochs[e].Tasks[t].TrainLoss, b.TrainingReport!.Epochs[e].Tasks[t].TrainLoss, $"epoch {e + 1} task {t}");
        var pa = a.Network.parameters().ToArray();
        var pb = b.Network.parameters().ToArray();
        Assert.AreEqual(pa.Length, pb.Length);
        for (int i = 0; i < pa.Length; i++)
            Assert.IsTrue(pa[i].equal(pb[i]).all().item<bool>(), $"parameter {i} differs");
    }

    [TestMethod]
    public void ThreeTasksGiveEveryTaskPair()
    {
        var monitor = new GradientConflictMonitor(interval: 5, samples: 3);
        Train(rows: 100, tasks: 3, batch: 10, epochs: 1, monitor);
        string[] groups = monitor.Epochs[0].Summaries.Where(r => r.Kind == PairKind.InterTask).Select(r => r.Group).Distinct().ToArray();
        CollectionAssert.AreEqual(new[] { "Task0|Task1", "Task0|Task2", "Task1|Task2" }, groups);
        Assert.AreEqual(2 * 3, monitor.Epochs[0].Summary(PairKind.InterTask, "Task0|Task2", SimilarityMetric.Magnitude).Count);
        Assert.ThrowsExactly<KeyNotFoundException>(() => monitor.Epochs[0].Summary(PairKind.InterTask, "Task2|Task0", SimilarityMetric.Cosine));
    }

    [TestMethod]
    public void AShortLastBatchIsCountedAsSkippedNotMeasured()
    {
        // 105 rows / batch 20: steps 1–5 full, step 6 has 5 rows < 8 samples; interval 3 → step 3 measured, step 6 skipped.
        var monitor = new GradientConflictMonitor(interval: 3, samples: 8);
        Train(rows: 105, tasks: 2, batch: 20, epochs: 1, monitor);
        Assert.AreEqual(1, monitor.Epochs[0].Measurements);
        Assert.AreEqual(1, monitor.Epochs[0].SkippedMeasurements);
    }

    [TestMethod]
    public void BadSettingsGiveClearErrors()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GradientConflictMonitor(interval: 0));
        StringAssert.Contains(e.Message, "k ≥ 1");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GradientConflictMonitor(samples: 1));
        StringAssert.Contains(e.Message, "at least 2 samples");
        var defaults = new GradientConflictMonitor();
        Assert.AreEqual(ConflictSamplingSchedule.DefaultEveryIterations, defaults.Interval);
        Assert.AreEqual(GradientConflictSampler.DefaultSamples, defaults.Samples);

        var batchTooSmall = Assert.ThrowsExactly<InvalidOperationException>(() => Train(rows: 40, tasks: 2, batch: 4, epochs: 1, new GradientConflictMonitor(interval: 1, samples: 8)));
        StringAssert.Contains(batchTooSmall.Message, "raise BatchSize to at least 8");
        var tooFewRows = Assert.ThrowsExactly<ArgumentException>(() => Train(rows: 6, tasks: 2, batch: 6, epochs: 1, new GradientConflictMonitor(samples: 8)));
        StringAssert.Contains(tooFewRows.Message, "has only 6");
    }
}
