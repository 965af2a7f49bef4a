using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>
/// Compares autograd gradients with central finite differences in float64. Every element of every tensor in "wrt"
/// (inputs and parameters) is perturbed by ±eps and the scalar function re-evaluated without grad.
/// </summary>
internal static class GradCheck
{
    public const double Eps = 1e-6;

    /// <summary>Checks d f / d wrt for a scalar-valued f.</summary>
    public static void Check(string what, Func<Tensor> f, IReadOnlyList<Tensor> wrt, double atol = 1e-6, double rtol = 1e-5)
    {
        Assert.IsTrue(wrt.Count > 0, $"{what}: nothing to differentiate");
        foreach (Tensor w in wrt)
        {
            Assert.AreEqual(ScalarType.Float64, w.dtype, $"{what}: gradcheck needs float64 tensors");
            Assert.IsTrue(w.requires_grad && w.is_leaf && w.is_contiguous(), $"{what}: gradcheck needs contiguous leaves that require grad");
        }

        double[][] analytic;
        using (var scope = NewDisposeScope())
        {
            Tensor y = f();
            Assert.AreEqual(1L, y.numel(), $"{what}: the checked function must return a scalar");
            IList<Tensor?> grads = autograd.grad(new[] { y }, wrt.ToArray(), allow_unused: true);
            analytic = grads.Select((g, i) => g?.ToArray<double>() ?? new double[wrt[i].numel()]).ToArray();
        }

        int checkedElements = 0;
        double largest = 0;
        for (int t = 0; t < wrt.Count; t++)
        {
            Span<double> data = wrt[t].data<double>();
            for (int i = 0; i < data.Length; i++)
            {
                double original = data[i];
                data[i] = original + Eps;
                double plus = Evaluate(f);
                data[i] = original - Eps;
                double minus = Evaluate(f);
                data[i] = original;
                double numeric = (plus - minus) / (2 * Eps);
                double error = Math.Abs(numeric - analytic[t][i]);
                largest = Math.Max(largest, Math.Abs(numeric));
                if (error > atol + rtol * Math.Abs(numeric))
                    Assert.Fail($"{what}: gradient of tensor {t} (shape [{string.Join(", ", wrt[t].shape)}]) element {i}: autograd {analytic[t][i]:G10}, finite difference {numeric:G10}");
                checkedElements++;
            }
        }
        // A check where every derivative is zero could pass for a broken backward; the cases are built to avoid that.
        Assert.IsTrue(largest > 1e-3, $"{what}: all {checkedElements} finite-difference derivatives are ~0, so the check proves nothing");
    }

    /// <summary>Checks a tensor-valued f through a fixed random projection ⟨f(·), R⟩ (so every output direction counts).</summary>
    public static void CheckOutput(string what, Func<Tensor> f, IReadOnlyList<Tensor> wrt, double atol = 1e-6, double rtol = 1e-5)
    {
        Tensor projection;
        using (no_grad())
        {
            using Tensor sample = f();
            projection = randn(sample.shape, ScalarType.Float64).DetachFromDisposeScope();
        }
        try
        {
            Check(what, () => (f() * projection).sum(), wrt, atol, rtol);
        }
        finally
        {
            projection.Dispose();
        }
    }

    /// <summary>Checks a module: gradients w.r.t. its input and all its parameters.</summary>
    public static void CheckModule(string what, nn.Module<Tensor, Tensor> module, Tensor input, long? dropoutSeed = null)
    {
        var wrt = new List<Tensor> { input };
        wrt.AddRange(module.parameters());
        CheckOutput(what, () =>
        {
            if (dropoutSeed is { } s) manual_seed(s); // the same dropout mask in every evaluation
            return module.call(input);
        }, wrt);
    }

    /// <summary>A float64 leaf with N(0,1) values that requires grad.</summary>
    public static Tensor Leaf(params long[] shape) => randn(shape, ScalarType.Float64).requires_grad_();

    private static double Evaluate(Func<Tensor> f)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        return f().item<double>();
    }
}
