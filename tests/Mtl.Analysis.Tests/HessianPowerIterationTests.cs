using Mtl.Analysis.Curvature;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class HessianPowerIterationTests
{
    // A = Q diag(λ) Qᵀ with a seeded random orthogonal Q, so ½θᵀAθ has Hessian A (at every θ) with spectrum λ.
    private static Tensor WithSpectrum(double[] spectrum, int seed)
    {
        using var generator = new Generator((ulong)seed);
        int d = spectrum.Length;
        Tensor q = linalg.qr(randn(new long[] { d, d }, ScalarType.Float64, generator: generator)).Q;
        return q.matmul(diag(tensor(spectrum, ScalarType.Float64))).matmul(q.t());
    }

    private static EigenvalueEstimate TopOfQuadratic(double[] spectrum, PowerIterationOptions? options = null, int seed = 1)
    {
        using var scope = NewDisposeScope();
        Tensor a = WithSpectrum(spectrum, seed);
        using var generator = new Generator(99);
        var theta = new TorchSharp.Modules.Parameter(randn(new long[] { spectrum.Length }, ScalarType.Float64, generator: generator));
        Tensor loss = 0.5 * theta.dot(a.matmul(theta));
        return HessianPowerIteration.TopEigenvalue(loss, new Tensor[] { theta }, options);
    }

    private static readonly PowerIterationOptions Tight = new() { MaxIterations = 500, Tolerance = 1e-12 };

    [TestMethod]
    public void FindsTheTopEigenvalueOfAQuadraticAndTracesItsConvergence()
    {
        EigenvalueEstimate e = TopOfQuadratic(new[] { 5.0, 2, 1, -0.5, 0.1, 3 }, Tight);
        Assert.IsTrue(e.Converged);
        Assert.AreEqual(5.0, e.Top, 1e-8);
        Assert.IsNull(e.Shifted);
        Assert.IsTrue(e.Dominant.Trace.Count >= 2);
        Assert.AreEqual(e.Top, e.Dominant.Trace[^1], 0);
        Assert.IsTrue(Math.Abs(e.Dominant.Trace[0] - 5) > Math.Abs(e.Dominant.Trace[^1] - 5), "the trace approaches the eigenvalue");
        Assert.IsTrue(e.Dominant.Residual < 1e-4);
    }

    [TestMethod]
    public void ANegativeDominantEigenvalueIsReportedAndTheTopOneFoundByAShift()
    {
        EigenvalueEstimate e = TopOfQuadratic(new[] { 1.0, -3, 0.5, -1 }, Tight);
        Assert.AreEqual(-3.0, e.Dominant.Eigenvalue, 1e-8);
        Assert.IsNotNull(e.Shifted);
        Assert.AreEqual(4.0, e.Shifted!.Eigenvalue, 1e-7); // the spectrum of A + 3I is {4, 0, 3.5, 2}
        Assert.AreEqual(1.0, e.Top, 1e-7);
        Assert.IsTrue(e.Converged);
        Assert.AreEqual(e.Dominant.Trace.Count + e.Shifted.Trace.Count, e.HessianVectorProducts);
    }

    [TestMethod]
    public void ZeroEigenvaluesAreHandledExactly()
    {
        EigenvalueEstimate zero = TopOfQuadratic(new[] { 0.0, 0, 0 }, Tight);
        Assert.AreEqual(0.0, zero.Top, 1e-12);
        Assert.IsTrue(zero.Converged);
        Assert.AreEqual(1, zero.Dominant.Trace.Count, "Hv = 0 on the first product: an exact eigenpair");
        EigenvalueEstimate topIsZero = TopOfQuadratic(new[] { 0.0, -2, -1 }, Tight);
        Assert.AreEqual(-2.0, topIsZero.Dominant.Eigenvalue, 1e-8);
        Assert.AreEqual(0.0, topIsZero.Top, 1e-7);
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(ones(new long[] { 3 }, ScalarType.Float64));
        EigenvalueEstimate linear = HessianPowerIteration.TopEigenvalue((p * tensor(new[] { 1.0, -2, 3 })).sum(), new Tensor[] { p });
        Assert.AreEqual(0.0, linear.Top, 0, "a loss linear in θ has H = 0");
        Assert.IsTrue(linear.Converged);
    }

    [TestMethod]
    public void EqualAndOppositeEigenvaluesAreReportedAsNotConverged()
    {
        // With ±2 the Rayleigh quotient stalls at a value that is no eigenvalue; the residual exposes it.
        EigenvalueEstimate e = TopOfQuadratic(new[] { 2.0, -2, 0.5 }, new PowerIterationOptions { MaxIterations = 60 });
        Assert.IsFalse(e.Converged);
        Assert.AreEqual(60, e.Dominant.Trace.Count);
        Assert.IsTrue(e.Dominant.Residual > 0.1, $"residual {e.Dominant.Residual}");
    }

    [TestMethod]
    public void ParametersSplitAcrossTensorsFormOneHessian()
    {
        using var scope = NewDisposeScope();
        Tensor a = WithSpectrum(new[] { 4.0, 1, 0.5, 2, -1 }, seed: 3);
        var p1 = new TorchSharp.Modules.Parameter(ones(new long[] { 3 }, ScalarType.Float64));
        var p2 = new TorchSharp.Modules.Parameter(ones(new long[] { 2 }, ScalarType.Float64));
        Tensor theta = cat(new Tensor[] { p1, p2 }, 0);
        EigenvalueEstimate e = HessianPowerIteration.TopEigenvalue(0.5 * theta.dot(a.matmul(theta)), new Tensor[] { p1, p2 }, Tight);
        Assert.AreEqual(4.0, e.Top, 1e-8);
    }

    [TestMethod]
    public void TheSeedFixesTheTrace()
    {
        var options = new PowerIterationOptions { Seed = 5 };
        double[] spectrum = { 3.0, 2.5, 1, 0.2 };
        CollectionAssert.AreEqual(TopOfQuadratic(spectrum, options).Dominant.Trace.ToArray(), TopOfQuadratic(spectrum, options).Dominant.Trace.ToArray());
        Assert.AreNotEqual(TopOfQuadratic(spectrum, options).Dominant.Trace[0], TopOfQuadratic(spectrum, new PowerIterationOptions { Seed = 6 }).Dominant.Trace[0]);
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        using var scope = NewDisposeScope();
        var p = new TorchSharp.Modules.Parameter(ones(3));
        var e = Assert.ThrowsExactly<ArgumentException>(() => HessianPowerIteration.TopEigenvalue(p * 2, new Tensor[] { p }));
        StringAssert.Contains(e.Message, "scalar");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HessianPowerIteration.TopEigenvalue(p.sum(), new Tensor[] { p }, new PowerIterationOptions { MaxIterations = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HessianPowerIteration.TopEigenvalue(p.sum(), new Tensor[] { p }, new PowerIterationOptions { Tolerance = 0 }));
        Assert.ThrowsExactly<ArgumentException>(() => HessianPowerIteration.TopEigenvalue(p.sum(), Array.Empty<Tensor>()));
        Tensor constant = ones(3);
        Assert.ThrowsExactly<ArgumentException>(() => HessianPowerIteration.TopEigenvalue(p.sum() + constant.sum(), new[] { constant }));
    }
}
