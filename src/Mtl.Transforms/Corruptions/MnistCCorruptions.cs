using System.Buffers;

namespace Mtl.Transforms.Corruptions;

/// <summary>
/// Base of the MNIST-C additions (Mu &amp; Gilmer 2019): their pixel lengths are defined at 28 px and
/// scaled by min(H, W) / 28 when size scaling is on.
/// </summary>
public abstract class MnistCCorruption : Corruption
{
    /// <summary>Reference size of the MNIST-C definitions.</summary>
    public const int ReferenceSize = 28;

    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.MnistC;

    /// <summary>Factor from 28-px lengths to this image.</summary>
    /// <param name="image">The image.</param>
    /// <param name="level">Resolved level.</param>
    protected static double Scale28(PlanarImage image, CorruptionLevel level)
        => level.ScaleToImageSize ? Math.Min(image.Height, image.Width) / (double)ReferenceSize : 1.0;

    /// <summary>
    /// Adds an anti-aliased stroke from (c0, r0) to (c1, r1) (column, row; c0 &lt; c1) to a plane:
    /// intensity log(1 − d/width) + 1 at vertical distance d from the line, over columns ⌊c0⌋ … ⌈c1⌉ − 1,
    /// then clipped to [0, 1] — MNIST-C's line profile (width 2.3 px at 28 px).
    /// </summary>
    /// <param name="plane">H×W values.</param>
    /// <param name="h">Rows.</param>
    /// <param name="w">Columns.</param>
    /// <param name="c0">Start column.</param>
    /// <param name="r0">Start row.</param>
    /// <param name="c1">End column.</param>
    /// <param name="r1">End row.</param>
    /// <param name="width">Profile half-width in pixels.</param>
    /// <param name="skipColumn">Columns for which this returns true get no stroke (dotted lines).</param>
    protected static void AddStroke(Span<float> plane, int h, int w, double c0, double r0, double c1, double r1, double width, Func<int, bool>? skipColumn = null)
    {
        if (c1 == c0) return;
        double slope = (r1 - r0) / (c1 - c0);
        int first = Math.Max(0, (int)Math.Floor(c0)), last = Math.Min(w, (int)Math.Ceiling(c1));
        for (int c = first; c < last; c++)
        {
            if (skipColumn is not null && skipColumn(c)) continue;
            double f = slope * (c - c0) + r0;
            int top = Math.Max(0, (int)Math.Floor(f - width)), bottom = Math.Min(h - 1, (int)Math.Ceiling(f + width));
            for (int r = top; r <= bottom; r++)
            {
                double d = Math.Abs(r - f);
                if (d >= width) continue;
                double v = Math.Clamp(Math.Log(1 - d / width) + 1, 0, 1);
                int i = r * w + c;
                plane[i] = (float)Math.Min(1, plane[i] + v);
            }
        }
    }
}

/// <summary>Shear about the centre by c ∈ {.2, .4, .6, .8, 1} (radians, random sign); MNIST-C uses severity 2.</summary>
public sealed class Shear : MnistCCorruption
{
    private static readonly double[] Amount = [.2, .4, .6, .8, 1];

    /// <inheritdoc />
    public override string Name => "shear";
    /// <inheritdoc />
    public override string Description => "Affine shear about the centre, angle .2–1 rad with a random sign, zero fill.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double c = Amount[level.Severity - 1] * (random.NextDouble() < .5 ? -1 : 1);
        ImageOps.WarpAffine(image, ImageOps.AboutCentre(image.Height, image.Width, 1, -Math.Sin(c), 0, Math.Cos(c)), Border.Zero);
    }
}

/// <summary>Rotation about the centre by c ∈ {.2, .4, .6, .8, 1} rad with a random sign; MNIST-C uses severity 2.</summary>
public sealed class Rotate : MnistCCorruption
{
    private static readonly double[] Angle = [.2, .4, .6, .8, 1];

    /// <inheritdoc />
    public override string Name => "rotate";
    /// <inheritdoc />
    public override string Description => "Rotation about the centre by .2–1 rad with a random sign, zero fill.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double a = Angle[level.Severity - 1] * (random.NextDouble() < .5 ? -1 : 1);
        ImageOps.WarpAffine(image, ImageOps.AboutCentre(image.Height, image.Width, Math.Cos(a), -Math.Sin(a), Math.Sin(a), Math.Cos(a)), Border.Zero);
    }
}

/// <summary>Shrink about the centre to f ∈ {.9, .8, .7, .6, .5} of the size; MNIST-C uses severity 3 (×0.7).</summary>
public sealed class Scale : MnistCCorruption
{
    private static readonly double[] Factor = [.9, .8, .7, .6, .5];

    /// <inheritdoc />
    public override string Name => "scale";
    /// <inheritdoc />
    public override string Description => "Shrink about the centre to .9–.5 of the size, zero fill.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double inv = 1 / Factor[level.Severity - 1];
        ImageOps.WarpAffine(image, ImageOps.AboutCentre(image.Height, image.Width, inv, 0, 0, inv), Border.Zero);
    }
}

