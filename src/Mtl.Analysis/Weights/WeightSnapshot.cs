using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Weights;

/// <summary>
/// A copy of parameter groups' values at one moment (e.g. initialisation), one flat float64 vector per group. It owns
/// native memory outside any dispose scope: dispose it.
/// </summary>
public sealed class WeightSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> values;

    private WeightSnapshot(Dictionary<string, Tensor> values) => this.values = values;

    /// <summary>Copies the current values of <paramref name="groups"/> (names must be distinct).</summary>
    public static WeightSnapshot Capture(IReadOnlyList<ParameterGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.Count == 0) throw new ArgumentException("A snapshot needs at least one parameter group.", nameof(groups));
        var copies = new Dictionary<string, Tensor>();
        using var scope = NewDisposeScope(); // intermediates die here; the copies are detached from it
        try
        {
            foreach (ParameterGroup group in groups)
            {
                if (copies.ContainsKey(group.Name)) throw new ArgumentException($"Two parameter groups are named \"{group.Name}\".", nameof(groups));
                copies[group.Name] = Flatten(group).DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (Tensor t in copies.Values) t.Dispose();
            throw;
        }
        return new WeightSnapshot(copies);
    }

    /// <summary>Group names in the snapshot.</summary>
    public IReadOnlyCollection<string> GroupNames => values.Keys;

    /// <summary>The group's values as one flat vector (owned by the snapshot).</summary>
    internal Tensor Values(ParameterGroup group)
    {
        if (!values.TryGetValue(group.Name, out Tensor? v))
            throw new ArgumentException($"The snapshot has no group \"{group.Name}\"; it holds {string.Join(", ", values.Keys)}.", nameof(group));
        long size = group.Parameters.Sum(p => p.numel());
        if (v.numel() != size)
            throw new ArgumentException($"Group \"{group.Name}\" has {size} values now but {v.numel()} in the snapshot; compare snapshots of the same network.", nameof(group));
        return v;
    }

    /// <summary>The group's current values as one flat float64 vector, detached from autograd.</summary>
    internal static Tensor Flatten(ParameterGroup group)
    {
        using var noGrad = no_grad();
        if (group.Parameters.Count == 0) return zeros(0, ScalarType.Float64);
        return cat(group.Parameters.Select(p => p.detach().flatten().to_type(ScalarType.Float64)).ToArray(), 0).clone();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in values.Values) t.Dispose();
        values.Clear();
    }
}
