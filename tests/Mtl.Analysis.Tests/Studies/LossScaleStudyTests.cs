using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public sealed class LossScaleStudyTests
{
    [TestMethod]
    public void SmokePresetReproducesTheStepOneClaims()
    {
        StudyReport report = StudyCatalog.Find("loss-scale").Run(new StudyContext(StudyPreset.Smoke, Path.GetTempPath()) { Seed = 2 });
        Assert.AreEqual("loss-scale", report.Study);
        Assert.AreEqual(12, report.Runs.Count);
        Assert.AreEqual(2, report.Tables.Count);
        Assert.AreEqual(18, report.Tables[0].Rows.Count, "2 setups × 3 optimizers × 3 groups");
        Assert.AreEqual(6, report.Plots.Count);
        Assert.IsTrue(report.Plots.All(p => p.LogY && p.Series.Count == 3 && p.HorizontalLines.Count == 3));
        Assert.AreEqual(8, report.Verdicts.Count);
        foreach (Verdict v in report.Verdicts) Console.WriteLine($"{v.Reproduced}: {v.Claim}: {v.Evidence}");
        string[] failed = report.Verdicts.Where(v => v.Reproduced != true).Select(v => $"{v.Claim}: {v.Evidence}").ToArray();
        Assert.AreEqual(0, failed.Length, string.Join("\n", report.Verdicts.Select(v => $"{v.Reproduced}: {v.Claim}: {v.Evidence}")));
        StringAssert.Contains(report.PaperFinding, "2311.04698");
        Assert.IsTrue(report.Notes.Any(n => n.Contains("different trajectories")));
    }

    [TestMethod]
    public void ComparisonMathMatchesHandComputedCases()
    {
        Assert.AreEqual(Math.Sqrt(2) / Math.Sqrt(5), LossScaleComparison.RelativeDifference(new double[] { 2, 1 }, new double[] { 1, 2 }), 1e-15);
        Assert.AreEqual(0.0, LossScaleComparison.RelativeDifference(new double[] { 3, 4 }, new double[] { 3, 4 }));
        Assert.IsTrue(double.IsNaN(LossScaleComparison.RelativeDifference(null, new double[] { 1 })));
        Assert.IsTrue(double.IsNaN(LossScaleComparison.RelativeDifference(new double[] { 1 }, new double[] { 0 })));
        Assert.ThrowsExactly<ArgumentException>(() => LossScaleComparison.RelativeDifference(new double[] { 1 }, new double[] { 1, 2 }));
        double[] r = LossScaleComparison.Ratios(new double[] { 10, 1, 3 }, new double[] { 1, 0, 6 });
        Assert.AreEqual(10, r[0]);
        Assert.IsTrue(double.IsNaN(r[1]));
        Assert.AreEqual(0.5, r[2]);
    }

    [TestMethod]
    public void SettingsItCannotUseAreRefusedByName()
    {
        IStudy study = new LossScaleStudy();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Methods = new[] { "pcgrad" } })).Message, "--methods");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Seeds = 3 })).Message, "--seeds");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(new StudyContext(StudyPreset.Smoke, "out") { Dataset = "cifar" })).Message, "multi-fashion");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LossScaleSettings.For((StudyPreset)99)).Message, "Unknown preset");
    }
}
