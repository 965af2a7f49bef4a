using Microsoft.ML;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Statistics;
using Mtl.Analysis.Studies;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Network;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public class ConflictsStudyTests
{
    private static StudyReport? smoke;
    private static readonly List<string> Progress = new();

    private sealed class RecordingProgress : IStudyProgress
    {
        public void BeginStage(string description, int units) => Progress.Add($"stage {description} ({units})");
        public void Advance(string detail = "") => Progress.Add("advance " + detail);
        public void Info(string message) => Progress.Add("info " + message);
    }

    private static StudyReport Smoke()
    {
        if (smoke is not null) return smoke;
        string folder = Path.Combine(Path.GetTempPath(), $"conflicts-smoke-{Environment.ProcessId}");
        smoke = StudyCatalog.Find("conflicts").Run(new StudyContext(StudyPreset.Smoke, folder, new RecordingProgress()) { Command = "mtl study conflicts --preset smoke" });
        return smoke;
    }

    private static ConflictsComparison CosineComparison(double[] interTask, double[] interSample) =>
        new(SimilarityMetric.Cosine, DistributionSummary.Of(interTask), DistributionSummary.Of(interSample),
            MannWhitney.Test(interTask, interSample), KolmogorovSmirnov.Test(interTask, interSample));

    [TestMethod]
    public void DirectionIsAlikeOnlyWhenLocationAndShapeAgree()
    {
        // Symmetric around 0: the same location (rank-biserial ≈ 0) whatever the spread.
        double[] narrow = Enumerable.Range(0, 200).Select(i => (i - 99.5) / 1000).ToArray();     // ±0.1
        double[] wide = Enumerable.Range(0, 200).Select(i => (i - 99.5) / 400).ToArray();        // ±0.25
        double[] sameAsNarrow = narrow.Select(v => v + 1e-4).ToArray();
        ConflictsComparison spreadDiffers = CosineComparison(narrow, wide);
        Assert.IsTrue(Math.Abs(spreadDiffers.MannWhitney!.RankBiserial) < ConflictsAnalysis.AlikeEffectSize, "the locations agree");
        Assert.IsTrue(spreadDiffers.KolmogorovSmirnov!.D > ConflictsAnalysis.AlikeDistributionDistance, "the shapes do not");
        Assert.AreEqual(false, ConflictsAnalysis.DirectionAlike(spreadDiffers));
        Assert.AreEqual(true, ConflictsAnalysis.DirectionAlike(CosineComparison(narrow, sameAsNarrow)));
    }

    [TestMethod]
    public void SmokePresetRunsInSecondsAndFillsTablesPlotsVerdictsAndRunRows()
    {
        StudyReport report = Smoke();
        // Seconds by construction (a clock would fail on a busy machine): 640 rows, 2 epochs, one seed.
        ConflictsStudy.Protocol smokeSize = ConflictsStudy.For(StudyPreset.Smoke);
        Assert.IsTrue(smokeSize.Rows <= 640 && smokeSize.Epochs <= 2 && smokeSize.Seeds == 1, $"the smoke preset grew: {smokeSize}");
        Assert.AreEqual("conflicts", report.Study);
        Assert.AreEqual("smoke", report.Preset);
        StringAssert.Contains(report.PaperFinding, "magnitude");
        StringAssert.Contains(report.PaperPresetExpectedTime, "minutes");

        // Per-epoch table: 2 epochs × (1 inter-task group + 2 inter-sample groups).
        ReportTable epochs = report.Tables[0];
        Assert.AreEqual(6, epochs.Rows.Count);
        Assert.IsTrue(epochs.Rows.All(r => r.Count == epochs.Columns.Count));
        StringAssert.Contains((string)epochs.Rows[0][6]!, " ± ");
        // Comparison table: 3 metrics pooled + 3 per epoch × 2 epochs.
        ReportTable comparison = report.Tables[1];
        Assert.AreEqual(9, comparison.Rows.Count);
        Assert.IsTrue(comparison.Rows.All(r => r[8] is double p && p >= 0 && p <= 1), "every comparison has a p-value");
        ReportTable correlation = report.Tables[2];
        Assert.AreEqual(2, correlation.Rows.Count);
        Assert.AreEqual(1, correlation.Rows[0][2], "2 epochs give one decrease point per task");

        Assert.AreEqual(3, report.Verdicts.Count);
        Assert.IsTrue(report.Verdicts.All(v => v.Criterion.Length > 20 && v.Evidence.Length > 10));
        // 2 measurements × 8 inter-task pairs × 2 epochs = 32 ≥ 20, so (a) and (b) are decided; one point per task leaves (c) undecided.
        Assert.IsNotNull(report.Verdicts[0].Reproduced);
        Assert.IsNotNull(report.Verdicts[1].Reproduced);
        Assert.IsNull(report.Verdicts[2].Reproduced);
        StringAssert.Contains(report.Verdicts[0].Evidence, "n = 32");
        StringAssert.Contains(report.Protocol, "first n = 8 rows", "the report states the rows per measurement");

        CollectionAssert.AreEqual(new[] { "cosine-over-epochs", "magnitude-over-epochs", "conflict-ratio-over-epochs", "conflict-vs-loss-decrease" },
            report.Plots.Select(p => p.Name).ToArray());
        PlotSeries cosineInterTask = report.Plots[0].Series[0];
        Assert.AreEqual(2, cosineInterTask.X.Length);
        Assert.IsTrue(cosineInterTask.Y.Zip(cosineInterTask.Low!, (y, lo) => lo <= y).All(b => b) && cosineInterTask.Y.Zip(cosineInterTask.High!, (y, hi) => y <= hi).All(b => b));

        // One run row per (method, seed, epoch, kind, group, metric).
        Assert.AreEqual(2 * 3 * 3, report.Runs.Count);
        Assert.IsTrue(report.Runs.All(r => r.ContainsKey("train_loss_Left") && r["measurements"] is 2));
        Assert.IsTrue(Progress.Count(p => p.StartsWith("advance epoch")) == 2 && Progress.Any(p => p.StartsWith("stage ew, seed 1 (2)")), string.Join("\n", Progress));
    }

    [TestMethod]
    public void SmokeReportIsWrittenWithItsVerdictsPlotsAndRunRows()
    {
        StudyReport report = Smoke();
        string folder = Path.Combine(Path.GetTempPath(), $"conflicts-report-{Environment.ProcessId}");
        try
        {
            ReportFolder written = ReportWriter.Write(report, folder);
            string markdown = File.ReadAllText(written.Markdown);
            StringAssert.Contains(markdown, "Magnitude similarity (S_mag) is lower between tasks");
            StringAssert.Contains(markdown, "rank-biserial");
            Assert.AreEqual(4, written.PngPlots.Count);
            Assert.IsTrue(written.PngPlots.Concat(written.SvgPlots).All(File.Exists));
            Assert.AreEqual(1 + report.Runs.Count, File.ReadAllLines(written.RunsCsv).Length, "header + one line per run row");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void SmokeNumbersAreThoseOfTheTwoSampleTestsOnTheRawValues()
    {
        StudyReport report = Smoke();
        // The pooled S_mag row (row 1) and the verdict's evidence come from the same Mann–Whitney test: its U and p are in both.
        IReadOnlyList<object?> magnitude = report.Tables[1].Rows[1];
        Assert.AreEqual("S_mag", magnitude[2]);
        StringAssert.Contains(report.Verdicts[1].Evidence, $"U = {(double)magnitude[7]!:F1}");
        Assert.AreEqual(32, magnitude[3]);
        Assert.AreEqual(2 * 2 * 2 * 28, magnitude[4]);
    }

    [TestMethod]
    public void AnalysisHelpersAgreeWithTheMonitorsRawValues()
    {
        var ml = new MLContext(1);
        var set = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options { RowCount = 300, FeatureCount = 5 });
        var monitor = new GradientConflictMonitor(interval: 2, samples: 3);
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = set.TaskNames.Select(n => new TaskDefinition(n, kind: TaskKind.Regression)).ToList(),
            Trunk = TrunkSpec.Mlp(6),
            BatchSize = 30,
            MaxEpoch = 4,
            Seed = 2,
        };
        using (ml.MultiTask().Trainers.MultiHead(options).Fit(set.AsDataView(), new TrainingHooks { Monitors = [monitor] })) { }
        ConflictEpoch second = monitor.Epochs[1];
        double[] cosines = second.Values(PairKind.InterTask, SimilarityMetric.Cosine);
        Assert.AreEqual(cosines.Count(c => c < 0) / (double)cosines.Length, ConflictsAnalysis.ConflictFraction(second), 1e-15);

        ConflictsComparison c = ConflictsAnalysis.Compare(monitor.Epochs.ToArray(), SimilarityMetric.Magnitude);
        MannWhitneyResult direct = MannWhitney.Test(monitor.Epochs.SelectMany(e => e.Values(PairKind.InterTask, SimilarityMetric.Magnitude)),
            monitor.Epochs.SelectMany(e => e.Values(PairKind.InterSample, SimilarityMetric.Magnitude)));
        Assert.AreEqual(direct, c.MannWhitney);
        Assert.AreEqual(4 * 5 * 3, c.InterTask.Count, "4 epochs × 5 measurements × 3 pairs");

        var run = new ConflictsRun("ew", 2, monitor.TaskNames, monitor.Epochs, 0);
        IReadOnlyList<ConflictsLossPoint> points = ConflictsAnalysis.ConflictVsLossDecrease(new[] { run }, "Task1");
        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, points.Select(p => p.Epoch).ToArray());
        Assert.AreEqual(monitor.Epochs[0].TrainLosses["Task1"] - monitor.Epochs[1].TrainLosses["Task1"], points[0].LossDecrease);
        Assert.AreEqual(ConflictsAnalysis.ConflictFraction(monitor.Epochs[3]), points[2].Conflict);
        Assert.IsTrue(double.IsNaN(ConflictsAnalysis.Spearman(points)), "3 points are below the minimum of 4");
        Assert.IsNull(ConflictsAnalysis.DirectionAlike(ConflictsAnalysis.Compare(new[] { second }, SimilarityMetric.Cosine)), "15 inter-task values (5 measurements × 3) cannot decide");
    }

    [TestMethod]
    public void UnknownMethodDatasetOrSeedCountIsRejectedBeforeTraining()
    {
        IStudy study = new ConflictsStudy();
        var e = Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Methods = new[] { "nosuch" } }));
        StringAssert.Contains(e.Message, "--method 'nosuch': Unknown MTL method 'nosuch'. Accepted methods: ");
        e = Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Dataset = "cifar" }));
        StringAssert.Contains(e.Message, "Unknown dataset 'cifar'");
        e = Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Seeds = 0 }));
        StringAssert.Contains(e.Message, "--seeds");
        Assert.AreEqual(new ConflictsStudy.Protocol(null, 100, 3, 256, 8), ConflictsStudy.For(StudyPreset.Paper));
        Assert.AreEqual(32, ConflictsStudy.For(StudyPreset.Quick).Samples, "the quick preset spends the per-layer engine's headroom on n");
    }
}
