using System.Buffers;

namespace Mtl.Transforms.Corruptions;

/// <summary>Gaussian blur of standard deviation σ (pixels, scaled to the image size), edges repeated.</summary>
public sealed class GaussianBlurCorruption : Corruption
{
    private static readonly double[] Cifar = [.4, .6, .7, .8, 1];
    private static readonly double[] ImageNet = [1, 2, 3, 4, 6];

    /// <inheritdoc />
    public override string Name => "gaussian_blur";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Blur;
    /// <inheritdoc />
    public override string Description => "Gaussian blur; σ CIFAR .4–1 px, ImageNet 1–6 px (scaled).";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
        => ImageOps.GaussianBlur(image, level.Px(level.Pick(Cifar, ImageNet)), Border.Nearest);
}

/// <summary>Defocus: convolution with a disk of radius r (Gaussian alias blur σ), OpenCV borders; the kernel is resized with the image.</summary>
public sealed class DefocusBlur : Corruption
{
    private static readonly (double Radius, double Alias)[] Cifar = [(.3, .4), (.4, .5), (.5, .6), (1, .2), (1.5, .1)];
    private static readonly (double Radius, double Alias)[] ImageNet = [(3, .1), (4, .5), (6, .5), (8, .5), (10, .5)];

    /// <inheritdoc />
    public override string Name => "defocus_blur";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Blur;
    /// <inheritdoc />
    public override string Description => "Aliased disk of radius r smoothed by a Gaussian of σ = alias, built at the reference size and resized as a picture.";

    /// <summary>
    /// The generators' defocus kernel at the table's reference size: the aliased disk
    /// x² + y² ≤ r² over pixel centres (support ±8, or ±r when r &gt; 8), normalized, then smoothed
    /// by a Gaussian of σ = alias over a 3×3 window (5×5 when r &gt; 8) and renormalized.
    /// </summary>
    /// <param name="radius">Disk radius in pixels.</param>
    /// <param name="alias">σ of the anti-aliasing Gaussian.</param>
    /// <param name="size">Side of the returned square kernel.</param>
    public static float[] DiskKernel(double radius, double alias, out int size)
    {
        int aliasRadius = radius > 8 ? 2 : 1;
        int diskRadius = (int)Math.Floor(radius);
        int half = diskRadius + aliasRadius;
        size = 2 * half + 1;
        var disk = new double[size * size];
        for (int y = -diskRadius; y <= diskRadius; y++)
            for (int x = -diskRadius; x <= diskRadius; x++)
                if (x * x + y * y <= radius * radius) disk[(y + half) * size + x + half] = 1;
        if (diskRadius == 0) disk[half * size + half] = 1;
        var g = new double[2 * aliasRadius + 1];
        for (int i = -aliasRadius; i <= aliasRadius; i++) g[i + aliasRadius] = alias > 0 ? Math.Exp(-0.5 * i * i / (alias * alias)) : (i == 0 ? 1 : 0);
        var kernel = new float[size * size];
        double total = 0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double s = 0;
                for (int ty = -aliasRadius; ty <= aliasRadius; ty++)
                    for (int tx = -aliasRadius; tx <= aliasRadius; tx++)
                    {
                        int sy = y + ty, sx = x + tx;
                        if ((uint)sy < (uint)size && (uint)sx < (uint)size)
                            s += g[ty + aliasRadius] * g[tx + aliasRadius] * disk[sy * size + sx];
                    }
                kernel[y * size + x] = (float)s;
                total += s;
            }
        for (int i = 0; i < kernel.Length; i++) kernel[i] = (float)(kernel[i] / total);
        return kernel;
    }

    /// <summary>
    /// Resizes a centred square kernel by <paramref name="scale"/> (its footprint area-sampled with
    /// 4×4 bilinear taps per output pixel) and renormalizes it to sum 1. This is how the defocus
    /// size rule works: the reference kernel is built as the generators build it and then scaled
    /// as a picture, so it changes continuously with the image size.
    /// </summary>
    /// <param name="kernel">size×size kernel.</param>
    /// <param name="size">Odd side length.</param>
    /// <param name="scale">Target pixels per reference pixel.</param>
    /// <param name="newSize">Side of the result.</param>
    public static float[] ScaleKernel(float[] kernel, int size, double scale, out int newSize)
    {
        if (Math.Abs(scale - 1) < 1e-9) { newSize = size; return kernel; }
        int half = size / 2;
        int newHalf = Math.Max(0, (int)Math.Ceiling((half + 0.5) * scale - 0.5));
        newSize = 2 * newHalf + 1;
        var result = new float[newSize * newSize];
        const int Taps = 4;
        double total = 0;
        for (int y = -newHalf; y <= newHalf; y++)
            for (int x = -newHalf; x <= newHalf; x++)
            {
                double s = 0;
                for (int ty = 0; ty < Taps; ty++)
                    for (int tx = 0; tx < Taps; tx++)
                    {
                        double ry = (y - 0.5 + (ty + 0.5) / Taps) / scale + half;
                        double rx = (x - 0.5 + (tx + 0.5) / Taps) / scale + half;
                        s += ImageOps.Bilinear(kernel, size, size, ry, rx, Border.Zero);
                    }
                result[(y + newHalf) * newSize + x + newHalf] = (float)s;
                total += s;
            }
        if (total <= 0) return [1f];
        for (int i = 0; i < result.Length; i++) result[i] = (float)(result[i] / total);
        return result;
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (radius, alias) = level.Pick(Cifar, ImageNet);
        var kernel = ScaleKernel(DiskKernel(radius, alias, out int referenceSize), referenceSize, level.Scale, out int size);
        for (int c = 0; c < image.Channels; c++)
            ImageOps.Convolve2D(image.Plane(c), image.Height, image.Width, kernel, size, Border.Reflect101);
    }
}

