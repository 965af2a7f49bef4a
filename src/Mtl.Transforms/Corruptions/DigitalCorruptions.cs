using System.Buffers;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Corruptions;

/// <summary>
/// Brightness: V + c in HSV for RGB (hue and saturation kept, so the pixel is scaled by V'/V),
/// x + c for gray.
/// </summary>
public sealed class Brightness : Corruption
{
    private static readonly double[] Cifar = [.05, .1, .15, .2, .3];
    private static readonly double[] ImageNet = [.1, .2, .3, .4, .5];

    /// <inheritdoc />
    public override string Name => "brightness";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Weather;
    /// <inheritdoc />
    public override string Description => "HSV value + c (gray: x + c); c CIFAR .05–.3, ImageNet .1–.5.";

    /// <summary>The added value c at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static double Shift(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        float shift = (float)Shift(level);
        if (image.Channels == 1)
        {
            var d = image.Data;
            for (int i = 0; i < d.Length; i++) d[i] = Math.Min(1f, d[i] + shift);
            return;
        }
        var r = image.Plane(0); var g = image.Plane(1); var b = image.Plane(2);
        for (int i = 0; i < r.Length; i++)
        {
            float v = Math.Max(r[i], Math.Max(g[i], b[i]));
            float nv = Math.Min(1f, v + shift);
            if (v <= 0f) { r[i] = g[i] = b[i] = nv; continue; }
            float k = nv / v;
            r[i] *= k; g[i] *= k; b[i] *= k;
        }
    }
}

/// <summary>Contrast: (x − mean) · c + mean, with the mean of each channel over the image.</summary>
public sealed class Contrast : Corruption
{
    private static readonly double[] Cifar = [.75, .5, .4, .3, .15];
    private static readonly double[] ImageNet = [.4, .3, .2, .1, .05];

    /// <inheritdoc />
    public override string Name => "contrast";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Digital;
    /// <inheritdoc />
    public override string Description => "(x − channel mean)·c + mean; c CIFAR .75–.15, ImageNet .4–.05.";

    /// <summary>The factor c at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static double Factor(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        float factor = (float)Factor(level);
        for (int c = 0; c < image.Channels; c++)
        {
            var plane = image.Plane(c);
            double sum = 0;
            foreach (float v in plane) sum += v;
            float mean = (float)(sum / plane.Length);
            for (int i = 0; i < plane.Length; i++) plane[i] = (plane[i] - mean) * factor + mean;
        }
    }
}

/// <summary>
/// Saturate: S·a + b in HSV (hue and value kept). A gray image is treated as gray-as-RGB (hue 0,
/// S = 0) and converted back by BT.601 luma, so it changes only through b: x·(1 − 0.701·b).
/// </summary>
public sealed class Saturate : Corruption
{
    private static readonly (double Scale, double Add)[] Cifar = [(.3, 0), (.1, 0), (1.5, 0), (2, .1), (2.5, .2)];
    private static readonly (double Scale, double Add)[] ImageNet = [(.3, 0), (.1, 0), (2, 0), (5, .1), (20, .2)];

    /// <inheritdoc />
    public override string Name => "saturate";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Digital;
    /// <inheritdoc />
    public override bool IsMonotone => false;
    /// <inheritdoc />
    public override string Description => "HSV saturation S·a + b; a gray image changes only through b (x·(1 − .701·b)).";

    /// <summary>The (a, b) row at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static (double Scale, double Add) Parameters(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (a, b) = Parameters(level);
        if (image.Channels == 1)
        {
            float k = (float)(1 - 0.701 * Math.Clamp(b, 0, 1));
            var d = image.Data;
            for (int i = 0; i < d.Length; i++) d[i] *= k;
            return;
        }
        var r = image.Plane(0); var g = image.Plane(1); var bl = image.Plane(2);
        for (int i = 0; i < r.Length; i++)
        {
            float v = Math.Max(r[i], Math.Max(g[i], bl[i]));
            if (v <= 0f) continue; // black: V = 0 stays black whatever S becomes.
            float min = Math.Min(r[i], Math.Min(g[i], bl[i]));
            float s = (v - min) / v;
            float ns = (float)Math.Clamp(s * a + b, 0, 1);
            if (s <= 0f)
            {
                // Gray pixel: hue is 0 (red) by convention, so new saturation pulls G and B down.
                r[i] = v; g[i] = bl[i] = v * (1 - ns);
                continue;
            }
            // Same hue and value: every channel's distance below V scales by S'/S.
            float k = ns / s;
            r[i] = v - (v - r[i]) * k;
            g[i] = v - (v - g[i]) * k;
            bl[i] = v - (v - bl[i]) * k;
        }
    }
}

