using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>The one scan for NaN and infinite entries behind the divergence checks (weights, Jacobians).</summary>
internal static class NonFiniteValues
{
    /// <summary>
    /// The flat index and value of the first NaN or infinite entry of <paramref name="t"/>, or null when every entry is
    /// finite. One reduction and one host read on the common, finite path; the search only runs on divergence.
    /// </summary>
    public static (long Index, double Value)? First(Tensor t)
    {
        using var scope = NewDisposeScope();
        Tensor flat = t.detach().flatten();
        Tensor finite = flat.isfinite();
        if (finite.all().item<bool>()) return null;
        long index = finite.logical_not().nonzero()[0, 0].item<long>();
        return (index, flat[index].to_type(ScalarType.Float64).item<double>());
    }
}
