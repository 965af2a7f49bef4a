using Microsoft.ML;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>
/// The orchestrator on a small synthetic table: the search keeps the best trial, writes its .mtlconfig after every trial,
/// respects the budget, resumes after a cancellation to the same best as an uninterrupted run, and a cancellation leaves a
/// valid .mtlconfig and no zip.
/// </summary>
[TestClass]
public sealed class AutoTrainerTests
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

    private sealed class Recorder(Action<AutoTrainEvent>? also = null) : IProgress<AutoTrainEvent>
    {
        public List<AutoTrainEvent> Events { get; } = [];

        public void Report(AutoTrainEvent value)
        {
            Events.Add(value);
            also?.Invoke(value);
        }
    }

    [TestMethod]
    public void Search_KeepsTheBestTrial_AndWritesTheConfigAfterEveryTrial()
    {
        string outFolder = Path.Combine(folder, "out");
        AutoTrainSettings settings = AutoTrainTestData.Settings(data, outFolder, maxTrials: 5);
        var trialsInFile = new List<int>();
        var recorder = new Recorder(e =>
        {
            if (e is TrialFinished) trialsInFile.Add(MtlConfig.Read(settings.ConfigPath).RunHistory.Trials.Count);
        });
        AutoTrainResult result = AutoTrainer.Run(settings, recorder);

        // The plan: bracket 0 (the defaults, 6 epochs), bracket 1 (three candidates at 2 epochs, the best at 6).
        Assert.AreEqual(5, result.Trials.Count);
        CollectionAssert.AreEqual(new[] { 6, 2, 2, 2, 6 }, result.Trials.Select(t => t.Config.Epochs!.Value).ToArray());
        TrialResult[] rung0 = result.Trials.Skip(1).Take(3).ToArray();
        TrialResult promoted = rung0.OrderByDescending(t => t.Score).First();
        Assert.AreEqual(promoted.Candidate, result.Trials[4].Candidate);
        Assert.IsTrue(result.Trials.All(t => t.Status == TrialResult.Finished && t.Score is not null), string.Join("\n", result.Trials));
        // The best is the highest validation score, and the saved model is its.
        TrialResult best = result.Trials.OrderByDescending(t => t.Score).ThenBy(t => t.Number).First();
        Assert.AreEqual(best, result.Best);
        Assert.AreEqual(best, recorder.Events.OfType<BestChanged>().Last().Best);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4, 5 }, trialsInFile, "the .mtlconfig is rewritten after every trial");
        Assert.IsTrue(File.Exists(settings.ZipPath));
        MtlConfig file = MtlConfig.Read(settings.ConfigPath);
        Assert.AreEqual(best.Number, file.RunHistory.BestTrial);
        CollectionAssert.AreEqual(new[] { "MicroAccuracy", "LogLoss" }, file.RunHistory.TestMetrics![0].Metrics.Keys.ToArray());
        Assert.IsTrue(result.TestMetrics["size"].Regression!.RSquared > 0.5, $"R² {result.TestMetrics["size"].Regression!.RSquared}");
        Assert.AreEqual("Skipped: --baselines none", file.Baselines.Status);
        CollectionAssert.AreEqual(new[] { "shapes.consumption.cs", "shapes.mtlconfig", "shapes.training.cs", "shapes.zip" },
            Directory.GetFiles(outFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray(),
            "the zip, the .mtlconfig and the generated code, no temporary files");
        CodeGenerated code = recorder.Events.OfType<CodeGenerated>().Single();
        Assert.IsTrue(File.Exists(code.Code.ConsoleAppProject), code.Code.ConsoleAppProject);
        // The events come in order: schema, split, then each trial's start before its end.
        Assert.IsInstanceOfType<SchemaInferred>(recorder.Events[0]);
        Assert.IsInstanceOfType<DataSplit>(recorder.Events[1]);
        Assert.IsInstanceOfType<RunFinished>(recorder.Events[^1]);
        Assert.IsTrue(recorder.Events.OfType<TrialEpoch>().Count() >= 10);
    }

    [TestMethod]
    public void ACancelledRun_LeavesAValidConfigAndNoZip_AndItsResumeReachesTheUninterruptedBest()
    {
        AutoTrainResult whole = AutoTrainer.Run(AutoTrainTestData.Settings(data, Path.Combine(folder, "whole"), maxTrials: 5));

        AutoTrainSettings settings = AutoTrainTestData.Settings(data, Path.Combine(folder, "stopped"), maxTrials: 5);
        using var stop = new CancellationTokenSource();
        var recorder = new Recorder(e =>
        {
            // Cancelled while trial 4 trains: it never finishes.
            if (e is TrialEpoch { Trial: 4, Epoch.Epoch: 1 }) stop.Cancel();
        });
        Assert.ThrowsExactly<OperationCanceledException>(() => AutoTrainer.Run(settings, recorder, stop.Token));
        Assert.IsFalse(File.Exists(settings.ZipPath), "a cancelled run wrote a zip");
        MtlConfig file = MtlConfig.Read(settings.ConfigPath);
        Assert.AreEqual(3, file.RunHistory.Trials.Count);
        Assert.IsNull(file.RunHistory.BestTrial);
        Assert.AreEqual(1, Directory.GetFiles(Path.GetDirectoryName(settings.ConfigPath)!).Length, "only the .mtlconfig, no temporary files");

        // Resumed from the file: trials 1–3 are taken as they are, 4 and 5 train; the same best, the same model.
        AutoTrainSettings resumed = file.ToSettings(settings.ConfigPath);
        var events = new Recorder();
        AutoTrainResult result = AutoTrainer.Run(resumed, events);
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, events.Events.OfType<TrialFinished>().Where(f => f.FromHistory).Select(f => f.Result.Number).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 5 }, events.Events.OfType<TrialStarted>().Select(s => s.Trial.Number).Where(n => n > 3).ToArray());
        Assert.IsFalse(events.Events.OfType<TrialStarted>().Any(s => s.Trial.Number <= 3 && s.Trial.Number != result.Best.Number),
            "a finished trial was trained again");
        CollectionAssert.AreEqual(whole.Trials.Select(t => (t.Candidate, t.Rung, t.Config, t.Score)).ToArray(),
            result.Trials.Select(t => (t.Candidate, t.Rung, t.Config, t.Score)).ToArray());
        Assert.AreEqual(whole.Best.Number, result.Best.Number);
        foreach (TaskMetrics m in whole.TestMetrics.Tasks)
            Assert.AreEqual(m.PrimaryMetric, result.TestMetrics[m.Task].PrimaryMetric, 1e-9, m.Task);
        Assert.IsTrue(File.Exists(resumed.ZipPath));

        // Run once more: every trial comes from the file, the best is trained again, the same model.
        AutoTrainResult again = AutoTrainer.Run(MtlConfig.Read(resumed.ConfigPath).ToSettings(resumed.ConfigPath));
        Assert.AreEqual(whole.Best.Number, again.Best.Number);
        foreach (TaskMetrics m in whole.TestMetrics.Tasks)
            Assert.AreEqual(m.PrimaryMetric, again.TestMetrics[m.Task].PrimaryMetric, 1e-9, m.Task);
    }

    [TestMethod]
    public void ASmallBudget_IsRespected_WithinOneTrialsSlack()
    {
        AutoTrainSettings settings = AutoTrainTestData.Settings(data, Path.Combine(folder, "budget"), maxTrials: 1) with
        {
            MaxTrials = null,
            TimeBudget = TimeSpan.FromSeconds(4),
        };
        var recorder = new Recorder();
        AutoTrainResult result = AutoTrainer.Run(settings, recorder);
        double spent = result.Trials.Sum(t => t.Seconds), longest = result.Trials.Max(t => t.Seconds);
        Assert.IsTrue(spent <= 4 + longest, $"{result.Trials.Count} trials took {spent:F1} s of a 4 s budget (longest {longest:F1} s)");
        StringAssert.Contains(recorder.Events.OfType<SearchStopped>().Single().Reason, "would not finish within the budget");
        Assert.IsTrue(File.Exists(settings.ZipPath), "a budgeted run always leaves a model");
    }

    [TestMethod]
    public void WithoutABudget_OneTrialWithTheGivenOptions()
    {
        AutoTrainSettings settings = AutoTrainTestData.Settings(data, Path.Combine(folder, "one"), maxTrials: 1) with
        {
            TimeBudget = null,
            MaxTrials = null,
            Config = new TrainingConfig { Method = "uw", Epochs = 4 },
        };
        AutoTrainResult result = AutoTrainer.Run(settings);
        Assert.AreEqual(1, result.Trials.Count);
        Assert.AreEqual(new TrainingConfig { Method = "uw", Epochs = 4, Seed = 2 }, result.Best.Config);
        Assert.AreEqual(4, result.Best.EpochsTrained);

        // Its model is the one TablePipeline.Fit gives for the same split, seed and options.
        var ml = new MLContext(2);
        Mtl.Trainers.Tables.TableSchema schema = Mtl.Trainers.Tables.TableSchema.Infer(data, settings.Read);
        IDataView all = Mtl.Trainers.Tables.TablePipeline.CreateLoader(ml, schema).Load(data);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(all, 0.2, seed: 2);
        Mtl.Trainers.Tables.TableModel model = Mtl.Trainers.Tables.TablePipeline.Fit(ml, schema, split.TrainSet, result.Best.Config, 2);
        using MultiHeadNetworkTransformer network = model.Network;
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(model.Model.Transform(split.TestSet), network);
        Assert.AreEqual(metrics["size"].PrimaryMetric, result.TestMetrics["size"].PrimaryMetric, 1e-6);
    }

    [TestMethod]
    public void AHistoryFromAnotherSearch_IsRefused_NamingTheTrial()
    {
        AutoTrainSettings settings = AutoTrainTestData.Settings(data, Path.Combine(folder, "other"), maxTrials: 2);
        AutoTrainer.Run(settings);
        MtlConfig file = MtlConfig.Read(settings.ConfigPath);
        file.TrainingOption.Seed = 3;
        file.Write(settings.ConfigPath);
        string message = Assert.ThrowsExactly<InvalidDataException>(() => AutoTrainer.Run(file.ToSettings(settings.ConfigPath))).Message;
        StringAssert.Contains(message, "$.RunHistory.Trials[0]");
        StringAssert.Contains(message, "set RunHistory.Trials to []");
    }
}
