using System.Text.Json;
using Microsoft.ML;
using Mtl.Analysis.Sweeps;
using Mtl.Cli.Commands;
using Mtl.Cli.Tests.Support;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Cli.Tests;

/// <summary>`mtl train`, the sweeps and the studies turn the same settings into the same trainer options (one mapping).</summary>
[TestClass]
public class ConfigMappingTests
{
    private static readonly JsonSerializerOptions Fields = new() { IncludeFields = true };

    /// <summary>Everything a run configuration decides about the options, as text.</summary>
    private static string Describe(MultiHeadNetworkTrainer.Options o) => string.Join(" | ",
        o.FeatureColumnName, string.Join(",", o.Tasks.Select(t => $"{t.Name}:{t.Kind}")), o.Method, o.GradientMode,
        o.Optimizer.GetType().Name, JsonSerializer.Serialize(o.Optimizer, o.Optimizer.GetType(), Fields),
        o.Schedule.GetType().Name, JsonSerializer.Serialize(o.Schedule, o.Schedule.GetType(), Fields),
        o.Dropout, o.MaxEpoch, o.BatchSize, o.EarlyStopping is null ? "auto" : JsonSerializer.Serialize(o.EarlyStopping, Fields), o.Seed,
        o.Trunk is null ? "auto" : $"{o.Trunk} dropout {o.Trunk.Dropout}", o.Architecture, o.ValidationSet is null ? "no validation" : "validation");

    private static MultiHeadNetworkTrainer.Options Map(TrainingConfig config, IDataView validation) =>
        config.ToOptions(MultiTaskDatasets.ImageColumnName, [new TaskDefinition("Left"), new TaskDefinition("Right")], validation);

    [TestMethod]
    [DataRow("upgrad(ridge=1e-4)", OptimizerKind.Sgd)]
    [DataRow("fixed(0.3,0.7)", OptimizerKind.PerTaskAdam)]
    [DataRow("alignedmtl(preference=ones)", OptimizerKind.AdamW)]
    public void TheCliTheSweepsAndTheStudiesBuildIdenticalOptions(string method, OptimizerKind optimizer)
    {
        IDataView validation = new MLContext(1).Data.LoadFromEnumerable(new[] { new { X = 1f } });
        var cli = new TrainCommand.TrainSettings("multi-fashion", method, optimizer, GradientMode.Representation, Epochs: 3, LearningRate: 0.01,
            BatchSize: 64, TrainRows: 0, Seed: 2, ModelPath: "model.zip");
        var sweep = new RunConfig
        {
            Method = method, Optimizer = optimizer, GradientMode = GradientMode.Representation, Epochs = 3, LearningRate = 0.01, BatchSize = 64,
            Seed = 2, EarlyStoppingPatience = 0, Trunk = "multilenet",
        };
        // What a study writes (e.g. ConflictsStudy): a TrainingConfig with its settings.
        var study = new TrainingConfig
        {
            Method = method, Optimizer = optimizer, GradientMode = GradientMode.Representation, Epochs = 3, LearningRate = 0.01, BatchSize = 64,
            Seed = 2, EarlyStoppingPatience = 0, Trunk = "multilenet",
        };
        Assert.AreEqual(study, cli.ToConfig());
        string expected = Describe(Map(study, validation));
        Assert.AreEqual(expected, Describe(Map(cli.ToConfig(), validation)));
        Assert.AreEqual(expected, Describe(Map(sweep, validation)));
        StringAssert.Contains(expected, MtlMethodOptions.Parse(method).ToString());
        StringAssert.Contains(expected, "\"LearningRate\":0.01");
    }

