using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;
using Mtl.Trainers.Methods;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public sealed class UnitaryStudyTests
{
    private static UnitaryMethod M(string name) => UnitaryMethod.Find(name);

    private static UnitaryRun Run(string method, int seed, double left, double right, params double[] epochSeconds) =>
        new("multi-mnist", M(method), seed, ["Left", "Right"], [left, right], epochSeconds, 1, false);

    [TestMethod]
    public void RowsPlaceEachMethodAgainstUnitaryIntervalAndTimeRatio()
    {
        // US mean accuracies 0.90, 0.91, 0.92 → mean 0.91, s = 0.01, CI 0.91 ± 4.3027·0.01/√3 = ±0.024841.
        var runs = new List<UnitaryRun>
        {
            Run("ew", 1, 0.90, 0.90, 1, 1), Run("ew", 2, 0.91, 0.91, 1, 1), Run("ew", 3, 0.92, 0.92, 1, 1),
            Run("pcgrad", 1, 0.93, 0.93, 3, 4), Run("pcgrad", 2, 0.93, 0.93, 2, 3), Run("pcgrad", 3, 0.93, 0.93, 3, 3),   // 0.93: within
            Run("mgda", 1, 0.99, 0.93, 2, 2), Run("mgda", 2, 0.97, 0.95, 2, 2), Run("mgda", 3, 0.98, 0.94, 2, 2),        // 0.96: above
            Run("rlw", 1, 0.80, 0.80, 1, 1), Run("rlw", 2, 0.81, 0.81, 1, 1),                                             // 0.805: below
        };
        IReadOnlyList<UnitaryMethod> methods = [M("ew"), M("rlw"), M("pcgrad"), M("mgda"), M("imtl")];
        UnitaryDatasetResult result = UnitaryDatasetResult.Of("multi-mnist", methods, runs);
        CollectionAssert.AreEqual(new[] { "US", "RLW-Normal", "PCGrad", "MGDA" }, result.Rows.Select(r => r.Method.Display).ToArray(), "IMTL has no run");
        UnitaryMethodRow us = result.Unitary;
        Assert.AreEqual(0.91, us.Accuracy.Mean, 1e-12);
        Assert.AreEqual(4.302653 * 0.01 / Math.Sqrt(3), us.Accuracy.HalfWidth, 1e-7);
        Assert.AreEqual(UnitaryPosition.Within, result.Rows[2].Position);
        Assert.AreEqual(UnitaryPosition.Above, result.Rows[3].Position);
        Assert.AreEqual(UnitaryPosition.Below, result.Rows[1].Position);
        // PCGrad's timed epochs (each run's first dropped): 4, 3, 3 → sorted 3, 3, 4: Q1 (h = 0.5) 3, median 3, Q3 (h = 1.5) 3.5.
        Assert.AreEqual(3.0, result.Rows[2].EpochQ1, 1e-12);
        Assert.AreEqual(3.0, result.Rows[2].EpochMedian, 1e-12);
        Assert.AreEqual(3.5, result.Rows[2].EpochQ3, 1e-12);
        Assert.AreEqual(3.0, result.Rows[2].TimeRatio, 1e-12);
        Assert.AreEqual(2.0, result.Rows[3].TimeRatio, 1e-12);
        // MGDA's per-task means 0.98 / 0.94; the ranking by worst task puts PCGrad (0.93 both) under MGDA (0.94).
        Assert.AreEqual(0.98, result.Rows[3].PerTask[0].Mean, 1e-12);
        Assert.AreEqual("MGDA", result.Rankings![RankingAggregation.WorstTask].Order[0]);
        // The paper's own positions on Multi-MNIST: PCGrad .9479 inside US's [.9432, .9520], RLW-Normal .9399 below it.
        Assert.AreEqual(UnitaryPosition.Within, result.Rows[2].PaperPosition);
        Assert.AreEqual(UnitaryPosition.Below, result.Rows[1].PaperPosition);
    }

    [TestMethod]
    public void VerdictsCompareOurPositionsWithThePapersAndTheTimeRatios()
    {
        // US CI 0.91 ± 0.0248; IMTL 0.93 within (paper: within) → reproduced; RLW-Normal 0.93 within (paper: below) → not;
        // PCGrad 0.95 above → the headline "no method better than US" fails. PCGrad epochs take 3 s, IMTL 0.5 s, US 1 s.
        var runs = new List<UnitaryRun>
        {
            Run("ew", 1, 0.90, 0.90, 1, 1), Run("ew", 2, 0.91, 0.91, 1, 1), Run("ew", 3, 0.92, 0.92, 1, 1),
            Run("imtl", 1, 0.93, 0.93, 0.5), Run("imtl", 2, 0.93, 0.93, 0.5),
            Run("rlw", 1, 0.93, 0.93, 1), Run("rlw", 2, 0.93, 0.93, 1),
            Run("pcgrad", 1, 0.95, 0.95, 3), Run("pcgrad", 2, 0.95, 0.95, 3),
        };
        UnitaryProtocol protocol = UnitaryProtocol.For(new StudyContext(StudyPreset.Quick, Path.GetTempPath()) { Methods = ["imtl", "rlw", "pcgrad"], Dataset = "multi-mnist" });
        UnitaryDatasetResult result = UnitaryDatasetResult.Of("multi-mnist", protocol.Methods, runs);
        StudyReport report = UnitaryReportBuilder.Build(protocol, [result], runs, ["multi-mnist MGDA seed 1: Diverged"]);
        Verdict headline = report.Verdicts[0];
        Assert.IsFalse(headline.Reproduced, headline.Evidence);
        Verdict imtl = report.Verdicts.Single(v => v.Claim.Contains("IMTL lies"));
        Assert.IsTrue(imtl.Reproduced);
        StringAssert.Contains(imtl.Claim, "within");
        Verdict rlw = report.Verdicts.Single(v => v.Claim.Contains("RLW-Normal lies"));
        StringAssert.Contains(rlw.Claim, "below", "the paper's RLW-Normal .9399 lies below its US interval [.9432, .9520]");
        Assert.IsFalse(rlw.Reproduced);
        Verdict time = report.Verdicts[^1];
        Assert.IsFalse(time.Reproduced, "IMTL is faster than US here");
        StringAssert.Contains(time.Evidence, "PCGrad ×3.00 (paper, CelebA: ×35.37)");
        Assert.AreEqual(9, report.Runs.Count);
        Assert.IsTrue(report.Notes.Any(n => n.Contains("MGDA seed 1: Diverged")));
        Assert.AreEqual("0.9100 ± 0.0248", report.Tables[0].Rows[0][1]);
        Assert.AreEqual("0.9476 ± 0.0044", report.Tables[0].Rows[0][2]);
        PlotSpec accuracy = report.Plots[0];
        Assert.AreEqual(5, accuracy.Series.Count, "four methods and the paper");
        CollectionAssert.AreEqual(new[] { 0.95, 0.95, 0.95 }, accuracy.Series[3].Y.ToArray(), "PCGrad's seeds agree: a zero-width bar");
        Assert.AreEqual(2, accuracy.HorizontalLines.Count);
    }

    [TestMethod]
    public void NoUnitaryRunIsAClearError()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => UnitaryDatasetResult.Of("multi-mnist", UnitaryMethod.All, [Run("pcgrad", 1, 0.9, 0.9, 1)]));
        StringAssert.Contains(e.Message, "No US run");
    }

    [TestMethod]
    public void PresetOverridesKeepUnitaryFirstAndRejectUnknownNames()
    {
        UnitaryProtocol quick = UnitaryProtocol.For(new StudyContext(StudyPreset.Quick, Path.GetTempPath()) { Seed = 5 });
        Assert.AreEqual(7, quick.Methods.Count);
        CollectionAssert.AreEqual(new[] { 5, 6, 7 }, quick.Seeds.ToArray());
        Assert.AreEqual(2 * 7 * 3, quick.Configs().Count);
        Assert.IsTrue(quick.Configs().All(c => c.LearningRate == 1e-2 && c.ScheduleGamma == 0.95 && c.BatchSize == 256));
        UnitaryProtocol some = UnitaryProtocol.For(new StudyContext(StudyPreset.Quick, Path.GetTempPath())
        { Methods = ["PCGrad", "imtl"], Seeds = 2, Dataset = "multi-fashion" });
        CollectionAssert.AreEqual(new[] { "ew", "pcgrad", "imtl" }, some.Methods.Select(m => m.Registry).ToArray());
        CollectionAssert.AreEqual(new[] { "multi-fashion" }, some.Datasets.ToArray());
        Assert.AreEqual(2, some.Seeds.Count);
        Assert.AreEqual(GradientMode.Representation, quick.Configs().First(c => c.Method == "graddrop").GradientMode, "GradDrop has no Parameters mode");
        Assert.IsTrue(quick.Configs().Where(c => c.Method != "graddrop").All(c => c.GradientMode == GradientMode.Parameters));
        UnitaryProtocol paper = UnitaryProtocol.For(new StudyContext(StudyPreset.Paper, Path.GetTempPath()));
        Assert.AreEqual(100, paper.Epochs);
        Assert.AreEqual(10, paper.Seeds.Count);
        var e = Assert.ThrowsExactly<ArgumentException>(() => UnitaryProtocol.For(new StudyContext(StudyPreset.Smoke, Path.GetTempPath()) { Methods = ["cagrad"] }));
        StringAssert.Contains(e.Message, "cagrad");
        Assert.ThrowsExactly<ArgumentException>(() => UnitaryProtocol.For(new StudyContext(StudyPreset.Smoke, Path.GetTempPath()) { Dataset = "cifar" }));
        Assert.ThrowsExactly<ArgumentException>(() => UnitaryProtocol.For(new StudyContext(StudyPreset.Smoke, Path.GetTempPath()) { Seeds = 0 }));
    }

    [TestMethod]
    public void SmokePresetRunsInSecondsFillsTheReportAndRepeatsWithTheSameSeed()
    {
        string folder = Path.Combine(Path.GetTempPath(), "unitary-smoke-" + Guid.NewGuid().ToString("N"));
        string again = folder + "-again";
        try
        {
            // "Seconds" by its size, not by a clock that a busy machine stretches: 96 training rows, 2 epochs per run.
            UnitaryProtocol protocol = UnitaryProtocol.For(new StudyContext(StudyPreset.Smoke, folder));
            Assert.IsTrue(protocol.TrainRows <= 96 && protocol.ValidationRows <= 64 && protocol.TestRows <= 64 && protocol.Epochs <= 2);
            StudyReport report = StudyCatalog.Find("unitary").Run(new StudyContext(StudyPreset.Smoke, folder) { Seed = 3, Command = "mtl study unitary --preset smoke" });
            Assert.AreEqual("unitary", report.Study);
            Assert.AreEqual("smoke", report.Preset);
            Assert.AreEqual(2 * 2 * 2, report.Runs.Count, "2 datasets × 2 methods × 2 seeds");
            Assert.AreEqual(6, report.Tables.Count, "Kurin table, per-task table and ranking table per dataset");
            Assert.AreEqual(2, report.Tables[0].Rows.Count, "US and PCGrad");
            Assert.AreEqual("US", report.Tables[0].Rows[0][0]);
            StringAssert.Contains((string)report.Tables[0].Rows[1][2]!, "0.9479", "the paper's PCGrad number sits beside ours on Multi-MNIST");
            Assert.AreEqual("—", report.Tables[3].Rows[1][2], "no paper numbers on Multi-Fashion");
            Assert.AreEqual(4, report.Plots.Count);
            Assert.IsTrue(report.Plots.All(p => p.Series.Count >= 2));
            // Per dataset: the headline, one per specialised method, the epoch-time claim.
            Assert.AreEqual(2 * 3, report.Verdicts.Count);
            Assert.IsTrue(report.Verdicts.Take(2).All(v => v.Reproduced is not null), "two seeds give US an interval");
            StringAssert.Contains(report.Protocol, "10,000 MNIST digits");
            foreach (IReadOnlyDictionary<string, object?> run in report.Runs)
            {
                double accuracy = (double)run["mean_test_accuracy"]!;
                Assert.IsTrue(accuracy >= 0 && accuracy <= 1, $"accuracy {accuracy}");
                Assert.AreEqual(2, (int)run["epochs_trained"]!);
            }

            StudyReport repeat = StudyCatalog.Find("unitary").Run(new StudyContext(StudyPreset.Smoke, again) { Seed = 3 });
            CollectionAssert.AreEqual(report.Runs.Select(r => r["mean_test_accuracy"]).ToArray(), repeat.Runs.Select(r => r["mean_test_accuracy"]).ToArray(),
                "same seed, same accuracies");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, true);
            if (Directory.Exists(again)) Directory.Delete(again, true);
        }
    }
}
