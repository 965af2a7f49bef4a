using Mtl.Torch.Native;

namespace Mtl.Torch;

/// <summary>Device kinds; values are libtorch's <c>DeviceType</c> codes.</summary>
public enum DeviceType
{
    /// <summary>The CPU.</summary>
    CPU = 0,
    /// <summary>An NVIDIA GPU through CUDA.</summary>
    CUDA = 1,
}

/// <summary>Where a tensor lives (TorchSharp's <c>torch.Device</c>).</summary>
public sealed class Device : IEquatable<Device>
{
    /// <summary>Creates a device of a kind and index (-1 = the current one).</summary>
    public Device(DeviceType type, int index = -1)
    {
        type_ = type;
        index_ = index;
    }

    /// <summary>Parses "cpu", "cuda" or "cuda:N".</summary>
    public Device(string description)
    {
        string d = description.Trim().ToLowerInvariant();
        if (d == "cpu") { type_ = DeviceType.CPU; index_ = -1; return; }
        if (d.StartsWith("cuda", StringComparison.Ordinal))
        {
            type_ = DeviceType.CUDA;
            index_ = d.Length > 5 && d[4] == ':' && int.TryParse(d.AsSpan(5), out int i) ? i : (d == "cuda" ? -1 : throw Bad(description));
            return;
        }
        throw Bad(description);
    }

    private static ArgumentException Bad(string d) =>
        new($"Unknown device '{d}'. Use \"cpu\", \"cuda\" or \"cuda:N\".", nameof(d));

    private readonly DeviceType type_;
    private readonly int index_;

    /// <summary>The device kind.</summary>
    public DeviceType type => type_;

    /// <summary>The device index (-1 = current).</summary>
    public int index => index_;

    /// <summary>Throws a clear error when this is a CUDA device and the loaded libtorch has no usable CUDA.</summary>
    internal void EnsureAvailable()
    {
        if (type_ == DeviceType.CUDA && !torch.cuda.is_available())
            throw new TorchException(
                "CUDA was requested, but the loaded libtorch has no CUDA support or no GPU is visible. " +
                "Debian's libtorch is CPU-only; use torch.CPU here, or run on a machine with a CUDA build of libtorch.");
    }

    /// <inheritdoc />
    public bool Equals(Device? other) => other is not null && other.type_ == type_ && other.index_ == index_;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Device);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(type_, index_);

    /// <inheritdoc />
    public override string ToString() => type_ == DeviceType.CPU ? "cpu" : index_ < 0 ? "cuda" : $"cuda:{index_}";
}
