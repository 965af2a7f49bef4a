using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>Interrupted and resumed training equals uninterrupted training, bit for bit, for methods and optimizers with state.</summary>
[TestClass]
public class CheckpointResumeTests
{
    private static IDataView Data() => new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
    {
        RowCount = 96, FeatureCount = 6, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 5,
    }).AsDataView();

    private static MultiHeadNetworkTrainer.Options Options(string method, OptimizerKind optimizer, int epochs, string? folder) => new()
    {
        FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
        Tasks =
        {
            new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0.2 },
            new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0.2 },
        },
        Trunk = TrunkSpec.Mlp(12),
        Method = method,
        Optimizer = Optimizer(optimizer, 5e-3),
        Schedule = new LearningRateScheduleOptions.Exponential { Gamma = 0.9 },
        BatchSize = 16,
        MaxEpoch = epochs,
        Seed = 11,
        CheckpointFolder = folder,
    };

    private static MtlOptimizerOptions Optimizer(OptimizerKind kind, double learningRate)
    {
        MtlOptimizerOptions o = MtlOptimizerOptions.For(kind);
        o.LearningRate = learningRate;
        return o;
    }

    [TestMethod]
    public void ACheckpointOfAnotherArchitecture_OrOfMoreEpochs_IsRefused_NamingIt()
    {
        using var temp = new TempFolder();
        using (new MLContext(1).MultiTask().Trainers.MultiHead(Options("ew", OptimizerKind.Adam, 2, temp.Path)).Fit(Data())) { }
        MultiHeadNetworkTrainer.Options mmoe = Options("ew", OptimizerKind.Adam, 3, temp.Path);
        mmoe.Architecture = "mmoe(experts=2)";
        string message = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(mmoe).Fit(Data())).Message;
        StringAssert.Contains(message, $"The checkpoint in {temp.Path} was made by a shared-bottom network; this run builds a MMoE network");
        string fewer = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(Options("ew", OptimizerKind.Adam, 1, temp.Path)).Fit(Data())).Message;
        StringAssert.Contains(fewer, "has trained 2 epochs, more than Options.MaxEpoch = 1");
    }

    [TestMethod]
    [DataRow("uw", OptimizerKind.Adam)]
    [DataRow("nashmtl", OptimizerKind.Adam)]
    [DataRow("dwa", OptimizerKind.Sgd)]
    [DataRow("famo", OptimizerKind.AdamW)]
    [DataRow("rlw", OptimizerKind.Adam)]
    [DataRow("ew", OptimizerKind.PerTaskAdam)]
    public void AResumedRunEqualsAnUninterruptedOne(string method, OptimizerKind optimizer)
    {
        var straight = new MLContext(1).MultiTask().Trainers.MultiHead(Options(method, optimizer, 4, null));
        using var whole = straight.Fit(Data());

        using var temp = new TempFolder();
        using (new MLContext(1).MultiTask().Trainers.MultiHead(Options(method, optimizer, 2, temp.Path)).Fit(Data())) { }
        var resumedTrainer = new MLContext(1).MultiTask().Trainers.MultiHead(Options(method, optimizer, 4, temp.Path));
        using var resumed = resumedTrainer.Fit(Data());

        TrainingReport r = resumed.TrainingReport!;
        Assert.AreEqual(2, r.ResumedFromEpoch);
        var expected = whole.TrainingReport!.Epochs;
        var actual = r.EarlierEpochs.Concat(r.Epochs).ToList();
        Assert.AreEqual(expected.Count, actual.Count);
        for (int e = 0; e < expected.Count; e++)
        {
            Assert.AreEqual(expected[e].Epoch, actual[e].Epoch);
            Assert.AreEqual(expected[e].LearningRate, actual[e].LearningRate, $"{method}: learning rate of epoch {e + 1}");
            for (int t = 0; t < 2; t++)
            {
                Assert.AreEqual(expected[e].Tasks[t].TrainLoss, actual[e].Tasks[t].TrainLoss, $"{method}/{optimizer}: loss of task {t}, epoch {e + 1}");
                Assert.AreEqual(expected[e].Tasks[t].TrainMetric, actual[e].Tasks[t].TrainMetric, $"{method}/{optimizer}: metric of task {t}, epoch {e + 1}");
            }
            CollectionAssert.AreEqual(expected[e].MethodWeights, actual[e].MethodWeights, $"{method}: weights of epoch {e + 1}");
        }
        using var scope = NewDisposeScope();
        var a = whole.Network.state_dict();
        foreach ((string name, Tensor value) in resumed.Network.state_dict())
            Assert.IsTrue(value.eq(a[name]).all().item<bool>(), $"{method}/{optimizer}: parameter {name} differs");
    }

    [TestMethod]
    public void ANonFiniteLossKeepsTheLastCompletedEpochsCheckpointResumable()
    {
        using var temp = new TempFolder();
        var options = Options("uw", OptimizerKind.Sgd, 3, temp.Path);
        options.Optimizer = new MtlOptimizerOptions.Sgd { Momentum = 0, LearningRate = 1e12 }; // one full-batch step per epoch; the second epoch's loss overflows
        options.Schedule = new LearningRateScheduleOptions.Constant();
        options.BatchSize = 96;
        var e = Assert.ThrowsExactly<NonFiniteLossException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(Data()));
        Assert.AreEqual(2, e.Epoch);
        StringAssert.Contains(e.Message, $"task '{e.Task}'");
        StringAssert.Contains(e.Message, $"step {e.Step}");
        string record = File.ReadAllText(Path.Combine(temp.Path, "latest.json"));
        StringAssert.Contains(record, "\"Epoch\":1");
        Assert.IsTrue(File.Exists(Path.Combine(temp.Path, "epoch-0001.weights")));
        Assert.IsFalse(Directory.EnumerateFiles(temp.Path, "*.tmp").Any(), "no half-written files are left");
    }
}
