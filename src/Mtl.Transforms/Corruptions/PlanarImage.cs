namespace Mtl.Transforms.Corruptions;

/// <summary>
/// A float image in [0, 1], planar channel-height-width (C×H×W): channel c, row y, column x is at
/// <c>Data[(c * Height + y) * Width + x]</c>. One channel is gray, three are RGB.
/// </summary>
public sealed class PlanarImage
{
    /// <summary>Creates a zero image.</summary>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="width">Columns, at least 1.</param>
    public PlanarImage(int channels, int height, int width)
        : this(channels, height, width, new float[CheckedLength(channels, height, width)])
    {
    }

    /// <summary>Wraps an existing planar buffer (not copied).</summary>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="width">Columns, at least 1.</param>
    /// <param name="data">C×H×W values.</param>
    public PlanarImage(int channels, int height, int width, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int length = CheckedLength(channels, height, width);
        if (data.Length != length)
            throw new ArgumentException($"A {channels}×{height}×{width} image needs {length} values, but the buffer has {data.Length}.", nameof(data));
        Channels = channels;
        Height = height;
        Width = width;
        Data = data;
    }

    /// <summary>Number of channels: 1 (gray) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>Number of rows.</summary>
    public int Height { get; }

    /// <summary>Number of columns.</summary>
    public int Width { get; }

    /// <summary>The planar values, C×H×W.</summary>
    public float[] Data { get; }

    /// <summary>Pixels per channel (H·W).</summary>
    public int PlaneSize => Height * Width;

    /// <summary>The span of one channel.</summary>
    /// <param name="channel">Channel index.</param>
    public Span<float> Plane(int channel) => Data.AsSpan(channel * PlaneSize, PlaneSize);

    /// <summary>Value at (channel, row, column).</summary>
    /// <param name="channel">Channel index.</param>
    /// <param name="y">Row.</param>
    /// <param name="x">Column.</param>
    public float this[int channel, int y, int x]
    {
        get => Data[(channel * Height + y) * Width + x];
        set => Data[(channel * Height + y) * Width + x] = value;
    }

    /// <summary>A deep copy.</summary>
    public PlanarImage Clone() => new(Channels, Height, Width, (float[])Data.Clone());

    /// <summary>Copies the values of an image of the same shape into this one.</summary>
    /// <param name="source">Image of equal shape.</param>
    public void CopyFrom(PlanarImage source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Channels != Channels || source.Height != Height || source.Width != Width)
            throw new ArgumentException($"Shape {source.Channels}×{source.Height}×{source.Width} differs from {Channels}×{Height}×{Width}.", nameof(source));
        source.Data.AsSpan().CopyTo(Data);
    }

    /// <summary>Clamps every value into [0, 1]; NaN becomes 0.</summary>
    public void Clamp01()
    {
        var d = Data;
        for (int i = 0; i < d.Length; i++)
        {
            float v = d[i];
            d[i] = v > 0f ? (v < 1f ? v : 1f) : 0f;
        }
    }

    private static int CheckedLength(int channels, int height, int width)
    {
        if (channels != 1 && channels != 3)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images have 1 (gray) or 3 (RGB) channels.");
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"Image size {height}×{width} must be at least 1×1.");
        return checked(channels * height * width);
    }
}
