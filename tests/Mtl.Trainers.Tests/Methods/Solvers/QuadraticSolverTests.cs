using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Tests.Methods.Solvers;

[TestClass]
public sealed class QuadraticSolverTests
{
    /// <summary>Min-norm optimality on the simplex: (Gα)ᵢ ≥ αᵀGα for all i, with equality where αᵢ &gt; 0.</summary>
    private static void AssertMinNormOptimal(double[,] g, double[] alpha, double tolerance)
    {
        var ga = SmallMatrix.Multiply(g, alpha);
        double value = SmallMatrix.Dot(alpha, ga);
        Assert.AreEqual(1.0, alpha.Sum(), 1e-12);
        for (int i = 0; i < alpha.Length; i++)
        {
            Assert.IsGreaterThanOrEqualTo(-1e-15, alpha[i]);
            Assert.IsGreaterThanOrEqualTo(value - tolerance, ga[i], $"(Gα)[{i}] below αᵀGα");
            if (alpha[i] > 1e-3)
                Assert.AreEqual(value, ga[i], tolerance, $"(Gα)[{i}] on the support differs from αᵀGα");
        }
    }

    [TestMethod]
    public void TwoVectorClosedForm()
    {
        Assert.AreEqual(0.5, MinNormSolver.TwoPointWeight(1, 0, 1), 1e-15);
        // g1 = (1,0), g2 = (2,0): the min-norm point is g1.
        Assert.AreEqual(1.0, MinNormSolver.TwoPointWeight(1, 2, 4), 1e-15);
        // g1 = (10,0), g2 = (0,1): γ = 1/101.
        Assert.AreEqual(1.0 / 101, MinNormSolver.TwoPointWeight(100, 0, 1), 1e-15);
        // Identical vectors: the tie value.
        Assert.AreEqual(0.5, MinNormSolver.TwoPointWeight(4, 4, 4), 1e-15);
        Assert.AreEqual(1.0, MinNormSolver.TwoPointWeight(4, 4, 4, tie: 1.0), 1e-15);
    }

    [TestMethod]
    public void FrankWolfeMeetsTheOptimalityConditions()
    {
        foreach (var (tasks, dims, seed) in new[] { (3, 5, 1), (4, 10, 2), (5, 3, 3), (6, 20, 4) })
        {
            var g = MethodMath.Gramian(MethodMath.RandomJacobian(tasks, dims, seed));
            var result = MinNormSolver.Solve(g, maxIterations: 100000, tolerance: 1e-12);
            Assert.IsTrue(result.Run.Converged, result.Run.ToString());
            AssertMinNormOptimal(g, result.Weights, 1e-6 * SmallMatrix.MaxAbs(g));
            Assert.AreEqual(SmallMatrix.QuadraticForm(g, result.Weights), result.SquaredNorm, 1e-12);
        }
    }

    [TestMethod]
    public void FrankWolfeAgreesWithTheExactQuadraticProgram()
    {
        // Interior optimum of three gradients in the plane whose hull contains no zero: solve the same problem exactly
        // through the KKT system (α on the support solves Gα = λ1, Σα = 1).
        double[][] j = [[1, 0.2], [0.1, 1], [0.6, 0.6]];
        var g = MethodMath.Gramian(j);
        var result = MinNormSolver.Solve(g);
        AssertMinNormOptimal(g, result.Weights, 1e-4);
        // Compare the min norm with a fine grid search over the simplex.
        double best = double.PositiveInfinity;
        for (int a = 0; a <= 400; a++)
            for (int b = 0; a + b <= 400; b++)
            {
                double[] w = [a / 400.0, b / 400.0, (400 - a - b) / 400.0];
                best = Math.Min(best, SmallMatrix.QuadraticForm(g, w));
            }
        Assert.IsLessThanOrEqualTo(best + 1e-9, result.SquaredNorm);
        Assert.IsGreaterThanOrEqualTo(best - 1e-4, result.SquaredNorm);
    }

    [TestMethod]
    public void OppositeGradientsGiveTheZeroVector()
    {
        var g = MethodMath.Gramian([[1, 0], [-1, 0]]);
        var result = MinNormSolver.Solve(g);
        MethodMath.AreClose([0.5, 0.5], result.Weights, 1e-15);
        Assert.AreEqual(0.0, result.SquaredNorm, 1e-15);
    }

