namespace Mtl.Datasets;

/// <summary>
/// The Multi-MNIST canvas protocol (Sabour et al. 2017 as used by Sener &amp; Koltun 2018, Lin et al. 2019,
/// Kurin et al. 2022): two 28×28 images are placed on a 36×36 canvas — the left one at rows/columns
/// [0, 28), the right one at [6, 34) — overlapping pixels take the maximum, and the canvas is resized
/// back to 28×28 by nearest-neighbour sampling.
/// </summary>
/// <remarks>
/// Resize rule (PyTorch <c>interpolate(mode='nearest')</c> with an output size): output index d reads
/// source index <c>floor(d · 36 / 28)</c>, computed exactly in integers. Over 0…27 this reads source
/// rows/columns 0, 1, 2, 3, 5, 6, 7, 9, …, 33, 34 and skips 4, 8, 13, 17, 22, 26, 31 and 35.
/// </remarks>
public static class MultiImageCanvas
{
    /// <summary>Side of each input image.</summary>
    public const int ImageSize = 28;

    /// <summary>Side of the canvas the two images are placed on.</summary>
    public const int CanvasSize = 36;

    /// <summary>Row and column offset of the right image on the canvas (the left one is at 0).</summary>
    public const int RightOffset = 6;

    /// <summary>Side of the resized output image.</summary>
    public const int OutputSize = 28;

    /// <summary>
    /// Places <paramref name="left"/> at [0,28)² and <paramref name="right"/> at [6,34)² on a zeroed 36×36
    /// canvas, taking the maximum where they overlap.
    /// </summary>
    /// <param name="left">28×28 row-major pixels.</param>
    /// <param name="right">28×28 row-major pixels.</param>
    /// <param name="canvas">Receives the 36×36 row-major canvas.</param>
    public static void Compose(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> canvas)
    {
        CheckLength(left, ImageSize * ImageSize, nameof(left));
        CheckLength(right, ImageSize * ImageSize, nameof(right));
        CheckLength(canvas, CanvasSize * CanvasSize, nameof(canvas));
        for (int y = 0; y < CanvasSize; y++)
        {
            for (int x = 0; x < CanvasSize; x++)
                canvas[y * CanvasSize + x] = CanvasPixel(left, right, y, x);
        }
    }

    /// <summary>
    /// Nearest-neighbour source index for output index <paramref name="destination"/> when resizing
    /// <paramref name="sourceSize"/> to <paramref name="destinationSize"/>: <c>floor(destination · sourceSize / destinationSize)</c>.
    /// </summary>
    public static int NearestSourceIndex(int destination, int sourceSize, int destinationSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(destinationSize, 1);
        if ((uint)destination >= (uint)destinationSize)
            throw new ArgumentOutOfRangeException(nameof(destination), $"Index {destination} is outside 0..{destinationSize - 1}.");
        return (int)((long)destination * sourceSize / destinationSize);
    }

    /// <summary>Nearest-neighbour resize of a square image (see <see cref="NearestSourceIndex"/>).</summary>
    /// <param name="source">Row-major pixels, <paramref name="sourceSize"/>².</param>
    /// <param name="sourceSize">Side of the source.</param>
    /// <param name="destination">Receives <paramref name="destinationSize"/>² row-major pixels.</param>
    /// <param name="destinationSize">Side of the output.</param>
    public static void ResizeNearest(ReadOnlySpan<byte> source, int sourceSize, Span<byte> destination, int destinationSize)
    {
        CheckLength(source, sourceSize * sourceSize, nameof(source));
        CheckLength(destination, destinationSize * destinationSize, nameof(destination));
        for (int y = 0; y < destinationSize; y++)
        {
            int sy = NearestSourceIndex(y, sourceSize, destinationSize);
            for (int x = 0; x < destinationSize; x++)
                destination[y * destinationSize + x] = source[sy * sourceSize + NearestSourceIndex(x, sourceSize, destinationSize)];
        }
    }

    /// <summary>
    /// Compose then resize in one pass, reading only the 28×28 canvas pixels the resize keeps;
    /// identical to <see cref="Compose"/> followed by <see cref="ResizeNearest"/> to <see cref="OutputSize"/>.
    /// </summary>
    /// <param name="left">28×28 row-major pixels.</param>
    /// <param name="right">28×28 row-major pixels.</param>
    /// <param name="output">Receives the 28×28 row-major result.</param>
    public static void ComposeResized(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> output)
    {
        CheckLength(left, ImageSize * ImageSize, nameof(left));
        CheckLength(right, ImageSize * ImageSize, nameof(right));
        CheckLength(output, OutputSize * OutputSize, nameof(output));
        // Hot path (every row read): per output row, pick the two source rows once, then gather columns
        // through the precomputed tables; -1 marks a column outside that image.
        var leftColumns = s_leftSource;
        var rightColumns = s_rightSource;
        for (int y = 0; y < OutputSize; y++)
        {
            int leftRow = leftColumns[y], rightRow = rightColumns[y];
            var outputRow = output.Slice(y * OutputSize, OutputSize);
            var leftPixels = leftRow >= 0 ? left.Slice(leftRow * ImageSize, ImageSize) : default;
            var rightPixels = rightRow >= 0 ? right.Slice(rightRow * ImageSize, ImageSize) : default;
            for (int x = 0; x < OutputSize; x++)
            {
                int lx = leftColumns[x], rx = rightColumns[x];
                byte l = leftRow >= 0 && lx >= 0 ? leftPixels[lx] : (byte)0;
                byte r = rightRow >= 0 && rx >= 0 ? rightPixels[rx] : (byte)0;
                outputRow[x] = Math.Max(l, r);
            }
        }
    }

    /// <summary>For each output index, the left image's row/column it reads (-1 = outside the left image).</summary>
    private static readonly int[] s_leftSource = SourceTable(0);

    /// <summary>For each output index, the right image's row/column it reads (-1 = outside the right image).</summary>
    private static readonly int[] s_rightSource = SourceTable(RightOffset);

    private static int[] SourceTable(int offset)
    {
        var table = new int[OutputSize];
        for (int d = 0; d < OutputSize; d++)
        {
            int inImage = NearestSourceIndex(d, CanvasSize, OutputSize) - offset;
            table[d] = inImage is >= 0 and < ImageSize ? inImage : -1;
        }
        return table;
    }

    private static byte CanvasPixel(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, int y, int x)
    {
        byte fromLeft = y < ImageSize && x < ImageSize ? left[y * ImageSize + x] : (byte)0;
        int ry = y - RightOffset, rx = x - RightOffset;
        byte fromRight = (uint)ry < ImageSize && (uint)rx < ImageSize ? right[ry * ImageSize + rx] : (byte)0;
        return Math.Max(fromLeft, fromRight);
    }

    private static void CheckLength<T>(ReadOnlySpan<T> span, int expected, string name)
    {
        if (span.Length != expected)
            throw new ArgumentException($"Expected {expected} pixels, got {span.Length}.", name);
    }

    private static void CheckLength<T>(Span<T> span, int expected, string name) => CheckLength((ReadOnlySpan<T>)span, expected, name);
}
