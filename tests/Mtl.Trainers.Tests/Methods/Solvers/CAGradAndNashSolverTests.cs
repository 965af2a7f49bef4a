using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Tests.Methods.Solvers;

[TestClass]
public sealed class CAGradAndNashSolverTests
{
    private static double Objective(double[,] g, double c, double[] w)
    {
        var uniform = Simplex.Uniform(w.Length);
        return SmallMatrix.Dot(w, SmallMatrix.Multiply(g, uniform)) + c * Math.Sqrt(SmallMatrix.QuadraticForm(g, w));
    }

    [TestMethod]
    public void CAGradInnerProblemReachesItsMinimumAndStrongDuality()
    {
        var random = new Random(5);
        foreach (var (tasks, dims, seed) in new[] { (2, 4, 1), (3, 5, 2), (4, 6, 3), (5, 12, 4) })
        {
            var j = MethodMath.RandomJacobian(tasks, dims, seed);
            var g = MethodMath.Gramian(j);
            var g0 = MethodMath.Direction(j, Simplex.Uniform(tasks));
            double c = 0.5 * MethodMath.Norm(g0);
            var solution = ConflictAverseSolver.Solve(g, c);
            Assert.IsTrue(solution.Run.Converged, solution.Run.ToString());
            Assert.AreEqual(Objective(g, c, solution.Weights), solution.Objective, 1e-9);
            for (int k = 0; k < 200; k++)
                Assert.IsGreaterThanOrEqualTo(solution.Objective - 1e-9, Objective(g, c, MethodMath.RandomSimplexPoint(tasks, random)));

            // Primal: d = g0 + c·g_w/‖g_w‖ lies on the ball's boundary and its worst task improvement equals the dual value.
            var gw = MethodMath.Direction(j, solution.Weights);
            var d = g0.Zip(gw, (a, b) => a + c * b / MethodMath.Norm(gw)).ToArray();
            Assert.AreEqual(c, MethodMath.Norm(d.Zip(g0, (a, b) => a - b).ToArray()), 1e-9);
            double worst = j.Min(row => MethodMath.Dot(row, d));
            Assert.AreEqual(solution.Objective, worst, 1e-6);
        }
    }

    [TestMethod]
    public void CAGradWithZeroRadiusIsAnyPointAndReturnsFinite()
    {
        var g = MethodMath.Gramian([[1, 0], [0, 1]]);
        var solution = ConflictAverseSolver.Solve(g, 0);
        Assert.AreEqual(1.0, solution.Weights.Sum(), 1e-12);
        Assert.AreEqual(0.5, solution.Objective, 1e-12);
    }

    [TestMethod]
    public void NashWeightsSolveTheBargainingSystem()
    {
        foreach (var (tasks, dims, seed) in new[] { (2, 3, 1), (3, 8, 2), (5, 10, 3), (8, 40, 4) })
        {
            var g = MethodMath.Gramian(MethodMath.RandomJacobian(tasks, dims, seed));
            // Scale G so the normalisation inside the solver is exercised.
            g = SmallMatrix.Scale(g, 1e-4);
            var result = NashBargainingSolver.Solve(g);
            Assert.IsTrue(result.Run.Converged, result.Run.ToString());
            var alpha = result.Weights!;
            var ga = SmallMatrix.Multiply(g, alpha);
            for (int i = 0; i < tasks; i++)
            {
                Assert.IsGreaterThan(0.0, alpha[i]);
                Assert.AreEqual(1 / alpha[i], ga[i], 1e-8 / alpha[i]);
            }
        }
    }

    [TestMethod]
    public void NashOnOrthogonalGradientsIsInverseNorms()
    {
        // G = diag(s²): αᵢ·sᵢ²·αᵢ = 1 → αᵢ = 1/sᵢ.
        var g = new double[,] { { 4, 0, 0 }, { 0, 1, 0 }, { 0, 0, 0.25 } };
        var result = NashBargainingSolver.Solve(g);
        MethodMath.AreClose([0.5, 1, 2], result.Weights!, 1e-9);
    }

    [TestMethod]
    public void NashFailsLoudlyWhenNoSolutionExists()
    {
        // g2 = −g1: α(1,1) makes Gα = 0, so α diverges.
        var opposite = NashBargainingSolver.Solve(MethodMath.Gramian([[1, 0], [-1, 0]]));
        Assert.AreEqual(SolverOutcome.Failed, opposite.Run.Outcome);
        Assert.IsNull(opposite.Weights);
        Assert.IsNotNull(opposite.Run.Detail);

        var zero = NashBargainingSolver.Solve(new double[2, 2]);
        Assert.AreEqual(SolverOutcome.Failed, zero.Run.Outcome);
        StringAssert.Contains(zero.Run.Detail, "zero");
    }
}
