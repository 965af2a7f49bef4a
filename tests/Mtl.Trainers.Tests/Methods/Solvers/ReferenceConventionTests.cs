using Mtl.Trainers.Methods;
using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Tests.Methods.Solvers;

/// <summary>MGDA's stopping rule and the options that reproduce LibMTL's and TorchJD's conventions.</summary>
[TestClass]
public sealed class ReferenceConventionTests
{
    // Three gradients on a plane at distance h from the origin whose foot lies inside their triangle: the min-norm
    // point is that foot, d* = h·n (n the unit normal), with ‖d*‖² = h² tiny next to ‖gᵢ‖² ≈ 1.
    private const double H = 1e-4;
    private static readonly double[][] NearlyStationary = [[1, 0.1, H], [-0.4, 0.9, H], [-0.6, -0.8, H]];

    private static double[] MinNormPoint(double[][] j)
    {
        double[] u = [j[1][0] - j[0][0], j[1][1] - j[0][1], j[1][2] - j[0][2]];
        double[] v = [j[2][0] - j[0][0], j[2][1] - j[0][1], j[2][2] - j[0][2]];
        double[] n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
        double length = MethodMath.Norm(n);
        double distance = MethodMath.Dot(j[0], n) / length;
        return n.Select(x => distance * x / length).ToArray();
    }

    private static double RelativeError(double[] actual, double[] expected) =>
        MethodMath.Norm(actual.Zip(expected, (a, e) => a - e).ToArray()) / MethodMath.Norm(expected);

    [TestMethod]
    public void RelativeGapReachesATinyMinNormPointWhereTheAbsoluteRuleStopsEarly()
    {
        var g = MethodMath.Gramian(NearlyStationary);
        var expected = MinNormPoint(NearlyStationary);
        Assert.AreEqual(H * H, MethodMath.Dot(expected, expected), 1e-14, "the construction's min-norm point");

        // The reference rule (|Δα|₁ < 1e-5) stops while the direction is still ≈ 2 % off.
        var absolute = new MGDA(exactFallback: false, stopping: FrankWolfeStopping.AbsoluteChange).Weights(g);
        Assert.IsGreaterThan(1e-2, RelativeError(MethodMath.Direction(NearlyStationary, absolute), expected));

        // The gap relative to αᵀGα reaches the optimum.
        var context = new StepContext(3);
        var relative = new MGDA().Weights(g, context);
        Assert.IsLessThan(1e-6, RelativeError(MethodMath.Direction(NearlyStationary, relative), expected));
        var result = MinNormSolver.Solve(g);
        Assert.IsTrue(result.Run.Converged);
        Assert.IsLessThanOrEqualTo(1e-5 * result.SquaredNorm, result.Run.Residual, "the reported duality gap is within the relative tolerance");
        Assert.AreEqual(1, context.Solvers.Calls);
    }

    [TestMethod]
    public void RelativeGapStillStopsAtAnExactlyStationaryPoint()
    {
        // The origin is inside the hull: αᵀGα → 0, and the rounding-level floor ends the iteration.
        double[][] j = [[1, 0], [-1, 1], [-1, -1]];
        var result = MinNormSolver.Solve(MethodMath.Gramian(j));
        Assert.IsTrue(result.Run.Converged);
        Assert.IsLessThan(1e-12, result.SquaredNorm);
    }

    [TestMethod]
    public void UPGradAndDualProjWithTorchJDRidgeReproduceTorchJDsDocumentedExample()
    {
        // TorchJD's docstrings: J = [[-4, 1, 1], [6, 1, 1]] → UPGrad() = [0.2929, 1.9004, 1.9004] with weights
        // [1.1109, 0.7894], DualProj() = [0.5563, 1.1109, 1.1109] (reg_eps = 1e-4 on G/trace G).
        double[][] j = [[-4, 1, 1], [6, 1, 1]];
        var upgrad = new UPGrad(UPGrad.TorchJDRidge).Weights(MethodMath.Gramian(j));
        MethodMath.AreClose([1.1109, 0.7894], upgrad, 5e-5, "UPGrad weights");
        MethodMath.AreClose([0.2929, 1.9004, 1.9004], MethodMath.Direction(j, upgrad), 5e-5, "UPGrad direction");
        var dualProj = new DualProj(UPGrad.TorchJDRidge).Weights(MethodMath.Gramian(j));
        MethodMath.AreClose([0.5563, 1.1109, 1.1109], MethodMath.Direction(j, dualProj), 5e-5, "DualProj direction");

        // Without the ridge the projection is exact: Jd ≥ 0 holds to solver precision and d differs from TorchJD's.
        var exact = new UPGrad().Weights(MethodMath.Gramian(j));
        var d = MethodMath.Direction(j, exact);
        foreach (var row in j)
            Assert.IsGreaterThanOrEqualTo(-1e-10, MethodMath.Dot(row, d));
        Assert.IsGreaterThan(1e-5, Math.Abs(exact[0] - upgrad[0]), "the ridge changes the weights");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UPGrad(-1e-4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DualProj(double.NaN));
    }

    [TestMethod]
    public void AlignedMtlOnesPreferenceIsLibMtlsColumnSumAndTTimesTheMeanConvention()
    {
        double[][] j = [[2, 0.5, 0], [0.3, 1, 0.2], [0, -0.4, 3]];
        var g = MethodMath.Gramian(j);
        var mean = new AlignedMTL().Weights(g);
        var ones = new AlignedMTL(preference: AlignedMtlPreference.Ones).Weights(g);
        MethodMath.AreClose(mean.Select(w => 3 * w).ToArray(), ones, 1e-12);
        // LibMTL: B = σ_min·VΛ^{-1/2}Vᵀ and w = B's column sums, so Jᵀw has equal projections σ_min on every
        // orthonormalised gradient; for full-rank G, (G·w)ᵢ = σ_min·(G^{1/2}·1)ᵢ, checked through ‖Jᵀw‖² = σ_min²·T.
        var d = MethodMath.Direction(j, ones);
        var eig = SymmetricEigen.Decompose(g);
        Assert.AreEqual(eig.Values[0] * 3, MethodMath.Dot(d, d), 1e-9);
    }
}
