using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class ParetoAnalysisTests
{
    private static LabelledPoint P(string label, params double[] values) => new(label, values);

    [TestMethod]
    public void CountsDominanceAndKeepsEqualPointsOnTheFront()
    {
        var points = new[] { P("A", 3, 1), P("B", 1, 3), P("C", 2, 2), P("D", 1, 1), P("E", 3, 1), P("F", 0.5, 0.5) };
        ParetoAnalysis pareto = ParetoAnalysis.Of(points, ObjectiveSpace.Maximise("x", "y"));
        CollectionAssert.AreEqual(new[] { "A", "B", "C", "E" }, pareto.Front.Select(p => p.Label).ToArray());
        // D is dominated by A, B, C, E and dominates F; F is dominated by everything else.
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 4, 0, 5 }, pareto.Points.Select(p => p.DominatedBy).ToArray());
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 1, 2, 0 }, pareto.Points.Select(p => p.Dominates).ToArray());
        Assert.IsFalse(ParetoAnalysis.Dominates(pareto.Space, new[] { 3.0, 1 }, new[] { 3.0, 1 }));
    }

    [TestMethod]
    public void MixedDirectionsMaximiseAccuracyAndMinimiseLoss()
    {
        var space = new ObjectiveSpace(new[] { "accuracy", "loss" }, new[] { true, false });
        var points = new[] { P("P", 0.9, 0.5), P("Q", 0.8, 0.3), P("R", 0.8, 0.6) };
        ParetoAnalysis pareto = ParetoAnalysis.Of(points, space);
        CollectionAssert.AreEqual(new[] { "P", "Q" }, pareto.Front.Select(p => p.Label).ToArray());
        Assert.AreEqual(2, pareto.Points[2].DominatedBy);
        Assert.IsTrue(ParetoAnalysis.Dominates(space, new[] { 0.8, 0.3 }, new[] { 0.8, 0.6 }));
        Assert.IsFalse(ParetoAnalysis.Dominates(space, new[] { 0.8, 0.6 }, new[] { 0.8, 0.3 }));
    }

    [TestMethod]
    public void ThreeObjectivesAndASinglePoint()
    {
        var points = new[] { P("a", 1, 2, 3), P("b", 1, 2, 2), P("c", 3, 0, 0) };
        ParetoAnalysis pareto = ParetoAnalysis.Of(points, ObjectiveSpace.Maximise("t0", "t1", "t2"));
        CollectionAssert.AreEqual(new[] { "a", "c" }, pareto.Front.Select(p => p.Label).ToArray());
        Assert.AreEqual(1, ParetoAnalysis.Of(new[] { P("only", 1, 1, 1) }, pareto.Space).Front.Count);
    }

    [TestMethod]
    public void BadPointsAreRejectedByName()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("x", "y");
        var e = Assert.ThrowsExactly<ArgumentException>(() => ParetoAnalysis.Of(new[] { P("ok", 1, 2), P("short", 1) }, space));
        StringAssert.Contains(e.Message, "'short'");
        e = Assert.ThrowsExactly<ArgumentException>(() => ParetoAnalysis.Of(new[] { P("nan", 1, double.NaN) }, space));
        StringAssert.Contains(e.Message, "'y'");
        Assert.ThrowsExactly<ArgumentException>(() => ParetoAnalysis.Of(Array.Empty<LabelledPoint>(), space));
        Assert.ThrowsExactly<ArgumentException>(() => new ObjectiveSpace(new[] { "x" }, new[] { true, false }));
    }
}
