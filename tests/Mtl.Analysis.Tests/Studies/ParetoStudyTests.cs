using Mtl.Analysis.Comparison;
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
        CollectionAssert.AreEquivalent(new object?[] { "fixed(0.4,1.6)", "fixed(1.6,0.4)", "uw", "pcgrad" }, report.Runs.Select(r => r["method"]).Distinct().ToArray());
        Verdict front = report.Verdicts.Single(v => v.Claim == "MTO points lie on or inside the scalarization front");
        Assert.IsNotNull(front.Reproduced, front.Evidence);
        StringAssert.Contains(front.Evidence, "of 2 MTO configurations");
        ReportTable placements = report.Tables.Single(t => t.Title.StartsWith("MTO configurations against the scalarization front"));
        Assert.AreEqual(2, placements.Rows.Count);
        Assert.IsTrue(placements.Rows.All(r => r[^1] is "On" or "Inside" or "Beyond"));
        // One epoch: the weights cannot move, so the claim is left undecided rather than trivially true.
        Verdict weights = report.Verdicts.Single(v => v.Claim == "Learned weights barely move");
        Assert.IsNull(weights.Reproduced);
        PlotSpec plane = report.Plots.Single(p => p.Name == "pareto-front");
        PlotSeries staircase = plane.Series.Single(s => s.Label == "scalarization front");
        Assert.AreEqual(SeriesStyle.Line, staircase.Style);
        Assert.IsTrue(staircase.X.Length % 2 == 1, "k front points and k − 1 corners");

        // The same classification in training loss, and the hypervolumes.
        Verdict loss = report.Verdicts.Single(v => v.Claim == "In training loss too, MTO points lie on or inside the scalarization front");
        StringAssert.Contains(loss.Evidence, "of 2 MTO configurations");
        Assert.IsTrue(report.Plots.Any(p => p.Name == "pareto-front-training-loss"));
        ReportTable volumes = report.Tables.Single(t => t.Title.StartsWith("Hypervolume"));
        double frontVolume = (double)volumes.Rows[0][1]!, withAll = (double)volumes.Rows[1][1]!;
        Assert.IsTrue(frontVolume > 0 && withAll >= frontVolume, $"adding points cannot shrink the hypervolume ({frontVolume} → {withAll})");
        Assert.IsTrue(plane.Series.Any(s => s.Label == "uw" && s.X.Length == 1));
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void TheFrontStaircaseBoundsWhatItsPointsDominate()
    {
        LabelledPoint[] front = [new("b", [0.6, 0.2]), new("a", [0.2, 0.5])];
        PlotSeries metrics = ParetoPlot.Front("front", front);
        // Maximised: from (0.2, 0.5) down to (0.2, 0.2), then right to (0.6, 0.2); (0.4, 0.4) is above the line and dominated by neither point.
        CollectionAssert.AreEqual(new[] { 0.2, 0.2, 0.6 }, metrics.X);
        CollectionAssert.AreEqual(new[] { 0.5, 0.2, 0.2 }, metrics.Y);
        PlotSeries losses = ParetoPlot.Front("front", front, higherIsBetter: false);
        // Minimised: right to (0.6, 0.5), then down to (0.6, 0.2).
        CollectionAssert.AreEqual(new[] { 0.2, 0.6, 0.6 }, losses.X);
        CollectionAssert.AreEqual(new[] { 0.5, 0.5, 0.2 }, losses.Y);
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