    [TestMethod]
    public void TheArchFlagReachesTheArchitectureOptionThroughTheOneMapping()
    {
        IDataView validation = new MLContext(1).Data.LoadFromEnumerable(new[] { new { X = 1f } });
        var cli = new TrainCommand.TrainSettings("multi-fashion", "ew", OptimizerKind.Adam, GradientMode.Parameters, Epochs: 1, LearningRate: 0.01,
            BatchSize: 64, TrainRows: 0, Seed: 2, ModelPath: "model.zip", Architecture: "MMoE(experts=2)");
        var sweep = new RunConfig
        {
            Method = "ew", Epochs = 1, LearningRate = 0.01, BatchSize = 64, Seed = 2, EarlyStoppingPatience = 0, Trunk = "multilenet", Architecture = "mmoe(experts=2)",
        };
        Assert.AreEqual("mmoe(experts=2)", Map(cli.ToConfig(), validation).Architecture.ToString());
        Assert.AreEqual(Describe(Map(sweep, validation)), Describe(Map(cli.ToConfig(), validation)));
        Assert.AreEqual("shared-bottom", Map(new TrainingConfig(), validation).Architecture.ToString());
        // Cross-stitch columns and MTAN's backbone are built from the conv trunk's stages on the built-in image datasets, as MoE experts are.
        Assert.AreEqual(TrunkKind.MultiLeNet, Map((cli with { Architecture = "cross-stitch" }).ToConfig(), validation).Trunk!.Kind);
        Assert.AreEqual(TrunkKind.MultiLeNet, Map((cli with { Architecture = "mtan" }).ToConfig(), validation).Trunk!.Kind);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new TrainingConfig { Architecture = "mmoe(experts=0)" }.Validate());
        StringAssert.Contains(e.Message, "Architecture.Experts");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => (cli with { Architecture = "moe" }).ToConfig()).Message, "Accepted architectures");
    }

    [TestMethod]
    public void EverySettingReachesItsTypedOption()
    {
        var config = new TrainingConfig
        {
            Method = "cagrad(ca=0.4)", Optimizer = OptimizerKind.Sgd, LearningRate = 0.2, Momentum = 0.5, Nesterov = true, WeightDecay = 1e-4,
            Schedule = LearningRateSchedule.Step, ScheduleGamma = 0.85, ScheduleStepSize = 7, Dropout = 0.1, Epochs = 4, BatchSize = 32,
            EarlyStoppingPatience = 3, Seed = 9, Trunk = "mlp(32,16)",
        };
        MultiHeadNetworkTrainer.Options o = config.ToOptions("Features", [new TaskDefinition("A")]);
        var sgd = (MtlOptimizerOptions.Sgd)o.Optimizer;
        Assert.AreEqual((0.2, 0.5, true, 1e-4), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov, sgd.WeightDecay));
        var step = (LearningRateScheduleOptions.Step)o.Schedule;
        Assert.AreEqual((0.85, 7), (step.Gamma, step.StepSize));
        Assert.AreEqual(0.4, ((CAGrad.Options)o.Method).Ca);
        Assert.AreEqual((0.1, 4, 32, 3, 9), (o.Dropout, o.MaxEpoch, o.BatchSize, o.EarlyStopping!.Patience, o.Seed));
        Assert.AreEqual("mlp(32,16)", o.Trunk!.ToString());

        var adam = (MtlOptimizerOptions.Adam)new TrainingConfig { Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-6 }.ToOptions("Features", [new TaskDefinition("A")]).Optimizer;
        Assert.AreEqual((0.8, 0.99, 1e-6, 1e-3), (adam.Beta1, adam.Beta2, adam.Epsilon, adam.LearningRate));
        // Nothing set: everything automatic, as the trainer's own defaults.
        MultiHeadNetworkTrainer.Options defaults = new TrainingConfig().ToOptions("Features", [new TaskDefinition("A")]);
        Assert.AreEqual((null, null, null, null), (defaults.MaxEpoch, defaults.BatchSize, defaults.EarlyStopping, defaults.Trunk));
    }

    [TestMethod]
    public void OneValidationNamesTheConfigsField()
    {
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => new TrainingConfig { LearningRate = double.PositiveInfinity }.Validate()).Message,
            "learningRate must be a positive finite number; got ∞.");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => new TrainingConfig { Beta2 = 1 }.Validate()).Message, "beta2 must be in [0, 1); got 1.");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => new TrainingConfig { Epochs = 0 }.Validate()).Message, "epochs must be at least 1; got 0.");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => new TrainingConfig { Method = "upgrad(ridge=x)" }.Validate()).Message, "ridge accepts a finite number ≥ 0");
        StringAssert.Contains(Assert.Throws<ArgumentException>(() => new RunConfig { Momentum = 1, Optimizer = OptimizerKind.Sgd }.Validate()).Message,
            "momentum must be in [0, 1); got 1.");
    }

    [TestMethod]
    public void MtlTrainTakesMethodTextWithArguments()
    {
        using var folder = new TempFolder("mtl-cli-tests-method-text");
        ProcessResult result = InProcessCli.Run("train", "--method", "fixed(0.3,0.7)", "--train-rows", "256", "--batch-size", "64", "--epochs", "1",
            "--model", folder.File("m.zip"));
        Assert.AreEqual(0, result.ExitCode, result.Transcript);
        StringAssert.Contains(result.StandardOutput, "fixed(0.3,0.7)");
        Assert.IsTrue(File.Exists(folder.File("m.zip")), result.Transcript);
    }
}