/// <summary>
/// Glass blur as the generators run it: Gaussian blur, truncation to 8 bits
/// (<c>np.uint8(gaussian(x) * 255)</c>), then <c>iterations</c> sweeps from the bottom-right
/// interior pixel towards the top-left in which each pixel takes the value of a random neighbour
/// within [−δ, δ) — the generators' tuple "swap" runs on NumPy views and so only copies, which
/// smears pixels toward the sweep's start — then the same blur again.
/// </summary>
public sealed class GlassBlur : Corruption
{
    private static readonly (double Sigma, int Delta, int Iterations)[] Cifar = [(.05, 1, 1), (.25, 1, 1), (.4, 1, 1), (.25, 1, 2), (.4, 1, 2)];
    private static readonly (double Sigma, int Delta, int Iterations)[] ImageNet = [(.7, 1, 2), (.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)];

    /// <inheritdoc />
    public override string Name => "glass_blur";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Blur;
    /// <inheritdoc />
    public override bool IsMonotone => false;
    /// <inheritdoc />
    public override string Description => "Blur σ, truncate to 8 bits, n sweeps copying a random neighbour within ±δ into each pixel, blur σ again (σ, δ scaled).";

    /// <summary>The (σ, δ, iterations) row at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static (double Sigma, int Delta, int Iterations) Parameters(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <summary>
    /// The generators' truncation between the two blurs: each value becomes floor(255·v)/255
    /// (values are in [0, 1] after a blur of an image in [0, 1]; anything outside is clamped first).
    /// </summary>
    /// <param name="values">The values, changed in place.</param>
    public static void TruncateToBytes(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = MathF.Floor(Math.Clamp(values[i], 0f, 1f) * 255f) / 255f;
    }

    /// <summary>
    /// The sweeps on planar data: for <paramref name="iterations"/> passes, rows h − δ down to δ + 1 and
    /// in each row columns w − δ down to δ + 1, draw dx then dy uniformly from [−δ, δ) and copy pixel
    /// (y + dy, x + dx) of every channel into (y, x).
    /// </summary>
    /// <param name="image">The image, changed in place.</param>
    /// <param name="delta">Largest displacement δ ≥ 1.</param>
    /// <param name="iterations">Number of sweeps.</param>
    /// <param name="random">Random source.</param>
    public static void Smear(PlanarImage image, int delta, int iterations, ref CorruptionRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (delta < 1) throw new ArgumentOutOfRangeException(nameof(delta), delta, "Glass blur needs a displacement of at least 1 pixel.");
        int h = image.Height, w = image.Width, plane = image.PlaneSize;
        var d = image.Data;
        for (int it = 0; it < iterations; it++)
            for (int y = h - delta; y > delta; y--)
                for (int x = w - delta; x > delta; x--)
                {
                    int dx = random.NextInt(2 * delta) - delta, dy = random.NextInt(2 * delta) - delta;
                    int to = y * w + x, from = (y + dy) * w + x + dx;
                    for (int c = 0; c < image.Channels; c++) d[c * plane + to] = d[c * plane + from];
                }
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (sigmaRef, deltaRef, iterations) = Parameters(level);
        double sigma = level.Px(sigmaRef);
        ImageOps.GaussianBlur(image, sigma, Border.Nearest);
        TruncateToBytes(image.Data);
        Smear(image, level.PxInt(deltaRef), iterations, ref random);
        ImageOps.GaussianBlur(image, sigma, Border.Nearest);
    }
}

