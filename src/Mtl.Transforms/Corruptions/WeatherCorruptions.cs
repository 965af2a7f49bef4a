using System.Buffers;

namespace Mtl.Transforms.Corruptions;

/// <summary>
/// Snow: a thresholded, zoomed Gaussian flake layer streaked by motion blur, added twice (also
/// rotated 180°) over an image brightened towards 1.5·gray + 0.5.
/// </summary>
public sealed class Snow : Corruption
{
    private static readonly (double Mean, double Std, double Zoom, double Threshold, double BlurRadius, double BlurSigma, double Blend)[] Cifar =
        [(.1, .2, 1, .6, 8, 3, .95), (.1, .2, 1, .5, 10, 4, .9), (.15, .3, 1.75, .55, 10, 4, .9), (.25, .3, 2.25, .6, 12, 6, .85), (.3, .3, 1.25, .65, 14, 12, .8)];
    private static readonly (double Mean, double Std, double Zoom, double Threshold, double BlurRadius, double BlurSigma, double Blend)[] ImageNet =
        [(.1, .3, 3, .5, 10, 4, .8), (.2, .3, 2, .5, 12, 4, .7), (.55, .3, 4, .9, 12, 8, .7), (.55, .3, 4.5, .85, 12, 8, .65), (.55, .3, 2.5, .85, 12, 12, .55)];