    [TestMethod]
    public void IterationLimitIsReportedAsNotConverged()
    {
        var g = MethodMath.Gramian(MethodMath.RandomJacobian(6, 20, 4));
        var result = MinNormSolver.Solve(g, maxIterations: 1, tolerance: 1e-14, exactFallback: false);
        Assert.AreEqual(SolverOutcome.NotConverged, result.Run.Outcome);
        Assert.IsGreaterThan(0.0, result.Run.Residual);
    }

    [TestMethod]
    public void ExactFallbackFinishesWhatFrankWolfeCannot()
    {
        // Ten strongly correlated gradients: Frank–Wolfe zig-zags; the active-set finish must meet the conditions tightly.
        var j = MethodMath.RandomJacobian(10, 30, 6).Select(row => row.Select(x => x + 0.3).ToArray()).ToArray();
        var g = MethodMath.Gramian(j);
        var result = MinNormSolver.Solve(g, maxIterations: 5);
        Assert.IsTrue(result.Run.Converged, result.Run.ToString());
        AssertMinNormOptimal(g, result.Weights, 1e-8 * SmallMatrix.MaxAbs(g));
        var reference = MinNormSolver.Solve(g, maxIterations: 1000000, tolerance: 1e-13, exactFallback: false);
        Assert.AreEqual(reference.SquaredNorm, result.SquaredNorm, 1e-6 * reference.SquaredNorm);
    }

    [TestMethod]
    public void NonnegativeQpHandCase()
    {
        // min ½‖x‖² + (−1, 2)·x, x ≥ 0 → x = (1, 0).
        var result = NonnegativeQuadraticProgram.Solve(SmallMatrix.Identity(2), [-1, 2]);
        Assert.IsTrue(result.Run.Converged);
        MethodMath.AreClose([1, 0], result.Solution, 1e-14);
        // Coupled: Q = [[2,1],[1,2]], c = (−1,−1) → interior x = (1/3, 1/3).
        result = NonnegativeQuadraticProgram.Solve(new double[,] { { 2, 1 }, { 1, 2 } }, [-1, -1]);
        MethodMath.AreClose([1.0 / 3, 1.0 / 3], result.Solution, 1e-14);
        // Coupled with an active bound: c = (−1, 1) → x₂ = 0, x₁ = 1/2.
        result = NonnegativeQuadraticProgram.Solve(new double[,] { { 2, 1 }, { 1, 2 } }, [-1, 1]);
        MethodMath.AreClose([0.5, 0], result.Solution, 1e-14);
    }

    [TestMethod]
    public void NonnegativeQpSatisfiesKktOnRandomAndSingularProblems()
    {
        var random = new Random(11);
        // (tasks, dimensions): T > D gives a singular Gramian.
        foreach (var (tasks, dims) in new[] { (3, 5), (5, 5), (6, 3), (10, 4), (8, 30) })
        {
            var q = MethodMath.Gramian(MethodMath.RandomJacobian(tasks, dims, tasks * 31 + dims));
            var c = Enumerable.Range(0, tasks).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            // Keep the singular problems bounded: c in the range of Q.
            if (tasks > dims)
                c = SmallMatrix.Multiply(q, c);
            var result = NonnegativeQuadraticProgram.Solve(q, c);
            Assert.IsTrue(result.Run.Converged, result.Run.ToString());
            Assert.IsTrue(result.Solution.All(x => x >= 0));
            double scale = Math.Max(SmallMatrix.MaxAbs(q), c.Max(Math.Abs));
            Assert.IsLessThanOrEqualTo(1e-9 * scale, NonnegativeQuadraticProgram.KktResidual(q, c, result.Solution));
        }
    }

    [TestMethod]
    public void MinimizeAboveBoundStaysAboveTheBound()
    {
        var g = MethodMath.Gramian([[1, 0], [-1, 0.1], [0.2, 1]]);
        double[] lower = [1, 0, 0];
        var result = NonnegativeQuadraticProgram.MinimizeAboveBound(g, lower);
        Assert.IsTrue(result.Run.Converged);
        for (int i = 0; i < 3; i++)
            Assert.IsGreaterThanOrEqualTo(lower[i] - 1e-15, result.Solution[i]);
        // Optimality: the gradient Gv is ≥ 0 everywhere and 0 where v is above its bound.
        var gradient = SmallMatrix.Multiply(g, result.Solution);
        for (int i = 0; i < 3; i++)
        {
            Assert.IsGreaterThanOrEqualTo(-1e-10, gradient[i]);
            if (result.Solution[i] > lower[i] + 1e-9)
                Assert.AreEqual(0.0, gradient[i], 1e-10);
        }
    }
}