/// <summary>
/// Elastic transform: a random affine jitter of three control points (±jitter px, reflected
/// borders), then a displacement field α·(G_σ ∗ U(−1, 1)) per axis sampled bilinearly.
/// </summary>
public sealed class ElasticTransform : Corruption
{
    private static readonly (double Alpha, double Sigma, double Jitter)[] Cifar = [(0, 0, 2.56), (1.6, 6.4, 2.24), (2.56, 1.92, 1.92), (3.2, 1.28, 1.6), (3.2, .96, .96)];
    private static readonly (double Alpha, double Sigma, double Jitter)[] ImageNet = [(488, 170.8, 24.4), (488, 19.52, 48.8), (12.2, 2.44, 4.88), (17.08, 2.44, 4.88), (29.28, 2.44, 4.88)];

    /// <inheritdoc />
    public override string Name => "elastic_transform";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Digital;
    /// <inheritdoc />
    public override bool IsMonotone => false;
    /// <inheritdoc />
    public override string Description => "Affine jitter of 3 points (±j px) + smooth displacement α·G_σ∗U(−1,1) (α, σ, j scaled).";

    /// <summary>The (α, σ, jitter) row at a level, scaled to the image.</summary>
    /// <param name="level">Resolved level.</param>
    public static (double Alpha, double Sigma, double Jitter) Parameters(CorruptionLevel level)
    {
        var p = level.Pick(Cifar, ImageNet);
        return (level.Px(p.Alpha), level.Px(p.Sigma), level.Px(p.Jitter));
    }