/// <summary>Motion blur: a one-sided Gaussian-weighted line kernel (radius, σ scaled) at an angle drawn from U(−45°, 45°).</summary>
public sealed class MotionBlurCorruption : Corruption
{
    private static readonly (double Radius, double Sigma)[] Cifar = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)];
    private static readonly (double Radius, double Sigma)[] ImageNet = [(10, 3), (15, 5), (15, 8), (15, 12), (20, 15)];

    /// <inheritdoc />
    public override string Name => "motion_blur";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Blur;
    /// <inheritdoc />
    public override string Description => "Line kernel of 2r+1 Gaussian-weighted taps (r, σ scaled), angle ~ U(−45°, 45°).";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (radius, sigma) = level.Pick(Cifar, ImageNet);
        double angle = random.Uniform(-45, 45);
        int r = level.PxInt(radius);
        double s = level.Px(sigma);
        for (int c = 0; c < image.Channels; c++)
            ImageOps.MotionBlur(image.Plane(c), image.Height, image.Width, r, s, angle);
    }
}

/// <summary>
/// Zoom blur: the mean of the image and its clipped zooms (<see cref="ImageOps.ClippedZoom"/>) by each
/// factor of <c>np.arange(1, stop, step)</c> for the severity's (stop, step).
/// </summary>
public sealed class ZoomBlur : Corruption
{
    private static readonly (double Stop, double Step)[] Cifar = [(1.06, .01), (1.11, .01), (1.16, .01), (1.21, .01), (1.26, .01)];
    private static readonly (double Stop, double Step)[] ImageNet = [(1.11, .01), (1.16, .01), (1.21, .02), (1.26, .02), (1.31, .03)];

    /// <inheritdoc />
    public override string Name => "zoom_blur";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Blur;
    /// <inheritdoc />
    public override string Description => "(x + Σ clipped_zoom(x, z)) / (n + 1) over z in np.arange(1, stop, step) (dimensionless, not scaled).";

    /// <summary>
    /// The zoom factors of a level exactly as <c>np.arange(1, stop, step)</c> makes them: a count of
    /// ceil((stop − 1) / step) in double arithmetic and values 1 + i·step, so float rounding decides
    /// the last factor (CIFAR: 7, 12, 16, 21, 26 factors ending at 1.06, 1.11, 1.15, 1.20, 1.25).
    /// </summary>
    /// <param name="level">Resolved level.</param>
    public static double[] Factors(CorruptionLevel level)
    {
        var (stop, step) = level.Pick(Cifar, ImageNet);
        return Arange(1, stop, step);
    }

    /// <summary><c>np.arange(start, stop, step)</c> for a positive step.</summary>
    /// <param name="start">First value.</param>
    /// <param name="stop">Exclusive end (as NumPy computes it).</param>
    /// <param name="step">Positive increment.</param>
    public static double[] Arange(double start, double stop, double step)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be positive.");
        int count = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var f = new double[count];
        for (int i = 0; i < count; i++) f[i] = start + i * step;
        return f;
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var factors = Factors(level);
        int n = image.PlaneSize;
        float[] rented = ArrayPool<float>.Shared.Rent(2 * n);
        try
        {
            var sum = rented.AsSpan(0, n);
            var zoomed = rented.AsSpan(n, n);
            for (int c = 0; c < image.Channels; c++)
            {
                var plane = image.Plane(c);
                plane.CopyTo(sum);
                foreach (double z in factors)
                {
                    ImageOps.ClippedZoom(plane, zoomed, image.Height, image.Width, z);
                    for (int i = 0; i < n; i++) sum[i] += zoomed[i];
                }
                float inv = 1f / (factors.Length + 1);
                for (int i = 0; i < n; i++) plane[i] = sum[i] * inv;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