/// <summary>Translation by c ∈ {1 … 5} px (at 28 px) along each axis with independent random signs; MNIST-C uses severity 3.</summary>
public sealed class Translate : MnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "translate";
    /// <inheritdoc />
    public override string Description => "Shift by ±c px on each axis (c = severity at 28 px, scaled), zero fill.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double c = level.Severity * Scale28(image, level);
        double dx = random.NextDouble() < .5 ? -c : c, dy = random.NextDouble() < .5 ? -c : c;
        ImageOps.WarpAffine(image, [1, 0, dx, 0, 1, dy], Border.Zero);
    }
}

/// <summary>Quantization to 2^b levels, b ∈ {5, 4, 3, 2, 1}.</summary>
public sealed class Quantize : MnistCCorruption
{
    private static readonly int[] Bits = [5, 4, 3, 2, 1];

    /// <inheritdoc />
    public override string Name => "quantize";
    /// <inheritdoc />
    public override string Description => "Round to 2^b evenly spaced levels, b = 5 … 1.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        float steps = (1 << Bits[level.Severity - 1]) - 1;
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] = MathF.Round(d[i] * steps) / steps;
    }
}

/// <summary>Base of the single-strength MNIST-C corruptions (severity 1 only).</summary>
public abstract class FixedMnistCCorruption : MnistCCorruption
{
    /// <inheritdoc />
    public override int MaxSeverity => 1;
}

/// <summary>Inverts the image: 1 − x.</summary>
public sealed class Inverse : FixedMnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "inverse";
    /// <inheritdoc />
    public override string Description => "1 − x.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] = 1 - d[i];
    }
}

/// <summary>Inverts the left and right quarters of the columns (columns 0–6 and 21–27 at 28 px).</summary>
public sealed class Stripe : FixedMnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "stripe";
    /// <inheritdoc />
    public override string Description => "1 − x on the outer quarters of the columns (0–6 and 21–27 at 28 px).";

    /// <summary>Width in columns of each inverted band (a quarter of the width, rounded).</summary>
    /// <param name="width">Image width.</param>
    public static int BandWidth(int width) => (int)Math.Round(width / 4.0, MidpointRounding.AwayFromZero);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        int w = image.Width, band = BandWidth(w);
        for (int c = 0; c < image.Channels; c++)
        {
            var plane = image.Plane(c);
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < w; x++)
                    if (x < band || x >= w - band) plane[y * w + x] = 1 - plane[y * w + x];
        }
    }
}

/// <summary>A random bright line from the left part to the right part of the image.</summary>
public sealed class Line : FixedMnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "line";
    /// <inheritdoc />
    public override string Description => "Adds an anti-aliased line from a random left point to a random right point.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double s = Scale28(image, level);
        double c0 = random.NextInt(5) * s, c1 = random.NextIntInclusive(22, 26) * s;
        double r0 = random.NextInt(27) * s, r1 = random.NextInt(27) * s;
        for (int c = 0; c < image.Channels; c++)
            AddStroke(image.Plane(c), image.Height, image.Width, c0, r0, c1, r1, 2.3 * s);
    }
}

/// <summary>A random line across the full width, drawn in dashes (2 px off, 2 px on at 28 px).</summary>
public sealed class DottedLine : FixedMnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "dotted_line";
    /// <inheritdoc />
    public override string Description => "Adds a dashed anti-aliased line across the image between two random rows.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double s = Scale28(image, level);
        double r0 = random.NextInt(27) * s, r1 = random.NextInt(27) * s;
        double dash = 2 * s;
        bool Gap(int column) => ((int)Math.Floor(column / dash) & 1) == 0;
        for (int c = 0; c < image.Channels; c++)
            AddStroke(image.Plane(c), image.Height, image.Width, 0, r0, image.Width - 1, r1, 2.3 * s, Gap);
    }
}

/// <summary>A zigzag stroke (half-period 2 px, amplitude 2 px at 28 px) along a random gently sloped line.</summary>
public sealed class Zigzag : FixedMnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "zigzag";
    /// <inheritdoc />
    public override string Description => "Adds a zigzag stroke from column 2 to 25 (at 28 px) around a random sloped line.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double s = Scale28(image, level);
        double a = 2 * s, b = 2 * s, c0 = 2 * s, c1 = 25 * s;
        double r0 = random.NextInt(27) * s;
        double r1 = r0 + (random.NextInt(10) - 5) * s;
        double theta = Math.Atan((r1 - r0) / (c1 - c0));
        double length = (c1 - c0) / Math.Cos(theta);
        // Vertices along the unrotated line: (0,0), (a, b), (3a, −b), … then the end point.
        var vertices = new List<(double C, double R)> { (0, 0) };
        for (int i = 0; (2 * i + 1) * a < length; i++) vertices.Add(((2 * i + 1) * a, (i % 2 == 0 ? 1 : -1) * b));
        vertices.Add((length, 0));
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        for (int ch = 0; ch < image.Channels; ch++)
        {
            var plane = image.Plane(ch);
            for (int i = 1; i < vertices.Count; i++)
            {
                var (pc, pr) = vertices[i - 1];
                var (qc, qr) = vertices[i];
                AddStroke(plane, image.Height, image.Width,
                    c0 + cos * pc - sin * pr, r0 + sin * pc + cos * pr,
                    c0 + cos * qc - sin * qr, r0 + sin * qc + cos * qr, 2.3 * s);
            }
        }
    }
}

