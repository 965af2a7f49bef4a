namespace Mtl.Transforms.Corruptions;

/// <summary>Which published parameter table a corruption reads its severities from.</summary>
public enum CorruptionTable
{
    /// <summary>CIFAR-10-C for images whose larger side is at most 64 px, ImageNet-C above.</summary>
    Auto = 0,
    /// <summary>CIFAR-10-C (reference size 32 px).</summary>
    Cifar = 1,
    /// <summary>ImageNet-C (reference size 224 px).</summary>
    ImageNet = 2,
}

/// <summary>The family a corruption belongs to.</summary>
public enum CorruptionGroup
{
    /// <summary>Per-pixel noise.</summary>
    Noise,
    /// <summary>Blurs.</summary>
    Blur,
    /// <summary>Weather-like overlays.</summary>
    Weather,
    /// <summary>Digital processing artefacts.</summary>
    Digital,
    /// <summary>The MNIST-C additions (geometric and drawn strokes).</summary>
    MnistC,
}

/// <summary>How the parameters of a corruption are chosen for an image.</summary>
/// <param name="Table">The table; <see cref="CorruptionTable.Auto"/> picks by image size.</param>
/// <param name="ScaleToImageSize">
/// When true (the default), size-dependent parameters (lengths in pixels: blur σ, radii,
/// displacements) are multiplied by min(H, W) / reference size of the table (32 for CIFAR-C,
/// 224 for ImageNet-C). When false they are used as written (the MNIST-C convention).
/// </param>
public readonly record struct CorruptionSettings(CorruptionTable Table = CorruptionTable.Auto, bool ScaleToImageSize = true)
{
    /// <summary>Auto table, size scaling on.</summary>
    public static CorruptionSettings Default => new(CorruptionTable.Auto, true);

    /// <summary>The CIFAR-C table is used up to this size (larger side, px); ImageNet-C above.</summary>
    public const int CifarMaxSize = 64;

    /// <summary>Reference size of the CIFAR-C table.</summary>
    public const int CifarReferenceSize = 32;

    /// <summary>Reference size of the ImageNet-C table.</summary>
    public const int ImageNetReferenceSize = 224;

    /// <summary>The concrete table for an image of the given size.</summary>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    public CorruptionTable Resolve(int height, int width) => Table switch
    {
        CorruptionTable.Auto => Math.Max(height, width) <= CifarMaxSize ? CorruptionTable.Cifar : CorruptionTable.ImageNet,
        CorruptionTable.Cifar or CorruptionTable.ImageNet => Table,
        _ => throw new ArgumentOutOfRangeException(nameof(Table), Table, "Unknown corruption table."),
    };

    /// <summary>The factor applied to pixel-length parameters for an image of the given size.</summary>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    public double SizeScale(int height, int width)
    {
        if (!ScaleToImageSize) return 1.0;
        int reference = Resolve(height, width) == CorruptionTable.Cifar ? CifarReferenceSize : ImageNetReferenceSize;
        return Math.Min(height, width) / (double)reference;
    }
}

/// <summary>The resolved parameters of one call: severity, table and pixel scale.</summary>
/// <param name="Severity">1 … <see cref="Corruption.MaxSeverity"/>.</param>
/// <param name="Table">Cifar or ImageNet (never Auto).</param>
/// <param name="Scale">Factor for pixel-length parameters.</param>
/// <param name="ScaleToImageSize">Whether size scaling is on (corruptions with their own reference size use it).</param>
public readonly record struct CorruptionLevel(int Severity, CorruptionTable Table, double Scale, bool ScaleToImageSize = true)
{
    /// <summary>The row of a two-table parameter list for this severity and table.</summary>
    /// <typeparam name="T">Parameter type.</typeparam>
    /// <param name="cifar">CIFAR-C values, one per severity.</param>
    /// <param name="imageNet">ImageNet-C values, one per severity.</param>
    public T Pick<T>(T[] cifar, T[] imageNet) => (Table == CorruptionTable.Cifar ? cifar : imageNet)[Severity - 1];

    /// <summary>A pixel length scaled to the image size.</summary>
    /// <param name="referencePixels">Length at the table's reference size.</param>
    public double Px(double referencePixels) => referencePixels * Scale;

    /// <summary>A whole-pixel length scaled to the image size: rounded, and at least 1 when the reference is at least 1.</summary>
    /// <param name="referencePixels">Length at the table's reference size.</param>
    public int PxInt(double referencePixels)
    {
        int v = (int)Math.Round(referencePixels * Scale, MidpointRounding.AwayFromZero);
        return referencePixels >= 1 ? Math.Max(1, v) : Math.Max(0, v);
    }
}

/// <summary>
/// One image corruption: a name, a group, its parameter table and the kernel that applies it in
/// place to a <see cref="PlanarImage"/>. Adding a corruption is adding a subclass and registering
/// it in <see cref="CorruptionRegistry"/>.
/// </summary>
public abstract class Corruption
{
    /// <summary>The snake_case name used by the published suites (e.g. <c>gaussian_noise</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The family.</summary>
    public abstract CorruptionGroup Group { get; }

    /// <summary>Highest severity; 5 for the common suite, 1 for the fixed-strength MNIST-C additions.</summary>
    public virtual int MaxSeverity => 5;

    /// <summary>
    /// True when the table makes the corruption stronger at every step 1→5 (mean distance to the
    /// clean image grows); false where the published table is not monotone (see corruptions.md).
    /// </summary>
    public virtual bool IsMonotone => true;

    /// <summary>A one-line description of what the corruption does and its parameters.</summary>
    public abstract string Description { get; }

    /// <summary>
    /// Corrupts <paramref name="image"/> in place. Severity 0 leaves it unchanged. The result is
    /// clamped to [0, 1] with NaN mapped to 0.
    /// </summary>
    /// <param name="image">Gray or RGB image in [0, 1].</param>
    /// <param name="severity">0 (off) … <see cref="MaxSeverity"/>.</param>
    /// <param name="settings">Table choice and size scaling.</param>
    /// <param name="random">The row's random source.</param>
    public void Apply(PlanarImage image, int severity, CorruptionSettings settings, ref CorruptionRandom random)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (severity < 0 || severity > MaxSeverity)
            throw new ArgumentOutOfRangeException(nameof(severity), severity, $"Corruption '{Name}' has severities 0 (off) to {MaxSeverity}.");
        if (severity == 0) return;
        var level = new CorruptionLevel(severity, settings.Resolve(image.Height, image.Width), settings.SizeScale(image.Height, image.Width), settings.ScaleToImageSize);
        ApplyCore(image, level, ref random);
        image.Clamp01();
    }

    /// <summary>Convenience overload: default settings and a generator from <paramref name="seed"/>.</summary>
    /// <param name="image">Gray or RGB image in [0, 1].</param>
    /// <param name="severity">0 (off) … <see cref="MaxSeverity"/>.</param>
    /// <param name="seed">Seed of the random source.</param>
    public void Apply(PlanarImage image, int severity, ulong seed = 0)
    {
        var random = new CorruptionRandom(seed);
        Apply(image, severity, CorruptionSettings.Default, ref random);
    }

    /// <summary>The kernel: corrupt <paramref name="image"/> in place at a resolved level (severity ≥ 1).</summary>
    /// <param name="image">Gray or RGB image in [0, 1].</param>
    /// <param name="level">Severity, table and scale.</param>
    /// <param name="random">The row's random source.</param>
    protected abstract void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random);

    /// <inheritdoc />
    public override string ToString() => Name;
}