    /// <summary>
    /// One displacement component: α · (Gaussian of σ, truncated at 3σ, reflected borders) of
    /// uniform noise in [−1, 1). σ = 0 leaves the noise unsmoothed.
    /// </summary>
    /// <param name="h">Rows.</param>
    /// <param name="w">Columns.</param>
    /// <param name="alpha">Amplitude.</param>
    /// <param name="sigma">Smoothing σ.</param>
    /// <param name="random">Random source.</param>
    /// <param name="field">h×w destination.</param>
    public static void DisplacementField(int h, int w, double alpha, double sigma, ref CorruptionRandom random, Span<float> field)
    {
        for (int i = 0; i < h * w; i++) field[i] = (float)random.Uniform(-1, 1);
        if (sigma > 0) ImageOps.ConvolveSeparable(field, h, w, ImageOps.GaussianKernel(sigma, 3.0), Border.Reflect);
        float a = (float)alpha;
        for (int i = 0; i < h * w; i++) field[i] *= a;
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (alpha, sigma, jitter) = Parameters(level);
        int h = image.Height, w = image.Width, n = h * w;
        // Affine from three control points around the centre, each moved by U(−jitter, jitter).
        double cx = w / 2, cy = h / 2, sq = Math.Max(1, Math.Min(h, w) / 3); // ≥ 1 keeps the points apart on tiny images
        Span<double> src = [cx + sq, cy + sq, cx + sq, cy - sq, cx - sq, cy - sq];
        Span<double> dst = stackalloc double[6];
        for (int i = 0; i < 6; i++) dst[i] = src[i] + random.Uniform(-jitter, jitter);
        // The warp moves src → dst; sampling needs the inverse map dst → src.
        double[] inverse = SolveAffine(dst, src);
        ImageOps.WarpAffine(image, inverse, Border.Reflect101);
        if (alpha == 0) return;
        float[] rented = ArrayPool<float>.Shared.Rent(3 * n);
        try
        {
            var dx = rented.AsSpan(0, n);
            var dy = rented.AsSpan(n, n);
            var copy = rented.AsSpan(2 * n, n);
            DisplacementField(h, w, alpha, sigma, ref random, dx);
            DisplacementField(h, w, alpha, sigma, ref random, dy);
            for (int c = 0; c < image.Channels; c++)
            {
                var plane = image.Plane(c);
                plane.CopyTo(copy);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = y * w + x;
                        plane[i] = ImageOps.Bilinear(copy, h, w, y + dy[i], x + dx[i], Border.Reflect);
                    }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>The 2×3 affine map taking three points <paramref name="from"/> onto <paramref name="to"/> (x, y pairs).</summary>
    /// <param name="from">Three source points.</param>
    /// <param name="to">Three destination points.</param>
    public static double[] SolveAffine(ReadOnlySpan<double> from, ReadOnlySpan<double> to)
    {
        double x0 = from[0], y0 = from[1], x1 = from[2], y1 = from[3], x2 = from[4], y2 = from[5];
        double det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
        if (Math.Abs(det) < 1e-12) throw new ArgumentException("The three control points are collinear.", nameof(from));
        var m = new double[6];
        for (int row = 0; row < 2; row++)
        {
            double u0 = to[row], u1 = to[2 + row], u2 = to[4 + row];
            // Cramer's rule for [x y 1]·[a b c]ᵀ = u over the three points.
            m[row * 3] = (u0 * (y1 - y2) - y0 * (u1 - u2) + (u1 * y2 - u2 * y1)) / det;
            m[row * 3 + 1] = (x0 * (u1 - u2) - u0 * (x1 - x2) + (x1 * u2 - x2 * u1)) / det;
            m[row * 3 + 2] = (x0 * (y1 * u2 - y2 * u1) - y0 * (x1 * u2 - x2 * u1) + u0 * (x1 * y2 - x2 * y1)) / det;
        }
        return m;
    }
}

/// <summary>Pixelate: box-downsample to ⌊size·f⌋, then back up (PIL's BOX filter both ways: block means, then nearest).</summary>
public sealed class Pixelate : Corruption
{
    private static readonly double[] Cifar = [.95, .9, .85, .75, .65];
    private static readonly double[] ImageNet = [.6, .5, .4, .3, .25];

    /// <inheritdoc />
    public override string Name => "pixelate";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Digital;
    /// <inheritdoc />
    public override string Description => "Box down to ⌊size·f⌋ and box back up; f CIFAR .95–.65, ImageNet .6–.25.";

    /// <summary>Pixelates every channel by a down-scale factor in (0, 1].</summary>
    /// <param name="image">The image (changed in place).</param>
    /// <param name="factor">Down-scale factor.</param>
    public static void Apply(PlanarImage image, double factor)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(factor > 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The pixelate factor must be in (0, 1].");
        int h = image.Height, w = image.Width;
        int sh = Math.Max(1, (int)(h * factor)), sw = Math.Max(1, (int)(w * factor));
        float[] rented = ArrayPool<float>.Shared.Rent(sh * sw);
        try
        {
            var small = rented.AsSpan(0, sh * sw);
            for (int c = 0; c < image.Channels; c++)
            {
                var plane = image.Plane(c);
                ImageOps.ResampleBox(plane, h, w, small, sh, sw);
                ImageOps.ResampleBox(small, sh, sw, plane, h, w);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
        => Apply(image, level.Pick(Cifar, ImageNet));
}

/// <summary>JPEG compression: encode with a real JPEG encoder (SkiaSharp) at the table's quality, then decode.</summary>
public sealed class JpegCompression : Corruption
{
    private static readonly int[] Cifar = [80, 65, 58, 50, 40];
    private static readonly int[] ImageNet = [25, 18, 15, 10, 7];

    /// <inheritdoc />
    public override string Name => "jpeg_compression";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Digital;
    /// <inheritdoc />
    public override string Description => "Real JPEG round trip (SkiaSharp) at quality CIFAR 80–40, ImageNet 25–7.";

    /// <summary>Quality at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static int Quality(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <summary>Round-trips an image through JPEG at a quality (1–100), in place.</summary>
    /// <param name="image">The image.</param>
    /// <param name="quality">JPEG quality.</param>
    public static void RoundTrip(PlanarImage image, int quality)
    {
        ArgumentNullException.ThrowIfNull(image);
        JpegCodec.RoundTrip(image, quality);
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
        => RoundTrip(image, Quality(level));
}
