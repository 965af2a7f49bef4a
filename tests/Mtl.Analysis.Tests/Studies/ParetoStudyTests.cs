using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public sealed class ParetoStudyTests
{
    [TestMethod]
    public void TheSmokePresetClassifiesMtoPointsAgainstTheFrontAndTracksWeights()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-pareto-{Guid.NewGuid():N}");
        StudyReport report = StudyCatalog.Find("pareto").Run(new StudyContext(StudyPreset.Smoke, folder) { Command = "mtl study pareto --preset smoke" });

        // (2 weights + 2 methods) × 1 learning rate × 1 dropout × 2 seeds.
        Assert.AreEqual(8, report.Runs.Count);
        CollectionAssert.AreEquivalent(new object?[] { "fixed:0.4,1.6", "fixed:1.6,0.4", "uw", "pcgrad" }, report.Runs.Select(r => r["method"]).Distinct().ToArray());
        Verdict front = report.Verdicts.Single(v => v.Claim == "MTO points lie on or inside the scalarization front");
        Assert.IsNotNull(front.Reproduced, front.Evidence);
        StringAssert.Contains(front.Evidence, "of 2 MTO configurations");
        ReportTable placements = report.Tables.Single(t => t.Title.StartsWith("MTO configurations"));
        Assert.AreEqual(2, placements.Rows.Count);
        Assert.IsTrue(placements.Rows.All(r => r[^1] is "On" or "Inside" or "Beyond"));
        // One epoch: the weights cannot move, so the claim is left undecided rather than trivially true.
        Verdict weights = report.Verdicts.Single(v => v.Claim == "Learned weights barely move");
        Assert.IsNull(weights.Reproduced);
        PlotSpec plane = report.Plots.Single(p => p.Name == "pareto-front");
        Assert.AreEqual(SeriesStyle.Step, plane.Series.Single(s => s.Label == "scalarization front").Style);
        Assert.IsTrue(plane.Series.Any(s => s.Label == "uw" && s.X.Length == 1));
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void FixedWeightsSumToTheTaskCountAndEveryMethodSharesTheGrid()
    {
        ParetoProtocol quick = ParetoProtocol.For(new StudyContext(StudyPreset.Quick, "unused"));
        var fixedRuns = quick.Configs().Where(c => c.Method == "fixed").ToArray();
        // (w, 1 − w) on the scale of EW: w = 0.5 is exactly EW's (1, 1).
        Assert.IsTrue(fixedRuns.All(c => Math.Abs(c.Weights!.Sum() - 2) < 1e-12));
        CollectionAssert.AreEqual(new[] { 1.0, 1.0 }, ParetoProtocol.FixedWeights(0.5));
        CollectionAssert.AreEqual(new[] { 0.6, 1.4 }, ParetoProtocol.FixedWeights(0.3));
        Assert.AreEqual(quick.Weights.Count * quick.LearningRates.Count * quick.Dropouts.Count * quick.Seeds.Count, fixedRuns.Length);
        foreach (string method in quick.Methods)
            CollectionAssert.AreEquivalent(
                fixedRuns.Where(c => c.Weights![0] == ParetoProtocol.FixedWeights(quick.Weights[0])[0]).Select(c => (c.LearningRate, c.Dropout, c.Seed)).ToArray(),
                quick.Configs().Where(c => c.Method == method).Select(c => (c.LearningRate, c.Dropout, c.Seed)).ToArray());
        Assert.AreEqual(9, ParetoProtocol.For(new StudyContext(StudyPreset.Paper, "unused")).Weights.Count);
    }
}
