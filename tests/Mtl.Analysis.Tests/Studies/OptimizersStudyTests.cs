using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public sealed class OptimizersStudyTests
{
    [TestMethod]
    public void TheSmokePresetRunsTheGridAndReportsVerdictsTablesAndPlots()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-optimizers-{Guid.NewGuid():N}");
        IStudy study = StudyCatalog.Find("optimizers");
        StudyReport report = study.Run(new StudyContext(StudyPreset.Smoke, folder) { Command = "mtl study optimizers --preset smoke" });

        // 2 methods × 4 optimizers × 1 learning rate × 1 seed (PCGrad here is a Gramian weighting, so per-task Adam applies).
        Assert.AreEqual(8, report.Runs.Count);
        Assert.IsTrue(report.Runs.All(r => (string)r["status"]! == nameof(RunStatus.Finished)));
        Assert.AreEqual(4, report.Runs.Select(r => r["optimizer"]).Distinct().Count());
        CollectionAssert.AreEqual(new[] { "Adam runs dominate the Pareto-optimal runs", "EW + Adam is Pareto-optimal", "Method rankings change with the optimizer" },
            report.Verdicts.Select(v => v.Claim).ToArray());
        // With one learning rate and seed every verdict is decidable; the evidence carries numbers.
        Assert.IsTrue(report.Verdicts.All(v => v.Reproduced is not null && v.Evidence.Any(char.IsDigit)), string.Join("\n", report.Verdicts));
        ReportTable perOptimizer = report.Tables.Single(t => t.Title.StartsWith("Pareto-optimal runs per optimizer"));
        Assert.AreEqual(4, perOptimizer.Rows.Count);
        Assert.AreEqual(8, perOptimizer.Rows.Sum(r => (int)r[1]!), "finished runs add up");
        Assert.IsTrue(perOptimizer.Rows.Sum(r => (int)r[2]!) >= 1, "a front has at least one run");
        ReportTable best = report.Tables.Single(t => t.Title.StartsWith("Best learning rate"));
        Assert.AreEqual(8, best.Rows.Count);
        CollectionAssert.AreEqual(new[] { "optimizers-runs", "optimizers-best" }, report.Plots.Select(p => p.Name).ToArray());
        Assert.IsTrue(report.Plots[0].Series.Any(s => s.Label == "Pareto front" && s.Style == SeriesStyle.Line));
        Assert.IsTrue(File.Exists(Path.Combine(folder, "sweep", SweepRunner.ResultsFileName)));

        // A second run finds every run recorded and rebuilds the same report without training.
        StudyReport again = study.Run(new StudyContext(StudyPreset.Smoke, folder));
        CollectionAssert.AreEqual(report.Verdicts.Select(v => v.Evidence).ToArray(), again.Verdicts.Select(v => v.Evidence).ToArray());
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void TheQuickPresetIsThePapersGridCutDown()
    {
        OptimizersProtocol quick = OptimizersProtocol.For(new StudyContext(StudyPreset.Quick, "unused"));
        CollectionAssert.AreEqual(OptimizersProtocol.PaperMethods.ToArray(), quick.Methods.ToArray());
        Assert.AreEqual(4, quick.Optimizers.Count);
        Assert.AreEqual(3, quick.LearningRates.Count);
        Assert.AreEqual(7 * 4 * 3, quick.Configs().Count);
        OptimizersProtocol paper = OptimizersProtocol.For(new StudyContext(StudyPreset.Paper, "unused") { Seeds = 2, Methods = ["ew"], Dataset = "multi-mnist" });
        Assert.AreEqual(1 * 4 * 10 * 2, paper.Configs().Count);
        Assert.IsTrue(paper.Configs().All(c => c.Dataset == "multi-mnist"));
    }
}
