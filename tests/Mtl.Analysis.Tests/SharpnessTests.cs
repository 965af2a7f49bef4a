using Mtl.Analysis.Curvature;
using Mtl.Analysis.Tests.Support;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class SharpnessTests
{
    // Closed-form Hessian of the linear objective. For L_t = ½ mean(a_t s − y_t)², s = x·w:
    // ∂²/∂w² = a_t² mean(x xᵀ), ∂²/∂w∂a_t = mean((2a_t s − y_t) x), ∂²/∂a_t² = mean(s²); heads do not interact.
    private static double[,] Hessian(LinearObjective objective, TestData data, int[] tasks)
    {
        double[] w = objective.W.data<double>().ToArray();
        double[] a = objective.A.Select(p => p.item<double>()).ToArray();
        int d = w.Length, n = data.X.Length, size = d + tasks.Length;
        var h = new double[size, size];
        for (int r = 0; r < n; r++)
        {
            double[] x = data.X[r];
            double s = x.Zip(w, (xi, wi) => xi * wi).Sum();
            for (int k = 0; k < tasks.Length; k++)
            {
                int t = tasks[k];
                for (int i = 0; i < d; i++)
                {
                    for (int j = 0; j < d; j++) h[i, j] += a[t] * a[t] * x[i] * x[j] / n;
                    double cross = (2 * a[t] * s - data.Y[r][t]) * x[i] / n;
                    h[i, d + k] += cross;
                    h[d + k, i] += cross;
                }
                h[d + k, d + k] += s * s / n;
            }
        }
        return h;
    }

    private static double TopEigenvalue(double[,] h)
    {
        int size = h.GetLength(0);
        using var scope = NewDisposeScope();
        double[] flat = new double[size * size];
        for (int i = 0; i < size; i++) for (int j = 0; j < size; j++) flat[i * size + j] = h[i, j];
        return linalg.eigvalsh(tensor(flat, new long[] { size, size }, ScalarType.Float64)).max().item<double>();
    }

    [TestMethod]
    public void PerTaskAndTotalSharpnessMatchTheClosedFormHessianOfLinearRegression()
    {
        var data = new TestData(rows: 12, features: 3, tasks: 2, seed: 4);
        using var objective = new LinearObjective(new[] { 0.5, -1.0, 2.0 }, new[] { 1.5, -0.7 });
        using var scope = NewDisposeScope();
        SharpnessReport report = Sharpness.Measure(objective, data.Batch(), new PowerIterationOptions { MaxIterations = 1000, Tolerance = 1e-12 });
        Assert.AreEqual(TopEigenvalue(Hessian(objective, data, new[] { 0 })), report.PerTask[0].Top, 1e-7);
        Assert.AreEqual(TopEigenvalue(Hessian(objective, data, new[] { 1 })), report.PerTask[1].Top, 1e-7);
        Assert.AreEqual(TopEigenvalue(Hessian(objective, data, new[] { 0, 1 })), report.Total.Top, 1e-7);
        Assert.IsTrue(report.PerTask.All(e => e.Converged) && report.Total.Converged);
        CollectionAssert.AreEqual(new[] { "T0", "T1" }, report.TaskNames.ToArray());
        Assert.AreEqual(1, objective.EvaluationModeCalls, "sharpness always measures in evaluation mode");
        Assert.IsFalse(objective.InEvaluationMode, "and restores the mode afterwards");
    }

    [TestMethod]
    public void NetworkSharpnessIsMeasuredWithDropoutOffAndTheModeRestored()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 12, headDropout: 0.5);
        using var scope = NewDisposeScope();
        var batch = tiny.Batch(16, seed: 13);
        tiny.Network.train();
        var options = new PowerIterationOptions { MaxIterations = 300, Tolerance = 1e-6, Seed = 2 };
        SharpnessReport first = Sharpness.Measure(tiny.Objective, batch, options);
        Assert.IsTrue(tiny.Network.training);
        SharpnessReport second = Sharpness.Measure(tiny.Objective, batch, options);
        // With dropout active the two runs would see different masks; in evaluation mode they are identical.
        CollectionAssert.AreEqual(first.Total.Dominant.Trace.ToArray(), second.Total.Dominant.Trace.ToArray());
        Assert.IsTrue(first.Total.Top > 0);
    }
}
