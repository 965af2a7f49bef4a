using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;

namespace Mtl.Analysis.Tests.Studies;

/// <summary>The transfer study (studies.md A4): the δ formula on hand-computed tables, and the smoke preset end to end.</summary>
[TestClass]
public class TransferStudyTests
{
    private static readonly TransferCondition NoiseMild = new("gaussian_noise", 1);
    private static readonly TransferCondition BlurStrong = new("defocus_blur", 5);

    private static TransferScores Scores(double clean, double noise, double blur) =>
        new(clean, new Dictionary<TransferCondition, double> { [NoiseMild] = noise, [BlurStrong] = blur });

    [TestMethod]
    public void DeltaIsTheSignedMeanDifferenceOfRelativePerformance()
    {
        // MTL relative: 0.4/0.8 = 0.5, 0.6/0.8 = 0.75; STL relative: 0.2/0.5 = 0.4, 0.45/0.5 = 0.9.
        // Differences 0.1 and −0.15, mean −0.025; accuracy is higher-is-better, so the sign flips: δ = +0.025.
        TransferScores mtl = Scores(0.8, 0.4, 0.6), stl = Scores(0.5, 0.2, 0.45);
        Assert.AreEqual(0.1, TransferDelta.Difference(mtl, stl, NoiseMild), 1e-12);
        Assert.AreEqual(-0.15, TransferDelta.Difference(mtl, stl, BlurStrong), 1e-12);
        Assert.AreEqual(0.025, TransferDelta.Of(mtl, stl, higherIsBetter: true), 1e-12);
        Assert.AreEqual(-0.025, TransferDelta.Of(mtl, stl, higherIsBetter: false), 1e-12);
    }

    [TestMethod]
    public void AnMtlModelThatKeepsItsAccuracyHasANegativeDelta()
    {
        // MTL loses nothing (relative 1, 1); STL halves (0.5) and quarters (0.25): δ = −mean(0.5, 0.75) = −0.625.
        TransferScores mtl = Scores(0.9, 0.9, 0.9), stl = Scores(0.8, 0.4, 0.2);
        Assert.AreEqual(-0.625, TransferDelta.Of(mtl, stl, higherIsBetter: true), 1e-12);
        // Errors (lower is better): MTL's error does not grow, STL's doubles and quadruples: δ = mean(1 − 2, 1 − 4) = −2.
        TransferScores mtlError = Scores(0.1, 0.1, 0.1), stlError = Scores(0.1, 0.2, 0.4);
        Assert.AreEqual(-2, TransferDelta.Of(mtlError, stlError, higherIsBetter: false), 1e-12);
        // Identical models: δ = 0.
        Assert.AreEqual(0, TransferDelta.Of(stl, stl, higherIsBetter: true), 0);
    }