/// <summary>
/// Canny edge map (σ = 1 px at 28 px, Sobel gradients, non-maximum suppression, hysteresis with
/// thresholds .1 and .2): edges become 1, everything else 0. RGB images use their luma.
/// </summary>
public sealed class CannyEdges : FixedMnistCCorruption
{
    /// <inheritdoc />
    public override string Name => "canny_edges";
    /// <inheritdoc />
    public override string Description => "Binary Canny edge map (σ 1 px at 28 px, thresholds .1/.2).";

    /// <summary>Computes a binary Canny edge map of a plane into <paramref name="edges"/>.</summary>
    /// <param name="plane">H×W intensities in [0, 1].</param>
    /// <param name="h">Rows.</param>
    /// <param name="w">Columns.</param>
    /// <param name="sigma">Smoothing σ.</param>
    /// <param name="low">Low hysteresis threshold on the gradient magnitude.</param>
    /// <param name="high">High hysteresis threshold.</param>
    /// <param name="edges">H×W destination (0 or 1).</param>
    public static void EdgeMap(ReadOnlySpan<float> plane, int h, int w, double sigma, float low, float high, Span<float> edges)
    {
        int n = h * w;
        float[] rented = ArrayPool<float>.Shared.Rent(4 * n);
        int[] stack = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var smooth = rented.AsSpan(0, n);
            var gx = rented.AsSpan(n, n);
            var gy = rented.AsSpan(2 * n, n);
            var mag = rented.AsSpan(3 * n, n);
            plane.CopyTo(smooth);
            ImageOps.ConvolveSeparable(smooth, h, w, ImageOps.GaussianKernel(sigma), Border.Nearest);
            for (int y = 0; y < h; y++)
            {
                int up = Math.Max(0, y - 1) * w, mid = y * w, down = Math.Min(h - 1, y + 1) * w;
                for (int x = 0; x < w; x++)
                {
                    int l = Math.Max(0, x - 1), r = Math.Min(w - 1, x + 1);
                    float sx = (smooth[up + r] + 2 * smooth[mid + r] + smooth[down + r]) - (smooth[up + l] + 2 * smooth[mid + l] + smooth[down + l]);
                    float sy = (smooth[down + l] + 2 * smooth[down + x] + smooth[down + r]) - (smooth[up + l] + 2 * smooth[up + x] + smooth[up + r]);
                    int i = y * w + x;
                    gx[i] = sx; gy[i] = sy;
                    mag[i] = MathF.Sqrt(sx * sx + sy * sy);
                }
            }
            edges.Clear();
            int top = 0;
            // Non-maximum suppression along the gradient direction (4 sectors), border pixels excluded.
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++)
                {
                    int i = y * w + x;
                    float m = mag[i];
                    if (m < low) continue;
                    double angle = Math.Atan2(gy[i], gx[i]) * 180 / Math.PI;
                    if (angle < 0) angle += 180;
                    int step = angle < 22.5 || angle >= 157.5 ? 1 : angle < 67.5 ? w + 1 : angle < 112.5 ? w : w - 1;
                    if (m < mag[i - step] || m < mag[i + step]) continue;
                    edges[i] = m >= high ? 1f : 0.5f; // 0.5 marks a weak candidate
                    if (m >= high) stack[top++] = i;
                }
            // Hysteresis: weak candidates connected (8-neighbourhood) to strong edges become edges.
            while (top > 0)
            {
                int i = stack[--top];
                int y = i / w, x = i % w;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        if ((uint)yy >= (uint)h || (uint)xx >= (uint)w) continue;
                        int j = yy * w + xx;
                        if (edges[j] == 0.5f) { edges[j] = 1f; stack[top++] = j; }
                    }
            }
            for (int i = 0; i < n; i++) if (edges[i] != 1f) edges[i] = 0f;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
            ArrayPool<int>.Shared.Return(stack);
        }
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        int n = image.PlaneSize;
        float[] rented = ArrayPool<float>.Shared.Rent(2 * n);
        try
        {
            var gray = rented.AsSpan(0, n);
            var edges = rented.AsSpan(n, n);
            ImageOps.Luma(image, gray);
            EdgeMap(gray, image.Height, image.Width, Scale28(image, level), .1f, .2f, edges);
            for (int c = 0; c < image.Channels; c++) edges.CopyTo(image.Plane(c));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
