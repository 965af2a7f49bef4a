using System.Text.Json.Nodes;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary><c>.mtlconfig</c>: round trip, and every refusal names the field (its JSON path) and the file.</summary>
[TestClass]
public sealed class MtlConfigTests
{
    private string folder = null!;
    private string data = null!;

    [TestInitialize]
    public void Create()
    {
        folder = AutoTrainTestData.NewFolder();
        data = AutoTrainTestData.WriteTable(Path.Combine(folder, "shapes.csv"));
    }

    [TestCleanup]
    public void Delete() => Directory.Delete(folder, recursive: true);

    private MtlConfig Sample(out AutoTrainSettings settings)
    {
        settings = AutoTrainTestData.Settings(data, folder, maxTrials: 4) with
        {
            History =
            [
                new TrialResult(1, 0, 0, new TrainingConfig { Method = "ew", Optimizer = OptimizerKind.AdamW, Epochs = 6, Seed = 2 }, TrialResult.Finished, 41.5, 1.25, 1.0, 6, 5),
                new TrialResult(2, 1, 0, new TrainingConfig { Method = "uw", LearningRate = 0.004, Dropout = 0.1, Trunk = "mlp(64)", Epochs = 2, Seed = 2 },
                    TrialResult.Diverged, null, 0.5, 0, 0, 0, "NaN loss"),
            ],
        };
        TableSchema schema = TableSchema.Infer(data, settings.Read);
        return MtlConfig.For(settings, schema);
    }

    [TestMethod]
    public void RoundTrip_KeepsTheRunAndItsTrials()
    {
        MtlConfig config = Sample(out AutoTrainSettings settings);
        string path = Path.Combine(folder, "shapes.mtlconfig");
        config.Write(path);
        string text = File.ReadAllText(path);
        // Shaped like Model Builder's .mbconfig.
        foreach (string field in new[] { "\"Scenario\"", "\"DataSource\"", "\"ColumnProperties\"", "\"ColumnPurpose\": \"Label\"", "\"TaskKind\": \"Regression\"",
                     "\"TrainingOption\"", "\"TrainingTime\": 600", "\"ValidationOption\"", "\"RunHistory\"", "\"Trials\"", "\"RuntimeInSeconds\"", "\"Parameter\"" })
            StringAssert.Contains(text, field);

        MtlConfig read = MtlConfig.Read(path);
        AutoTrainSettings back = read.ToSettings(path);
        Assert.AreEqual(Path.GetFullPath(data), back.DataPath);
        CollectionAssert.AreEqual(new[] { "tier", "size" }, back.Read.Labels.Select(l => l.Column).ToArray());
        CollectionAssert.AreEqual(new TaskKind?[] { TaskKind.Multiclass, TaskKind.Regression }, back.Read.Labels.Select(l => l.Kind).ToArray());
        Assert.AreEqual((',', true), (back.Read.Separator!.Value, back.Read.HasHeader));
        Assert.AreEqual((settings.Seed, settings.TimeBudget, settings.MaxTrials, settings.TestFraction, settings.Baselines),
            (back.Seed, back.TimeBudget, back.MaxTrials, back.TestFraction, back.Baselines));
        Assert.AreEqual((folder, "shapes"), (back.OutFolder, back.Name));
        CollectionAssert.AreEqual(settings.Space.Methods.ToArray(), back.Space.Methods.ToArray());
        Assert.AreEqual(6, back.Space.Epochs);
        Assert.AreEqual(settings.Config, back.Config);
        CollectionAssert.AreEqual(settings.History.ToArray(), back.History.ToArray());
        // And written again, the same text.
        read.Write(path);
        Assert.AreEqual(text, File.ReadAllText(path));
    }

    [TestMethod]
    public void TheArchitecture_RoundTrips_InTheTrainerTheSpaceAndEachTrial()
    {
        MtlConfig config = Sample(out AutoTrainSettings settings);
        config.TrainingOption.Trainer = config.TrainingOption.Trainer with { Architecture = "mmoe(experts=3)" };
        config.TrainingOption.SearchSpace = config.TrainingOption.SearchSpace with { Architectures = ["cgc", "ple"] };
        config.RunHistory.Trials[0].Parameter = config.RunHistory.Trials[0].Parameter with { Architecture = "cross-stitch" };
        string path = Path.Combine(folder, "arch.mtlconfig");
        config.Write(path);
        StringAssert.Contains(File.ReadAllText(path), "\"Architecture\": \"mmoe(experts=3)\"");
        AutoTrainSettings back = MtlConfig.Read(path).ToSettings(path);
        Assert.AreEqual("mmoe(experts=3)", back.Config.Architecture);
        CollectionAssert.AreEqual(new[] { "cgc", "ple" }, back.Space.Architectures!.ToArray());
        Assert.AreEqual("cross-stitch", back.History[0].Config.Architecture);
        AssertRefused(j => j["TrainingOption"]!["Trainer"]!["Architecture"] = "moe", "$.TrainingOption.Trainer", "moe");
        AssertRefused(j => j["TrainingOption"]!["SearchSpace"]!["Architectures"] = new JsonArray("ple", "nope"), "$.TrainingOption.SearchSpace", "nope");
    }