    [TestMethod]
    public void DeltaRefusesTablesOverDifferentConditions()
    {
        TransferScores mtl = Scores(0.8, 0.4, 0.6);
        var stl = new TransferScores(0.5, new Dictionary<TransferCondition, double> { [NoiseMild] = 0.2 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TransferDelta.Of(mtl, stl, true)).Message, "defocus_blur:5");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => TransferDelta.Of(stl, mtl, true)).Message, "defocus_blur:5");
        StringAssert.Contains(Assert.ThrowsExactly<KeyNotFoundException>(() => stl.Relative(BlurStrong)).Message, "defocus_blur:5");
    }

    [TestMethod]
    public void ScoresRefuseAZeroCleanMetricAndNonFiniteValues()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Scores(0, 0.1, 0.1)).Message, "non-zero clean metric");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => Scores(0.5, double.NaN, 0.1)).Message, "gaussian_noise:1");
        Assert.ThrowsExactly<ArgumentException>(() => new TransferScores(0.5, new Dictionary<TransferCondition, double>()));
    }

    [TestMethod]
    public void TheCatalogListsTheStudy()
    {
        IStudy study = StudyCatalog.Find("transfer");
        Assert.AreEqual("transfer", study.Name);
        Assert.IsFalse(string.IsNullOrWhiteSpace(study.Description));
    }

    [TestMethod]
    public void BadSettingsFailBeforeAnyTrainingNamingTheSetting()
    {
        var study = new TransferStudy();
        string folder = Path.Combine(Path.GetTempPath(), "mtl-transfer-test");
        // Before training: no stage of the study has begun when each setting is refused.
        var progress = new StagesBegun();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, folder, progress) { Methods = ["ew", "pcgrad"] })).Message, "'pcgrad'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, folder, progress) { Methods = ["nope"] })).Message, "nope");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, folder, progress) { Seeds = 0 })).Message, "Seeds");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, folder, progress) { Dataset = "cifar" })).Message, "cifar");
        Assert.IsEmpty(progress.Stages, $"the checks must come before training; begun: {string.Join("; ", progress.Stages)}");
    }

    [TestMethod]
    public void ABadProtocolFailsAtConstructionNamingTheField()
    {
        TransferProtocol smoke = TransferProtocol.For(StudyPreset.Smoke);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { TrainRows = 0 })).Message, "TrainRows");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { LearningRates = [0.01, -1] })).Message, "LearningRates");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { Corruptions = ["fog", "smog"] })).Message, "'smog'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { Severities = [0, 1] })).Message, "Severities");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { Methods = [] })).Message, "Methods");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { EarlyStoppingPatience = -1 })).Message, "EarlyStoppingPatience");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { Corruptions = ["fog", "fog"] })).Message, "each once");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new TransferStudy(smoke with { Severities = [1, 1] })).Message, "distinct");
    }

    [TestMethod]
    public void ADivergingLearningRateIsRecordedAndNeverChosen()
    {
        // One seed, one method, one corruption: a learning rate of 1e30 blows the loss up; 1e-3 trains.
        TransferProtocol tiny = TransferProtocol.For(StudyPreset.Smoke) with
        {
            Seeds = 1, Methods = ["ew"], Corruptions = ["contrast"], Severities = [3], LearningRates = [1e30, 1e-3],
        };
        StudyReport r = new TransferStudy(tiny).Run(new StudyContext(StudyPreset.Smoke, Path.Combine(Path.GetTempPath(), "mtl-transfer-diverge")));
        var clean = r.Runs.Where(x => (string)x["stage"]! == "clean").ToArray();
        Assert.AreEqual(3 * 2, clean.Length, "3 models × 2 learning rates");
        foreach (var run in clean.Where(x => (double)x["learning_rate"]! == 1e30))
        {
            Assert.IsTrue((bool)run["diverged"]!, $"{run["model"]} at 1e30 should diverge");
            Assert.IsNull(run["validation_accuracy"]);
            Assert.IsFalse((bool)run["chosen"]!);
        }
        Assert.IsTrue(clean.Where(x => (double)x["learning_rate"]! == 1e-3).All(x => (bool)x["chosen"]!));
        Assert.AreEqual(1, r.Verdicts.Count(v => v.Claim.StartsWith("EW", StringComparison.Ordinal)));
        // One seed has no CI: the main verdict is decided by the signs alone, and undecided when they agree.
        double[] means = r.Tables[0].Rows.Select(row => (double)row[2]!).ToArray();
        bool signsDiffer = means.Any(m => m < 0) && means.Any(m => m > 0);
        Assert.AreEqual(signsDiffer ? true : null, r.Verdicts[0].Reproduced);
        Assert.IsTrue(r.Tables[0].Rows.All(row => row[8] is "—"), "one seed: no CI to exclude 0");
    }

    [TestMethod]
    public void TheProtocolsCoverTheGridsTheyPromise()
    {
        TransferProtocol quick = TransferProtocol.For(StudyPreset.Quick), paper = TransferProtocol.For(StudyPreset.Paper);
        Assert.AreEqual(75, quick.Conditions.Count);
        Assert.AreEqual(75, paper.Conditions.Count);
        Assert.AreEqual(2, quick.LearningRates.Count);
        CollectionAssert.AreEqual(TransferProtocol.PaperLearningRates.ToArray(), paper.LearningRates.ToArray());
        Assert.AreEqual(10, paper.LearningRates.Count);
        Assert.AreEqual(6, TransferProtocol.For(StudyPreset.Smoke).Conditions.Count);
    }

    private static StudyReport? smoke;

    private static StudyReport Smoke()
    {
        if (smoke is null)
        {
            smoke = new TransferStudy().Run(new StudyContext(StudyPreset.Smoke, Path.Combine(Path.GetTempPath(), "mtl-transfer-smoke")) { Seed = 3, Command = "mtl study transfer --preset smoke" });
        }
        return smoke;
    }

    [TestMethod]
    public void TheSmokePresetRunsInSecondsAndFillsTheReport()
    {
        StudyReport r = Smoke();
        // Seconds by construction (a clock would fail on a busy machine): a tiny slice, one epoch, one learning rate.
        TransferProtocol size = TransferProtocol.For(StudyPreset.Smoke);
        Assert.IsTrue(size.TrainRows <= 256 && size.Epochs == 1 && size.FineTuneEpochs == 1 && size.LearningRates.Count == 1, "the smoke preset grew");
        Assert.AreEqual("transfer", r.Study);
        Assert.AreEqual("smoke", r.Preset);
        Assert.AreEqual("mtl study transfer --preset smoke", r.Command);
        Assert.IsFalse(string.IsNullOrWhiteSpace(r.PaperPresetExpectedTime));
        StringAssert.Contains(r.PaperFinding, "−0.311");

        // δ table: 2 methods × 2 tasks, every number finite.
        ReportTable delta = r.Tables[0];
        Assert.AreEqual(4, delta.Rows.Count);
        foreach (IReadOnlyList<object?> row in delta.Rows)
        {
            Assert.IsTrue(double.IsFinite((double)row[2]!), "δ mean");
            Assert.IsTrue(double.IsFinite((double)row[4]!) && double.IsFinite((double)row[5]!), "two seeds give a CI");
            Assert.AreEqual((double)row[2]! < 0 ? "yes" : "no", row[7]);
        }
        // Accuracy table: STL Left, STL Right, EW × 2, UW × 2 rows; accuracies in [0, 1].
        Assert.AreEqual(6, r.Tables[1].Rows.Count);
        foreach (IReadOnlyList<object?> row in r.Tables[1].Rows)
            foreach (object? cell in row.Skip(2).Take(3))
                Assert.IsTrue((double)cell! is >= 0 and <= 1, $"accuracy {cell}");
        Assert.AreEqual(3, r.Tables[2].Rows.Count, "one row per smoke corruption");
        Assert.AreEqual(2 * 4, r.Tables[3].Rows.Count, "2 seeds × 4 models × 1 learning rate");

        // Heatmaps: per method and task, corruptions × severities.
        PlotSpec[] maps = r.Plots.Where(p => p.Heatmap is not null).ToArray();
        Assert.AreEqual(4, maps.Length);
        foreach (PlotSpec map in maps)
        {
            Assert.AreEqual(3, map.Heatmap!.Values.GetLength(0));
            Assert.AreEqual(2, map.Heatmap.Values.GetLength(1));
            CollectionAssert.AreEqual(new[] { "gaussian_noise", "defocus_blur", "contrast" }, map.Heatmap.RowLabels);
            foreach (double v in map.Heatmap.Values) Assert.IsTrue(double.IsFinite(v));
        }
        PlotSpec deltaPlot = r.Plots.Single(p => p.Name == "delta");
        Assert.AreEqual(4, deltaPlot.Series[0].Y.Length);

        // Verdicts: the paper's main finding, then one per method with a quoted δ; a decision with two seeds.
        Assert.AreEqual(3, r.Verdicts.Count);
        Assert.IsNotNull(r.Verdicts[0].Reproduced);
        StringAssert.Contains(r.Verdicts[1].Claim, "EW");
        StringAssert.Contains(r.Verdicts[2].Claim, "UW");
        Assert.IsTrue(r.Notes.Any(n => n.Contains("Augmentation")) && r.Notes.Any(n => n.Contains("Smoke preset")));
    }

    [TestMethod]
    public void TheSameSeedGivesTheSameNumbers()
    {
        StudyReport first = Smoke();
        StudyReport again = new TransferStudy().Run(new StudyContext(StudyPreset.Smoke, Path.Combine(Path.GetTempPath(), "mtl-transfer-smoke")) { Seed = 3 });
        double[] Accuracies(StudyReport r) => r.Runs.Where(x => (string)x["stage"]! == "test").Select(x => (double)x["accuracy"]!).ToArray();
        CollectionAssert.AreEqual(Accuracies(first), Accuracies(again));
        CollectionAssert.AreEqual(first.Tables[0].Rows.Select(row => (double)row[2]!).ToArray(), again.Tables[0].Rows.Select(row => (double)row[2]!).ToArray());
    }

    [TestMethod]
    public void TheSmokeDeltasFollowFromTheRecordedTestAccuracies()
    {
        StudyReport r = Smoke();
        var tests = r.Runs.Where(x => (string)x["stage"]! == "test").ToArray();
        Assert.AreEqual(2 * 6 * 7, tests.Length, "2 seeds × 6 (model, task) pairs × (clean + 6 conditions)");
        TransferScores ScoresOf(int seed, string model, string task)
        {
            var rows = tests.Where(x => (int)x["seed"]! == seed && (string)x["model"]! == model && (string)x["task"]! == task).ToArray();
            double clean = (double)rows.Single(x => (string)x["corruption"]! == "clean")["accuracy"]!;
            return new TransferScores(clean, rows.Where(x => x["severity"] is not null)
                .ToDictionary(x => new TransferCondition((string)x["corruption"]!, (int)x["severity"]!), x => (double)x["accuracy"]!));
        }
        foreach (IReadOnlyList<object?> row in r.Tables[0].Rows)
        {
            string method = (string)row[0]!, task = (string)row[1]!;
            double[] perSeed = new[] { 3, 4 }.Select(seed => TransferDelta.Of(ScoresOf(seed, method, task), ScoresOf(seed, $"STL {task}", task), true)).ToArray();
            Assert.AreEqual(perSeed.Average(), (double)row[2]!, 1e-12, $"{method} {task}");
        }
        // Fine-tuning changed the heads only; it ran on every model of every seed.
        Assert.AreEqual(8, r.Runs.Count(x => (string)x["stage"]! == "fine-tune"));
    }

    private sealed class StagesBegun : IStudyProgress
    {
        public List<string> Stages { get; } = new();
        public void BeginStage(string description, int units) => Stages.Add(description);
        public void Advance(string detail = "") { }
        public void Info(string message) { }
    }
}
