using Mtl.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

[TestClass]
public class TrainerTests
{
    private const string Features = SyntheticMultiTaskRegression.FeaturesColumnName;

    private static IDataView Synthetic(int rows = 256, int seed = 7, double[]? scales = null) =>
        new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = rows,
            FeatureCount = 8,
            TaskCount = 2,
            TaskNames = new[] { "A", "B" },
            TaskScales = scales,
            Seed = seed,
        }).AsDataView();

    private static IDataView Synthetic3() =>
        new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = 128, FeatureCount = 8, TaskCount = 3, TaskNames = new[] { "A", "B", "C" }, Seed = 7,
        }).AsDataView();

    private static MultiHeadNetworkTrainer.Options RegressionOptions(string method = "ew") => new()
    {
        FeatureColumnName = Features,
        Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0 },
                  new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0 } },
        Trunk = TrunkSpec.Mlp(16),
        Method = method,
        BatchSize = 64,
        MaxEpoch = 2,
        Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 1e-2 },
        Seed = 5,
    };

    [TestMethod]
    public void FitFailsFastNamingAMissingLabelColumn()
    {
        var ml = new MLContext(1);
        var options = RegressionOptions();
        options.Tasks[1].LabelColumnName = "NoSuchColumn";
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(Synthetic()));
        StringAssert.Contains(e.Message, "NoSuchColumn");
    }

    [TestMethod]
    public void FitRejectsAFeatureColumnOfTheWrongType()
    {
        var ml = new MLContext(1);
        var options = RegressionOptions();
        options.FeatureColumnName = "A";
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(Synthetic()));
        StringAssert.Contains(e.Message, "'A'");
    }

    [TestMethod]
    public void AnUnknownMethodNameFailsBeforeAnyDataIsRead()
    {
        // Method text is read where it is written into the options, long before Fit.
        var e = Assert.ThrowsExactly<ArgumentException>(() => RegressionOptions("no-such-method"));
        StringAssert.Contains(e.Message, "Unknown MTL method 'no-such-method'. Accepted methods: ");
    }

    [TestMethod]
    public void AnUnsupportedGradientModeFailsAtFit()
    {
        var ml = new MLContext(1);
        var options = RegressionOptions("pcgrad");
        options.GradientMode = GradientMode.Representation;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(Synthetic()));
        StringAssert.Contains(e.Message, "Representation");
    }

    [TestMethod]
    public void TheSameSeedGivesIdenticalTrainingLosses()
    {
        double[] Run()
        {
            var ml = new MLContext(1);
            var trainer = ml.MultiTask().Trainers.MultiHead(RegressionOptions("mgda"));
            using var model = trainer.Fit(Synthetic());
            return model.TrainingReport!.Epochs.SelectMany(e => e.Tasks.Select(t => t.TrainLoss)).ToArray();
        }
        CollectionAssert.AreEqual(Run(), Run());
    }

    [TestMethod]
    public void TrainingLowersTheLossOnARelatedRegressionPair()
    {
        var ml = new MLContext(1);
        var options = RegressionOptions();
        options.MaxEpoch = 8;
        var trainer = ml.MultiTask().Trainers.MultiHead(options);
        using var model = trainer.Fit(Synthetic(512));
        var epochs = model.TrainingReport!.Epochs;
        for (int t = 0; t < 2; t++)
            Assert.IsTrue(epochs[^1].Tasks[t].TrainLoss < 0.5 * epochs[0].Tasks[t].TrainLoss,
                $"task {t}: loss {epochs[0].Tasks[t].TrainLoss} → {epochs[^1].Tasks[t].TrainLoss}");
    }

    [TestMethod]
    public void SaveThenLoadGivesTheSameScoresThroughOnnxRuntime()
    {
        var ml = new MLContext(1);
        IDataView data = Synthetic();
        using var model = ml.MultiTask().Trainers.MultiHead(RegressionOptions()).Fit(data);
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        ml.TempFilePath = folder;
        string path = Path.Combine(folder, "model.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            ITransformer loaded = ml.Model.Load(path, out DataViewSchema schema);
            Assert.IsNotNull(schema.GetColumnOrNull(Features));
            float[] before = ml.Data.CreateEnumerable<Scores>(model.Transform(data), reuseRowObject: false).Select(s => s.A).ToArray();
            float[] after = ml.Data.CreateEnumerable<Scores>(loaded.Transform(data), reuseRowObject: false).Select(s => s.A).ToArray();
            Assert.AreEqual(256, before.Length);
            Assert.AreEqual(256, after.Length);
            for (int i = 0; i < before.Length; i++) Assert.AreEqual(before[i], after[i], 1e-5f, $"row {i}");
            (loaded as IDisposable)?.Dispose();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Scores
    {
        [ColumnName("A.Score")]
        public float A { get; set; }
    }

    [TestMethod]
    public void AdamHeadUpdatesIgnoreAConstantLossScaleWhileSgdUpdatesScaleWithIt()
    {
        // One full-batch step; compare the update of task A's head when A's loss is multiplied by 10.
        double[] HeadUpdate(OptimizerKind optimizer, double scale)
        {
            var ml = new MLContext(1);
            var options = RegressionOptions();
            // Learning rate large enough that float32 differences resolve the SGD update to ~1e-3.
            options.Optimizer = optimizer == OptimizerKind.Sgd ? new MtlOptimizerOptions.Sgd { Momentum = 0, LearningRate = 1e-2 } : new MtlOptimizerOptions.Adam { LearningRate = 1e-2 };
            options.MaxEpoch = 1;
            options.BatchSize = 256;
            options.Tasks[0].LossWeight = scale;
            using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(Synthetic());
            // Rebuild the initial network exactly as the trainer did (same seed, same construction order).
            manual_seed(5);
            var tasks = options.Tasks.Select(t => t.Clone()).ToList();
            using var initial = new SharedBottomNetwork(options.Trunk!, new long[] { 8 }, tasks);
            using var scope = NewDisposeScope();
            Tensor after = cat(model.Network.TaskParameters(0).Select(p => p.flatten()).ToArray());
            Tensor before = cat(initial.TaskParameters(0).Select(p => p.flatten()).ToArray());
            return (after - before).to_type(ScalarType.Float64).data<double>().ToArray();
        }
        double[] adam1 = HeadUpdate(OptimizerKind.Adam, 1), adam10 = HeadUpdate(OptimizerKind.Adam, 10);
        double[] sgd1 = HeadUpdate(OptimizerKind.Sgd, 1), sgd10 = HeadUpdate(OptimizerKind.Sgd, 10);
        int compared = 0;
        for (int i = 0; i < adam1.Length; i++)
        {
            // Adam's first step is −lr·g/(|g|+ε): scale-free only where |g| ≫ ε, so skip the (near-)zero gradients.
            if (Math.Abs(sgd1[i]) < 1e-5) continue;
            compared++;
            Assert.AreEqual(adam1[i], adam10[i], 2e-5 * Math.Abs(adam1[i]) + 1e-7, $"Adam head update {i} changed with the loss scale: {adam1[i]} vs {adam10[i]}");
            Assert.AreEqual(10.0, sgd10[i] / sgd1[i], 1e-2, $"SGD head update {i} should scale by 10: {sgd1[i]} vs {sgd10[i]}");
        }
        Assert.IsTrue(compared > 10, "too few head coordinates moved to compare");
    }

    [TestMethod]
    public void ANonFiniteLossStopsTrainingNamingTaskAndStepAndKeepsTheCheckpoint()
    {
        var ml = new MLContext(1);
        var options = RegressionOptions();
        options.Optimizer = new MtlOptimizerOptions.Sgd { Momentum = 0, LearningRate = 1e12 }; // diverges after the first step
        options.BatchSize = 256;
        options.MaxEpoch = 3;
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-ckpt-{Guid.NewGuid():N}");
        options.CheckpointFolder = folder;
        try
        {
            var e = Assert.ThrowsExactly<NonFiniteLossException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(Synthetic()));
            Assert.AreEqual(2, e.Step);
            StringAssert.Contains(e.Message, $"task '{e.Task}'");
            StringAssert.Contains(e.Message, "step 2");
            StringAssert.Contains(e.Message, folder);
            Assert.IsTrue(File.Exists(Path.Combine(folder, "latest.json")), "the epoch-1 checkpoint must be kept");
            Assert.IsTrue(File.Exists(Path.Combine(folder, "epoch-0001.weights")));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ADamagedOrForeignCheckpointIsAClearErrorNotASilentRestart()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-badckpt-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "latest.json"), "{ not json");
            var options = RegressionOptions();
            options.CheckpointFolder = folder;
            var damaged = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(Synthetic()));
            StringAssert.Contains(damaged.Message, "latest.json");

            // A record that is valid JSON but not a checkpoint of ours.
            File.WriteAllText(Path.Combine(folder, "latest.json"), "{\"Format\":\"something-else\",\"Tasks\":2}");
            var foreign = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(Synthetic()));
            StringAssert.Contains(foreign.Message, "not a multi-head trainer checkpoint");

            // A real checkpoint of a 2-task run, resumed by a 3-task run.
            Directory.Delete(folder, recursive: true);
            var two = RegressionOptions();
            two.CheckpointFolder = folder;
            two.MaxEpoch = 1;
            using (new MLContext(1).MultiTask().Trainers.MultiHead(two).Fit(Synthetic3())) { }
            var three = RegressionOptions();
            three.CheckpointFolder = folder;
            three.Tasks.Add(new TaskDefinition("C", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0 });
            var other = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(three).Fit(Synthetic3()));
            StringAssert.Contains(other.Message, "2 tasks");

            // The same run, with its weights file damaged on disk.
            string weights = Directory.GetFiles(folder, "*.weights").Single();
            byte[] bytes = File.ReadAllBytes(weights);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(weights, bytes);
            var corrupt = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(two).Fit(Synthetic3()));
            StringAssert.Contains(corrupt.Message, Path.GetFileName(weights));
            StringAssert.Contains(corrupt.Message, "SHA-256");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void TrainingResumesFromTheLatestCheckpoint()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-resume-{Guid.NewGuid():N}");
        try
        {
            var options = RegressionOptions();
            options.CheckpointFolder = folder;
            options.MaxEpoch = 2;
            using (new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(Synthetic())) { }
            options.MaxEpoch = 3;
            var trainer = new MLContext(1).MultiTask().Trainers.MultiHead(options);
            using var model = trainer.Fit(Synthetic());
            Assert.AreEqual(2, model.TrainingReport!.ResumedFromEpoch);
            Assert.AreEqual(1, model.TrainingReport.Epochs.Count);
            Assert.AreEqual(3, model.TrainingReport.Epochs[0].Epoch);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}

