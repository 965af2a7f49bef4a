using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public sealed class GapStudyTests
{
    [TestMethod]
    public void FrontierKeepsNewTrainingLossMinimaOnly()
    {
        var f = GapCurves.Frontier(new[] { 2.0, 1.5, 1.7, 1.0, double.NaN, 0.5 }, new[] { 2.1, 1.6, 9.0, 1.2, 0.1, 0.9 });
        CollectionAssert.AreEqual(new[] { 2.0, 1.5, 1.0, 0.5 }, f.Select(p => p.Train).ToArray());
        CollectionAssert.AreEqual(new[] { 2.1, 1.6, 1.2, 0.9 }, f.Select(p => p.Validation).ToArray());
        Assert.ThrowsExactly<ArgumentException>(() => GapCurves.Frontier(new[] { 1.0 }, new[] { 1.0, 2.0 }));
    }

    [TestMethod]
    public void InterpolatesLinearlyInsideTheRangeAndNanOutside()
    {
        var f = new[] { (2.0, 3.0), (1.0, 1.0) };
        Assert.AreEqual(2.0, GapCurves.ValidationAt(f, 1.5), 1e-15);
        Assert.AreEqual(1.5, GapCurves.ValidationAt(f, 1.25), 1e-15);
        Assert.AreEqual(3.0, GapCurves.ValidationAt(f, 2.0));
        Assert.IsTrue(double.IsNaN(GapCurves.ValidationAt(f, 2.5)));
        Assert.IsTrue(double.IsNaN(GapCurves.ValidationAt(f, 0.5)));
    }

    [TestMethod]
    public void CommonLevelsAreLogSpacedInsideEveryRange()
    {
        var a = new[] { (8.0, 0.0), (1.0, 0.0) };
        var b = new[] { (4.0, 0.0), (0.5, 0.0) };
        double[] levels = GapCurves.CommonLevels(new[] { a, b }, 3);
        Assert.AreEqual(3, levels.Length);
        Assert.AreEqual(4.0, levels[0]);
        Assert.AreEqual(2.0, levels[1], 1e-12);
        Assert.AreEqual(1.0, levels[2]);
        Assert.AreEqual(0, GapCurves.CommonLevels(new[] { a, new[] { (0.9, 0.0), (0.1, 0.0) } }, 3).Length, "disjoint ranges: no level");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GapCurves.CommonLevels(new[] { a }, 1));
    }

    [TestMethod]
    public void SmokePresetFillsTheReport()
    {
        StudyReport report = StudyCatalog.Find("gap").Run(new StudyContext(StudyPreset.Smoke, Path.GetTempPath()) { Seed = 1 });
        Assert.AreEqual(3, report.Tables.Count, "a gap table per task and the correlation table");
        Assert.AreEqual(5, report.Tables[2].Rows.Count, "five factors");
        Assert.IsTrue(report.Plots.Count(p => p.Name.StartsWith("val-vs-train-")) == 2);
        Assert.AreEqual(5, report.Plots.Count(p => p.Name.StartsWith("factor-")));
        Assert.IsTrue(report.Plots.Where(p => p.Name.StartsWith("val-vs-train-")).All(p => p.Series.Count == 2 && p.Series.All(s => s.X.Length == 5)),
            "8 steps per epoch, 2 epochs: checkpoints at steps 0, 4, 8, 12, 16 (epoch ends coincide with step checkpoints)");
        Assert.AreEqual(5, report.Verdicts.Count);
        Assert.IsTrue(report.Verdicts.Take(4).All(v => v.Reproduced is null), "one seed cannot decide the gap");
        // 3 runs × 5 checkpoints, rows per task: STL 1 + STL 1 + MTL 2.
        Assert.AreEqual(5 * 4, report.Runs.Count);
        Assert.IsTrue(report.Runs.All(r => r["train_loss"] is double d && double.IsFinite(d)));
        // Same seed → same trunk and first-head initialisation: STL-Left and MTL start from the same Left losses.
        double Start(string run, string task) => (double)report.Runs.Single(r => (string)r["run"]! == run && (string)r["task"]! == task && (long)r["step"]! == 0)["val_loss"]!;
        Assert.AreEqual(Start("STL-Left", "Left"), Start("MTL", "Left"), 1e-6);
        StringAssert.Contains(report.PaperFinding, "2408.14677");
    }

    [TestMethod]
    public void SettingsItCannotUseAreRefusedByName()
    {
        IStudy study = new GapStudy();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Methods = new[] { "mgda" } })).Message, "--methods");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Seeds = 0 })).Message, "--seeds");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Dataset = "cifar" })).Message, "--dataset");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GapSettings.For((StudyPreset)99)).Message, "Unknown preset");
    }
}