    [TestMethod]
    public void AFileFromBeforeArchitectures_StillLoads_AsSharedBottomOnly()
    {
        string path = Edited(j =>
        {
            j["TrainingOption"]!["SearchSpace"]!.AsObject().Remove("Architectures");
            j["TrainingOption"]!["Trainer"]!.AsObject().Remove("Architecture");
        });
        AutoTrainSettings back = MtlConfig.Read(path).ToSettings(path);
        Assert.IsNull(back.Space.Architectures);
        Assert.IsNull(back.Config.Architecture);
        // So its search plans what it planned then: no architecture drawn.
        Assert.IsTrue(Enumerable.Range(0, 10).All(i => back.Space.Sample(back.Seed, i).Architecture is null));
    }

    private string Edited(Action<JsonObject> edit)
    {
        string path = Path.Combine(folder, "edited.mtlconfig");
        Sample(out _).Write(path);
        JsonObject json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private void AssertRefused(Action<JsonObject> edit, params string[] parts)
    {
        string path = Edited(edit);
        string message = Assert.ThrowsExactly<InvalidDataException>(() => MtlConfig.Read(path)).Message;
        StringAssert.Contains(message, path);
        foreach (string part in parts) StringAssert.Contains(message, part);
    }

    [TestMethod]
    public void AnUnknownField_IsRefused_NamingItsPath()
    {
        AssertRefused(j => j["TrainingOption"]!["TraningTime"] = 60, "$.TrainingOption.TraningTime");
        AssertRefused(j => j["RunHistory"]!["Trials"]![0]!["Parameter"]!["LearningRat"] = 0.1, "$.RunHistory.Trials[0].Parameter.LearningRat");
        AssertRefused(j => j["Extra"] = true, "$.Extra");
    }

    [TestMethod]
    public void AnInvalidValue_IsRefused_NamingItsPath()
    {
        AssertRefused(j => j["TrainingOption"]!["Seed"] = "one", "$.TrainingOption.Seed");
        AssertRefused(j => j["TrainingOption"]!["TrainingTime"] = -5, "$.TrainingOption.TrainingTime", "positive number of seconds");
        AssertRefused(j => j["DataSource"]!["ColumnProperties"]![3]!["TaskKind"] = "Ordinal", "$.DataSource.ColumnProperties[3].TaskKind", "Ordinal");
        AssertRefused(j => j["DataSource"]!["Delimiter"] = ";;", "$.DataSource.Delimiter");
        AssertRefused(j => j["RunHistory"]!["Trials"]![0]!["Parameter"]!["LearningRate"] = -1, "$.RunHistory.Trials[0].Parameter", "learningRate");
        AssertRefused(j => j["RunHistory"]!["Trials"]![1]!["Parameter"]!["Optimizer"] = "Adamm", "$.RunHistory.Trials[1].Parameter.Optimizer");
        AssertRefused(j => j["TrainingOption"]!["SearchSpace"]!["Methods"] = new JsonArray("ew", "nope"), "$.TrainingOption.SearchSpace", "'nope' is not a method");
        AssertRefused(j => j["TrainingOption"]!["LabelColumns"] = new JsonArray("tier", "x"), "$.TrainingOption.LabelColumns[1]", "'x'");
        AssertRefused(j => j["Baselines"]!["Mode"] = "sometimes", "$.Baselines.Mode");
        AssertRefused(j => j["RunHistory"]!["Trials"]![0]!["Score"] = null, "$.RunHistory.Trials[0].Score");
    }

    [TestMethod]
    public void ANewerVersion_SaysToUpgradeMtl()
    {
        // Checked before the fields: a newer file may well have fields this build does not know.
        string path = Edited(j => { j["Version"] = MtlConfig.CurrentVersion + 1; j["SomethingNew"] = 1; });
        string message = Assert.ThrowsExactly<InvalidDataException>(() => MtlConfig.Read(path)).Message;
        StringAssert.Contains(message, path);
        StringAssert.Contains(message, $"version {MtlConfig.CurrentVersion + 1}");
        StringAssert.Contains(message, "Upgrade mtl");
        AssertRefused(j => j.Remove("Version"), "$.Version", "missing");
    }

    [TestMethod]
    public void DataThatChanged_IsRefusedOnResume_NamingTheColumn()
    {
        MtlConfig config = Sample(out _);
        File.WriteAllText(data, File.ReadAllText(data).Replace("x,y,colour", "x,y,color"));
        TableSchema now = TableSchema.Infer(data, config.ToSettings(Path.Combine(folder, "a.mtlconfig")).Read);
        string message = Assert.ThrowsExactly<InvalidDataException>(() =>
            MtlConfig.RequireSameColumns(config.DataSource.ColumnProperties, now, "a.mtlconfig")).Message;
        StringAssert.Contains(message, "$.DataSource.ColumnProperties[2].ColumnName");
        StringAssert.Contains(message, "'colour'");
    }
}