[TestClass]
public class EveryMethodTrainsTests
{
    [TestMethod]
    public void EveryRegisteredMethodTrainsInEachModeItSupports()
    {
        IDataView data = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = 256, FeatureCount = 8, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 3,
        }).AsDataView();
        var failures = new List<string>();
        int runs = 0;
        foreach (string name in MethodRegistry.Names)
        {
            MtlMethod probe = MethodRegistry.Create(name);
            // A combined-loss method trains the same in both modes: one mode is enough.
            var modes = probe.Requirements.Gradients == GradientNeed.CombinedLoss ? new[] { GradientMode.Parameters } : probe.SupportedModes.ToArray();
            foreach (GradientMode mode in modes)
            {
                runs++;
                var ml = new MLContext(1);
                var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
                {
                    FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
                    Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0 },
                              new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0 } },
                    Trunk = TrunkSpec.Mlp(16),
                    Method = name,
                    GradientMode = mode,
                    BatchSize = 32,
                    MaxEpoch = 4,
                    Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 1e-2 },
                    Seed = 2,
                });
                try
                {
                    using var model = trainer.Fit(data);
                    var epochs = model.TrainingReport!.Epochs;
                    double first = epochs[0].Tasks.Sum(t => t.TrainLoss), last = epochs[^1].Tasks.Sum(t => t.TrainLoss);
                    if (!(last < first)) failures.Add($"{name}/{mode}: loss {first:G4} → {last:G4} did not fall");
                }
                catch (Exception e)
                {
                    failures.Add($"{name}/{mode}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        Assert.IsTrue(runs >= 25, $"only {runs} method/mode combinations ran");
        Assert.AreEqual(0, failures.Count, string.Join("\n", failures));
    }

    [TestMethod]
    [DataRow(OptimizerKind.Sgd)]
    [DataRow(OptimizerKind.AdamW)]
    [DataRow(OptimizerKind.SignSgd)]
    [DataRow(OptimizerKind.PerTaskAdam)]
    public void EachOptimizerLowersTheLoss(OptimizerKind optimizer)
    {
        IDataView data = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = 256, FeatureCount = 8, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 3,
        }).AsDataView();
        var ml = new MLContext(1);
        var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) { HeadDropout = 0 }, new TaskDefinition("B", kind: TaskKind.Regression) { HeadDropout = 0 } },
            Trunk = TrunkSpec.Mlp(16),
            Optimizer = Optimizer(optimizer, optimizer == OptimizerKind.SignSgd ? 1e-3 : 1e-2),
            BatchSize = 32,
            MaxEpoch = 5,
            Seed = 2,
        });
        using var model = trainer.Fit(data);
        var epochs = model.TrainingReport!.Epochs;
        Assert.IsTrue(epochs[^1].Tasks.Sum(t => t.TrainLoss) < 0.8 * epochs[0].Tasks.Sum(t => t.TrainLoss),
            $"{optimizer}: {epochs[0].Tasks.Sum(t => t.TrainLoss)} → {epochs[^1].Tasks.Sum(t => t.TrainLoss)}");
    }

    private static MtlOptimizerOptions Optimizer(OptimizerKind kind, double learningRate)
    {
        MtlOptimizerOptions o = MtlOptimizerOptions.For(kind);
        o.LearningRate = learningRate;
        return o;
    }
}
