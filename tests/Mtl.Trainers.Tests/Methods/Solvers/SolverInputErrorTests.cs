using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Tests.Methods.Solvers;

/// <summary>The solvers and small-matrix helpers name the shape or value that makes a problem ill-posed.</summary>
[TestClass]
public sealed class SolverInputErrorTests
{
    private static readonly double[,] NotSquare = new double[2, 3];

    [TestMethod]
    public void NonSquareGramiansAreRejectedByEverySolver()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => MinNormSolver.Solve(NotSquare)).Message, "non-empty square Gramian; got 2×3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ConflictAverseSolver.Solve(NotSquare, 0.5)).Message, "non-empty square Gramian; got 2×3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => NashBargainingSolver.Solve(NotSquare)).Message, "non-empty square Gramian; got 2×3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => NonnegativeQuadraticProgram.Solve(NotSquare, new double[2])).Message, "got 2×3 and 2");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SymmetricEigen.Decompose(NotSquare)).Message, "square matrix; got 2×3");
    }

    [TestMethod]
    public void OutOfRangeSettingsAndNonFiniteEntriesAreNamed()
    {
        var identity = SmallMatrix.Identity(2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MinNormSolver.Solve(identity, maxIterations: 0)).Message, "At least one iteration");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ConflictAverseSolver.Solve(identity, -1)).Message, "radius c must be a finite number ≥ 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Simplex.Uniform(0)).Message, "number of weights must be positive");
        var nan = SmallMatrix.Identity(2);
        nan[1, 0] = double.NaN; // symmetrised first, so the first entry found is (0, 1)
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SymmetricEigen.Decompose(nan)).Message, "non-finite entry at (0, 1)");
    }

    [TestMethod]
    public void MismatchedMatrixAndVectorLengthsAreNamed()
    {
        var identity = SmallMatrix.Identity(2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SmallMatrix.Multiply(identity, new double[3])).Message, "a 2×2 matrix by a vector of length 3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SmallMatrix.Dot(new double[2], new double[3])).Message, "Vector lengths differ (2 vs 3)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SmallMatrix.SolveSymmetric(identity, new double[3])).Message, "got 2×2 and 3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SmallMatrix.Solve(identity, new double[3])).Message, "got 2×2 and 3");
    }
}
