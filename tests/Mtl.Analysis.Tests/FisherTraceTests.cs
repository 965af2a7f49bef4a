using Mtl.Analysis.Gradients;
using Mtl.Analysis.Tests.Support;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class FisherTraceTests
{
    [TestMethod]
    public void LinearRegressionFisherTraceEqualsTheMeanSquaredClosedFormPerSampleGradientNorm()
    {
        var data = new TestData(rows: 9, features: 4, tasks: 2, seed: 21);
        using var objective = new LinearObjective(new[] { 0.3, -0.2, 1.1, 0.4 }, new[] { 0.8, -1.3 });
        using var scope = NewDisposeScope();
        const int n = 7;
        FisherTraceReport report = FisherTrace.Measure(objective, data.Batch(), n);
        double Expected(int? task) => Enumerable.Range(0, n).Average(i => TestData.SquaredNorm(objective.RowGradient(data.X[i], data.Y[i], task)));
        Assert.AreEqual(Expected(0), report.PerTask[0], 1e-10);
        Assert.AreEqual(Expected(1), report.PerTask[1], 1e-10);
        Assert.AreEqual(Expected(null), report.Total, 1e-10);
        Assert.AreEqual(n, report.Samples);
        Assert.AreEqual(1, objective.EvaluationModeCalls);
        Assert.IsFalse(objective.InEvaluationMode);
    }

    [TestMethod]
    public void TheModelsOwnModeCanBeKept()
    {
        var data = new TestData(rows: 3, features: 2, tasks: 1, seed: 22);
        using var objective = new LinearObjective(new[] { 1.0, 2.0 }, new[] { 1.0 });
        using var scope = NewDisposeScope();
        FisherTrace.Measure(objective, data.Batch(), 3, evaluationMode: false);
        Assert.AreEqual(0, objective.EvaluationModeCalls);
    }

    [TestMethod]
    public void FromGradientsIsTheMeanSquaredRowNorm()
    {
        using var scope = NewDisposeScope();
        // Rows (3, 4) and (1, 0): (25 + 1)/2 = 13.
        Assert.AreEqual(13.0, FisherTrace.FromGradients(tensor(new float[] { 3, 4, 1, 0 }, new long[] { 2, 2 })), 1e-12);
        Assert.ThrowsExactly<ArgumentException>(() => FisherTrace.FromGradients(ones(1, 4)));
        Assert.ThrowsExactly<ArgumentException>(() => FisherTrace.FromGradients(ones(4)));
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        var data = new TestData(rows: 3, features: 2, tasks: 1, seed: 23);
        using var objective = new LinearObjective(new[] { 1.0, 2.0 }, new[] { 1.0 });
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FisherTrace.Measure(objective, data.Batch(), 1));
        var e = Assert.ThrowsExactly<ArgumentException>(() => FisherTrace.Measure(objective, data.Batch(), 4));
        StringAssert.Contains(e.Message, "only 3 rows");
    }
}
