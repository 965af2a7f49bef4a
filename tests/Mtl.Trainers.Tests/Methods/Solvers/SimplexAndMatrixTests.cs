using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Tests.Methods.Solvers;

[TestClass]
public sealed class SimplexAndMatrixTests
{
    [TestMethod]
    public void ProjectionOfHandPickedPoints()
    {
        MethodMath.AreClose([0.65, 0.35, 0], Simplex.Project([0.9, 0.6, -1]), 1e-12);
        MethodMath.AreClose([1, 0], Simplex.Project([2, 0]), 1e-12);
        MethodMath.AreClose([0.3, 0.7], Simplex.Project([0.3, 0.7]), 1e-12);
        MethodMath.AreClose([1.0 / 3, 1.0 / 3, 1.0 / 3], Simplex.Project([5, 5, 5]), 1e-12);
        MethodMath.AreClose([2, 0], Simplex.Project([3, -1], radius: 2), 1e-12);
    }

    [TestMethod]
    public void ProjectionSatisfiesTheVariationalInequality()
    {
        // x = Π(y) iff (y − x)·(z − x) ≤ 0 for every z in the simplex.
        var random = new Random(7);
        for (int trial = 0; trial < 50; trial++)
        {
            int n = 2 + trial % 6;
            var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray();
            var x = Simplex.Project(y);
            Assert.AreEqual(1.0, x.Sum(), 1e-12);
            Assert.IsTrue(x.All(v => v >= 0));
            for (int k = 0; k < 20; k++)
            {
                var z = MethodMath.RandomSimplexPoint(n, random);
                double inner = 0;
                for (int i = 0; i < n; i++)
                    inner += (y[i] - x[i]) * (z[i] - x[i]);
                Assert.IsLessThanOrEqualTo(1e-12, inner);
            }
        }
    }

    [TestMethod]
    public void ProjectionRejectsBadInput()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Simplex.Project([]));
        Assert.ThrowsExactly<ArgumentException>(() => Simplex.Project([1, double.NaN]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Simplex.Project([1, 2], 0));
    }

    [TestMethod]
    public void JacobiOnAKnownMatrix()
    {
        var eig = SymmetricEigen.Decompose(new double[,] { { 2, 1 }, { 1, 2 } });
        MethodMath.AreClose([1, 3], eig.Values, 1e-14);
        Assert.AreEqual(1 / Math.Sqrt(2), Math.Abs(eig.Vectors[0, 1]), 1e-14);
        Assert.AreEqual(eig.Vectors[0, 1], eig.Vectors[1, 1], 1e-14);
    }

    [TestMethod]
    public void JacobiReconstructsRandomSymmetricMatrices()
    {
        var random = new Random(3);
        foreach (int n in new[] { 1, 3, 6, 12 })
        {
            var a = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j <= i; j++)
                    a[i, j] = a[j, i] = random.NextDouble() * 2 - 1;
            var eig = SymmetricEigen.Decompose(a);
            for (int k = 1; k < n; k++)
                Assert.IsLessThanOrEqualTo(eig.Values[k], eig.Values[k - 1]);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double reconstructed = 0, orthogonality = 0;
                    for (int k = 0; k < n; k++)
                    {
                        reconstructed += eig.Vectors[i, k] * eig.Values[k] * eig.Vectors[j, k];
                        orthogonality += eig.Vectors[k, i] * eig.Vectors[k, j];
                    }
                    Assert.AreEqual(a[i, j], reconstructed, 1e-12);
                    Assert.AreEqual(i == j ? 1.0 : 0.0, orthogonality, 1e-12);
                }
        }
    }

    [TestMethod]
    public void SolveHandlesRegularAndSingularSystems()
    {
        MethodMath.AreClose([1, 2], SmallMatrix.Solve(new double[,] { { 0, 1 }, { 2, 0 } }, [2, 2]), 1e-14);
        // Singular: rows (1,1),(1,1) with b = (2,2): minimum-norm solution (1,1).
        MethodMath.AreClose([1, 1], SmallMatrix.Solve(new double[,] { { 1, 1 }, { 1, 1 } }, [2, 2]), 1e-10);
        // Symmetric PSD singular: same minimum-norm answer through the eigendecomposition.
        MethodMath.AreClose([1, 1], SmallMatrix.SolveSymmetric(new double[,] { { 1, 1 }, { 1, 1 } }, [2, 2]), 1e-10);
        MethodMath.AreClose([0.5, 1], SmallMatrix.SolveSymmetric(new double[,] { { 4, 0 }, { 0, 2 } }, [2, 2]), 1e-14);
    }

    [TestMethod]
    public void StatisticsCountAndReportProblems()
    {
        var statistics = new SolverStatistics();
        var reported = new List<SolverRun>();
        statistics.OnProblem = reported.Add;
        statistics.Record(new SolverRun("A", 3, SolverOutcome.Converged, 0));
        statistics.Record(new SolverRun("A", 250, SolverOutcome.NotConverged, 1e-3));
        statistics.Record(new SolverRun("B", 7, SolverOutcome.Failed, double.PositiveInfinity, "diverged"));
        Assert.AreEqual(3L, statistics.Calls);
        Assert.AreEqual(260L, statistics.TotalIterations);
        Assert.AreEqual(250, statistics.MaxIterations);
        Assert.AreEqual(1L, statistics.NotConverged);
        Assert.AreEqual(1L, statistics.Failed);
        Assert.AreEqual(2L, statistics.Failures);
        Assert.HasCount(2, reported);
        Assert.AreEqual("B", statistics.LastFailure!.Solver);
        Assert.AreEqual(1, statistics.ProblemsBySolver["A"]);
        StringAssert.Contains(reported[1].ToString(), "diverged");
    }
}
