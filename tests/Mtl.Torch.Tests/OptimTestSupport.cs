using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>Float64 parameters with given gradients, and assertions on their values.</summary>
internal static class OptimTestSupport
{
    public static Parameter Param(params double[] values)
    {
        using var scope = NewDisposeScope();
        return new Parameter(tensor(values));
    }

    public static void SetGrad(Parameter p, params double[] gradient)
    {
        using var scope = NewDisposeScope();
        p.grad = tensor(gradient);
    }

    public static double[] Values(Tensor t) => t.ToArray<double>();

    public static void AssertValues(double[] expected, Tensor actual, double tolerance = 1e-12, string what = "") =>
        AssertValues(expected, actual.ToArray<double>(), tolerance, what);

    public static void AssertValues(double[] expected, double[] a, double tolerance = 1e-12, string what = "")
    {
        Assert.HasCount(expected.Length, a, what);
        for (int i = 0; i < a.Length; i++)
            Assert.AreEqual(expected[i], a[i], tolerance, $"{what} element {i}: expected {expected[i]:R}, got {a[i]:R}");
    }

    /// <summary>Runs a step per gradient list on an optimizer over one parameter and returns the values after each step.</summary>
    public static List<double[]> Run(optim.Optimizer optimizer, Parameter p, params double[][] gradients)
    {
        var trajectory = new List<double[]>();
        foreach (double[] g in gradients)
        {
            SetGrad(p, g);
            optimizer.step();
            trajectory.Add(Values(p));
        }
        return trajectory;
    }
}
