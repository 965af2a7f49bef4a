using static TorchSharp.torch;

namespace Mtl.Analysis.Weights;

/// <summary>Distance of parameter groups from a snapshot, e.g. the weights at initialisation (trunk and heads apart).</summary>
public static class WeightDistance
{
    /// <summary>‖θ − θ₀‖ and ‖θ − θ₀‖/‖θ₀‖ for every group, θ₀ taken from <paramref name="reference"/>.</summary>
    public static IReadOnlyList<GroupDistance> From(WeightSnapshot reference, IReadOnlyList<ParameterGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(groups);
        using var scope = NewDisposeScope();
        return groups.Select(g =>
        {
            Tensor initial = reference.Values(g);
            double distance = (WeightSnapshot.Flatten(g) - initial).norm().item<double>();
            double norm = initial.norm().item<double>();
            return new GroupDistance(g.Name, distance, norm, norm > 0 ? distance / norm : double.NaN);
        }).ToArray();
    }
}