    /// <inheritdoc />
    public override string Name => "snow";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Weather;
    /// <inheritdoc />
    public override string Description => "Flakes N(μ, σ) zoomed, thresholded, motion-blurred at U(−135°, −45°) (radius, σ scaled); image blended towards 1.5·gray + .5.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var p = level.Pick(Cifar, ImageNet);
        int h = image.Height, w = image.Width, n = h * w;
        float[] rented = ArrayPool<float>.Shared.Rent(3 * n);
        try
        {
            var noise = rented.AsSpan(0, n);
            var flakes = rented.AsSpan(n, n);
            var gray = rented.AsSpan(2 * n, n);
            for (int i = 0; i < n; i++) noise[i] = (float)(p.Mean + p.Std * random.NextGaussian());
            ImageOps.ClippedZoom(noise, flakes, h, w, p.Zoom);
            for (int i = 0; i < n; i++)
            {
                float v = flakes[i];
                flakes[i] = v < p.Threshold ? 0f : Math.Min(v, 1f);
            }
            double angle = random.Uniform(-135, -45);
            ImageOps.MotionBlur(flakes, h, w, level.PxInt(p.BlurRadius), level.Px(p.BlurSigma), angle);
            ImageOps.Luma(image, gray);
            float blend = (float)p.Blend;
            for (int c = 0; c < image.Channels; c++)
            {
                var plane = image.Plane(c);
                for (int i = 0; i < n; i++)
                {
                    float x = plane[i];
                    float lifted = Math.Max(x, gray[i] * 1.5f + 0.5f);
                    // flakes[n - 1 - i] is the layer rotated by 180°.
                    plane[i] = blend * x + (1 - blend) * lifted + flakes[i] + flakes[n - 1 - i];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}

/// <summary>
/// Frost: c₀·x + c₁·F with a seeded procedural frost layer F (a plasma haze plus branching ice
/// needles, bluish tint on RGB). The original suites blend crops of six frost photographs instead,
/// which are not available to us. Those photos are bright ice textures, so the layer is brought to
/// the photos' overall brightness and contrast (mean <see cref="LayerMean"/>, standard deviation
/// <see cref="LayerStd"/> before clipping to [0, 1]); its texture differs from the photos.
/// </summary>
public sealed class Frost : Corruption
{
    private static readonly (double Image, double Frost)[] Cifar = [(1, .2), (1, .3), (.9, .4), (.85, .4), (.75, .45)];
    private static readonly (double Image, double Frost)[] ImageNet = [(1, .4), (.8, .6), (.7, .7), (.65, .7), (.6, .75)];
    private static readonly float[] RgbTint = [.86f, .93f, 1f];

    /// <summary>Mean intensity the frost layer is brought to: a light haze, like the photographed textures.</summary>
    public const double LayerMean = 0.6;

    /// <summary>Standard deviation the frost layer is brought to (crystalline streaks on the haze).</summary>
    public const double LayerStd = 0.18;

    /// <inheritdoc />
    public override string Name => "frost";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Weather;
    /// <inheritdoc />
    public override bool IsMonotone => false;
    /// <inheritdoc />
    public override string Description => "c₀·x + c₁·frost with a procedural (seeded) frost layer instead of the original photographs.";

    /// <summary>The (image, frost) coefficients at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static (double Image, double Frost) Coefficients(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <summary>
    /// Draws a frost layer in [0, 1] of size h×w into <paramref name="layer"/>: the texture (haze and
    /// needles) is drawn first, then shifted and scaled to mean <see cref="LayerMean"/> and standard
    /// deviation <see cref="LayerStd"/>, then clipped to [0, 1].
    /// </summary>
    /// <param name="h">Rows.</param>
    /// <param name="w">Columns.</param>
    /// <param name="random">Random source.</param>
    /// <param name="layer">h×w destination.</param>
    public static void FrostLayer(int h, int w, ref CorruptionRandom random, Span<float> layer)
    {
        int size = ImageOps.NextPowerOfTwo(Math.Max(h, w));
        float[] rented = ArrayPool<float>.Shared.Rent(size * size);
        try
        {
            var plasma = rented.AsSpan(0, size * size);
            ImageOps.Plasma(size, 1.6, ref random, plasma);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) layer[y * w + x] = 0.2f + 0.45f * plasma[y * size + x]; // a bright icy haze, mean ≈ .45
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
        double side = Math.Min(h, w);
        int needles = Math.Max(6, h * w / 40);
        for (int k = 0; k < needles; k++)
        {
            double x0 = random.Uniform(0, w), y0 = random.Uniform(0, h), angle = random.Uniform(0, 2 * Math.PI);
            double length = random.Uniform(.12, .4) * side;
            float strength = (float)random.Uniform(.35, .65);
            Needle(layer, h, w, x0, y0, angle, length, strength);
            // Two side branches at ±60°, as ice crystals grow.
            for (int b = 0; b < 2; b++)
            {
                double t = random.Uniform(.3, .8) * length;
                double side60 = (random.NextDouble() < .5 ? -1 : 1) * Math.PI / 3;
                Needle(layer, h, w, x0 + t * Math.Cos(angle), y0 + t * Math.Sin(angle), angle + side60, .35 * length, strength * .8f);
            }
        }
        Standardize(layer[..(h * w)], LayerMean, LayerStd);
    }

    /// <summary>Shifts and scales values to a mean and standard deviation, then clips them to [0, 1] (a constant input becomes the mean).</summary>
    /// <param name="values">The values, changed in place.</param>
    /// <param name="mean">Target mean.</param>
    /// <param name="std">Target standard deviation.</param>
    public static void Standardize(Span<float> values, double mean, double std)
    {
        double sum = 0, squares = 0;
        foreach (float v in values) { sum += v; squares += (double)v * v; }
        double m = sum / values.Length, variance = Math.Max(0, squares / values.Length - m * m);
        double k = variance > 1e-12 ? std / Math.Sqrt(variance) : 0;
        for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp((float)(mean + k * (values[i] - m)), 0f, 1f);
    }

    private static void Needle(Span<float> layer, int h, int w, double x0, double y0, double angle, double length, float strength)
    {
        double dx = Math.Cos(angle) * 0.5, dy = Math.Sin(angle) * 0.5;
        int steps = (int)(length * 2);
        for (int s = 0; s <= steps; s++)
        {
            double x = x0 + s * dx, y = y0 + s * dy;
            int xi = (int)Math.Floor(x), yi = (int)Math.Floor(y);
            float fx = (float)(x - xi), fy = (float)(y - yi);
            // Thin towards the tip; splat bilinearly so the stroke is anti-aliased.
            float v = strength * (1f - 0.6f * s / Math.Max(1, steps));
            Splat(layer, h, w, yi, xi, v * (1 - fx) * (1 - fy));
            Splat(layer, h, w, yi, xi + 1, v * fx * (1 - fy));
            Splat(layer, h, w, yi + 1, xi, v * (1 - fx) * fy);
            Splat(layer, h, w, yi + 1, xi + 1, v * fx * fy);
        }
    }

    private static void Splat(Span<float> layer, int h, int w, int y, int x, float v)
    {
        if ((uint)y < (uint)h && (uint)x < (uint)w)
        {
            ref float cell = ref layer[y * w + x];
            cell = Math.Max(cell, Math.Min(1f, cell * 0.5f + v));
        }
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (ci, cf) = Coefficients(level);
        int n = image.PlaneSize;
        float[] rented = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var layer = rented.AsSpan(0, n);
            FrostLayer(image.Height, image.Width, ref random, layer);
            for (int c = 0; c < image.Channels; c++)
            {
                float tint = image.Channels == 3 ? RgbTint[c] : .92f;
                var plane = image.Plane(c);
                for (int i = 0; i < n; i++) plane[i] = (float)(ci * plane[i] + cf * tint * layer[i]);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}

/// <summary>
/// Fog: x + s·plasma, then rescaled by max(x) / (max(x) + s). The plasma map has the next power of
/// two above the image size and is cropped (map 32 for CIFAR, 256 for ImageNet, as the generators use).
/// </summary>
public sealed class Fog : Corruption
{
    private static readonly (double Strength, double Decay)[] Cifar = [(.2, 3), (.5, 3), (.75, 2.5), (1, 2), (1.5, 1.75)];
    private static readonly (double Strength, double Decay)[] ImageNet = [(1.5, 2), (2, 2), (2.5, 1.7), (2.5, 1.5), (3, 1.4)];

    /// <inheritdoc />
    public override string Name => "fog";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Weather;
    /// <inheritdoc />
    public override string Description => "x + s·plasma(decay), rescaled by max/(max + s); dimensionless, not scaled.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var (strength, decay) = level.Pick(Cifar, ImageNet);
        int h = image.Height, w = image.Width;
        int size = ImageOps.NextPowerOfTwo(Math.Max(h, w));
        float max = 0f;
        foreach (float v in image.Data) max = Math.Max(max, v);
        float[] rented = ArrayPool<float>.Shared.Rent(size * size);
        try
        {
            var plasma = rented.AsSpan(0, size * size);
            ImageOps.Plasma(size, decay, ref random, plasma);
            float s = (float)strength, scale = max / (max + s);
            for (int c = 0; c < image.Channels; c++)
            {
                var plane = image.Plane(c);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        plane[y * w + x] = (plane[y * w + x] + s * plasma[y * size + x]) * scale;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}

/// <summary>
/// Spatter: a liquid layer N(μ, σ) blurred (σ scaled) and thresholded. Water (mode 0) adds pale
/// turquoise drops shaded by an embossed distance-to-edge map (the generator's recipe), mud
/// (mode 1) blends the smoothed wet mask towards brown.
/// </summary>
public sealed class Spatter : Corruption
{
    private static readonly (double Mean, double Std, double Blur, double Threshold, double Intensity, int Mode)[] Cifar =
        [(.62, .1, .7, .7, .5, 0), (.65, .1, .8, .7, .5, 0), (.65, .3, 1, .69, .5, 0), (.65, .1, .7, .69, .6, 1), (.65, .1, .5, .68, .6, 1)];
    private static readonly (double Mean, double Std, double Blur, double Threshold, double Intensity, int Mode)[] ImageNet =
        [(.65, .3, 4, .69, .6, 0), (.65, .3, 3, .68, .6, 0), (.65, .3, 2, .68, .5, 0), (.65, .3, 1, .65, 1.5, 1), (.67, .4, 1, .65, 1.5, 1)];
    private static readonly float[] WaterRgb = [175 / 255f, 238 / 255f, 238 / 255f];
    private static readonly float[] MudRgb = [63 / 255f, 42 / 255f, 20 / 255f];

    /// <inheritdoc />
    public override string Name => "spatter";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Weather;
    /// <inheritdoc />
    public override bool IsMonotone => false;
    /// <inheritdoc />
    public override string Description => "Thresholded blurred liquid layer; water drops (brighten, turquoise) at 1–3, mud (blend to brown) at 4–5.";

    /// <summary>True when the level uses mud (mode 1), false for water.</summary>
    /// <param name="level">Resolved level.</param>
    public static bool IsMud(CorruptionLevel level) => level.Pick(Cifar, ImageNet).Mode == 1;

    /// <summary>The colour one channel of the image is pulled towards (gray images use its luma).</summary>
    /// <param name="mud">Mud or water.</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="channel">Channel index.</param>
    public static float Colour(bool mud, int channels, int channel)
    {
        var rgb = mud ? MudRgb : WaterRgb;
        return channels == 3 ? rgb[channel] : 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
    }

    /// <summary>
    /// The water drops' shading, following the generator: the liquid layer as 8-bit levels, its
    /// Canny edges (thresholds 50/150 of 255, no pre-smoothing), the distance to the nearest edge
    /// truncated at 20 px (scaled), a 3×3 mean, histogram equalization, the emboss kernel
    /// [[−2,−1,0],[−1,1,1],[0,1,2]] saturated to 0–255, another 3×3 mean, times the liquid levels.
    /// </summary>
    private static void WaterRelief(ReadOnlySpan<float> liquid, int h, int w, CorruptionLevel level, Span<float> relief)
    {
        int n = h * w;
        float[] floats = ArrayPool<float>.Shared.Rent(4 * n);
        byte[] bytes = ArrayPool<byte>.Shared.Rent(n);
        bool[] isEdge = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            var levels = floats.AsSpan(0, n);
            var scaled = floats.AsSpan(n, n);
            var edges = floats.AsSpan(2 * n, n);
            var distance = floats.AsSpan(3 * n, n);
            for (int i = 0; i < n; i++)
            {
                levels[i] = MathF.Floor(Math.Clamp(liquid[i], 0f, 1f) * 255f);
                scaled[i] = levels[i] / 255f;
            }
            CannyEdges.EdgeMap(scaled, h, w, 0, 50f / 255, 150f / 255, edges);
            for (int i = 0; i < n; i++) isEdge[i] = edges[i] > 0;
            ImageOps.SquaredDistanceTransform(isEdge.AsSpan(0, n), h, w, distance);
            float cap = (float)Math.Max(1, level.Px(20));
            for (int i = 0; i < n; i++) distance[i] = Math.Min(MathF.Sqrt(distance[i]), cap);
            ImageOps.BoxBlur3(distance, h, w);
            var levels8 = bytes.AsSpan(0, n);
            for (int i = 0; i < n; i++) levels8[i] = (byte)Math.Clamp((int)distance[i], 0, 255);
            ImageOps.EqualizeHistogram(levels8);
            for (int i = 0; i < n; i++) distance[i] = levels8[i];
            ReadOnlySpan<float> emboss = [-2, -1, 0, -1, 1, 1, 0, 1, 2];
            ImageOps.Convolve2D(distance, h, w, emboss, 3, Border.Reflect101);
            for (int i = 0; i < n; i++) distance[i] = Math.Clamp(MathF.Round(distance[i]), 0f, 255f);
            ImageOps.BoxBlur3(distance, h, w);
            for (int i = 0; i < n; i++) relief[i] = levels[i] * distance[i];
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<bool>.Shared.Return(isEdge);
        }
    }

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        var p = level.Pick(Cifar, ImageNet);
        int h = image.Height, w = image.Width, n = h * w;
        float[] rented = ArrayPool<float>.Shared.Rent(2 * n);
        try
        {
            var liquid = rented.AsSpan(0, n);
            var m = rented.AsSpan(n, n);
            for (int i = 0; i < n; i++) liquid[i] = (float)(p.Mean + p.Std * random.NextGaussian());
            ImageOps.ConvolveSeparable(liquid, h, w, ImageOps.GaussianKernel(level.Px(p.Blur)), Border.Nearest);
            float threshold = (float)p.Threshold;
            for (int i = 0; i < n; i++) if (liquid[i] < threshold) liquid[i] = 0f;
            bool mud = p.Mode == 1;
            if (mud)
            {
                for (int i = 0; i < n; i++) m[i] = liquid[i] > threshold ? 1f : 0f;
                ImageOps.ConvolveSeparable(m, h, w, ImageOps.GaussianKernel(level.Px(p.Intensity)), Border.Nearest);
                for (int i = 0; i < n; i++) if (m[i] < 0.8f) m[i] = 0f;
            }
            else
            {
                WaterRelief(liquid, h, w, level, m);
                float max = 0f;
                for (int i = 0; i < n; i++) max = Math.Max(max, m[i]);
                float scale = max > 0 ? (float)p.Intensity / max : 0f;
                for (int i = 0; i < n; i++) m[i] *= scale;
            }
            for (int c = 0; c < image.Channels; c++)
            {
                var plane = image.Plane(c);
                float colour = Colour(mud, image.Channels, c);
                if (mud)
                    for (int i = 0; i < n; i++) plane[i] = plane[i] * (1 - m[i]) + colour * m[i];
                else
                    for (int i = 0; i < n; i++) plane[i] += colour * m[i];
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
