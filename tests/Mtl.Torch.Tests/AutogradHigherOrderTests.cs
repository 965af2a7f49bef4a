using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>torch.autograd.grad with create_graph: Hessian-vector products.</summary>
[TestClass]
public class AutogradHigherOrderTests
{
    /// <summary>Hv by double backward: differentiate ⟨∇f(x), v⟩ with respect to x.</summary>
    private static Tensor HessianVectorProduct(Func<Tensor, Tensor> f, Tensor x, Tensor v)
    {
        Tensor gradient = autograd.grad(new[] { f(x) }, new[] { x }, create_graph: true)[0]!;
        Assert.IsTrue(gradient.requires_grad, "create_graph keeps the gradient differentiable");
        return autograd.grad(new[] { (gradient * v).sum() }, new[] { x })[0]!;
    }

    [TestMethod]
    public void HessianVectorProductOfQuadraticPlusSinesMatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        const int n = 6;
        Tensor m = randn(new long[] { n, n }, ScalarType.Float64);
        Tensor a = (m + m.t()) / 2; // symmetric
        Tensor x = randn(new long[] { n }, ScalarType.Float64).requires_grad_();
        Tensor v = randn(new long[] { n }, ScalarType.Float64);

        // f(x) = ½ xᵀAx + Σ sin(x_i)  ⇒  ∇f = Ax + cos x,  H = A − diag(sin x),  Hv = Av − sin(x)∘v.
        Tensor Objective(Tensor z) => 0.5 * z.dot(a.mv(z)) + z.sin().sum();
        Tensor hv = HessianVectorProduct(Objective, x, v);

        double[] av = a.mv(v).ToArray<double>(), xs = x.detach().ToArray<double>(), vs = v.ToArray<double>();
        double[] expected = av.Select((value, i) => value - Math.Sin(xs[i]) * vs[i]).ToArray();
        double[] actual = hv.ToArray<double>();
        for (int i = 0; i < n; i++) Assert.AreEqual(expected[i], actual[i], 1e-12, $"component {i}");

        Tensor gradient = autograd.grad(new[] { Objective(x) }, new[] { x })[0]!;
        double[] expectedGradient = a.mv(x.detach()).ToArray<double>().Select((value, i) => value + Math.Cos(xs[i])).ToArray();
        CollectionAssert.AreEqual(expectedGradient.Select(g => Math.Round(g, 10)).ToArray(), gradient.ToArray<double>().Select(g => Math.Round(g, 10)).ToArray());
    }

    [TestMethod]
    public void HessianVectorProductThroughLayersMatchesFiniteDifferencesOfGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using Sequential net = nn.Sequential(nn.Linear(3, 5, dtype: ScalarType.Float64), nn.Tanh(), nn.Linear(5, 5, dtype: ScalarType.Float64), nn.GELU(),
            nn.Linear(5, 2, dtype: ScalarType.Float64));
        Tensor input = randn(new long[] { 4, 3 }, ScalarType.Float64);
        Tensor target = randn(new long[] { 4, 2 }, ScalarType.Float64);
        Parameter weight = net.parameters().First(); // the first layer's weight, 5×3
        Tensor direction = randn(weight.shape, ScalarType.Float64);

        Tensor Loss() => nn.functional.mse_loss(net.call(input), target) + nn.functional.softplus(net.call(input)).mean();
        Tensor hv = HessianVectorProduct(_ => Loss(), weight, direction);

        // (∇L(w + εv) − ∇L(w − εv)) / 2ε → Hv.
        const double eps = 1e-5;
        double[] Gradient(double shift)
        {
            using var inner = NewDisposeScope();
            using (no_grad()) weight.add_(direction, shift);
            double[] g = autograd.grad(new[] { Loss() }, new Tensor[] { weight })[0]!.ToArray<double>();
            using (no_grad()) weight.sub_(direction, shift);
            return g;
        }
        double[] plus = Gradient(eps), minus = Gradient(-eps);
        double[] actual = hv.ToArray<double>();
        Assert.IsTrue(actual.Any(value => Math.Abs(value) > 1e-3), "a non-trivial Hessian-vector product");
        for (int i = 0; i < actual.Length; i++)
            Assert.AreEqual((plus[i] - minus[i]) / (2 * eps), actual[i], 1e-7, $"component {i}");
    }
}
