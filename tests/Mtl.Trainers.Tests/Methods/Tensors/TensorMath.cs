using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests.Methods.Tensors;

internal static class TensorMath
{
    /// <summary>Scalar float64 leaves that require grad.</summary>
    public static Tensor[] Leaves(params double[] values) =>
        values.Select(v => torch.tensor(v, ScalarType.Float64).requires_grad_()).ToArray();

    public static double Value(Tensor t)
    {
        using var d = t.detach();
        using var f = d.to_type(ScalarType.Float64);
        return f.item<double>();
    }

    public static double[] Values(Tensor t)
    {
        using var d = t.detach();
        using var f = d.to_type(ScalarType.Float64);
        return f.data<double>().ToArray();
    }

    public static double[] Grads(IEnumerable<Tensor> leaves) => leaves.Select(l =>
    {
        using var g = l.grad ?? throw new AssertFailedException("a leaf has no gradient");
        return Value(g);
    }).ToArray();
}
