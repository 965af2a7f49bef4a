using System.Collections.Concurrent;

namespace Mtl.Transforms.Corruptions;

/// <summary>
/// Corruptions by name. The built-in set is registered at start-up; <see cref="Register"/> adds user-defined ones.
/// Registration is add-only: a name, once registered, means the same corruption for the rest of the process, so a step
/// or an augmentation never changes meaning while it runs. Register your corruptions at start-up, before building
/// pipelines that name them.
/// </summary>
public static class CorruptionRegistry
{
    private static readonly ConcurrentDictionary<string, Corruption> ByName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The 15 common corruptions of ImageNet-C / CIFAR-10-C, in the published order.</summary>
    public static IReadOnlyList<string> Common { get; } =
    [
        "gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur", "zoom_blur",
        "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate", "jpeg_compression",
    ];

    /// <summary>The 4 extra (validation) corruptions.</summary>
    public static IReadOnlyList<string> Extra { get; } = ["speckle_noise", "gaussian_blur", "spatter", "saturate"];

    /// <summary>The common 15 followed by the extra 4.</summary>
    public static IReadOnlyList<string> CommonAndExtra { get; } = [.. Common, .. Extra];

    /// <summary>The MNIST-C additions (geometric, drawn strokes, edge map, quantize, inverse).</summary>
    public static IReadOnlyList<string> MnistCAdditions { get; } =
        ["shear", "scale", "rotate", "translate", "stripe", "dotted_line", "zigzag", "canny_edges", "line", "quantize", "inverse"];

    /// <summary>
    /// The MNIST-C benchmark suite as (corruption, severity, settings): ImageNet-C parameters used
    /// unscaled at 28 px, as the MNIST-C generator does; "identity" is severity 0.
    /// </summary>
    public static IReadOnlyList<(string Name, int Severity, CorruptionSettings Settings)> MnistCSuite { get; } = BuildMnistCSuite();

    static CorruptionRegistry()
    {
        Corruption[] builtIn =
        [
            new GaussianNoise(), new ShotNoise(), new ImpulseNoise(), new SpeckleNoise(),
            new GaussianBlurCorruption(), new DefocusBlur(), new GlassBlur(), new MotionBlurCorruption(), new ZoomBlur(),
            new Snow(), new Frost(), new Fog(), new Spatter(), new Brightness(),
            new Contrast(), new Saturate(), new ElasticTransform(), new Pixelate(), new JpegCompression(),
            new Shear(), new Scale(), new Rotate(), new Translate(), new Quantize(),
            new Inverse(), new Stripe(), new Line(), new DottedLine(), new Zigzag(), new CannyEdges(),
        ];
        foreach (var c in builtIn) ByName[c.Name] = c;
    }

    /// <summary>Every registered name.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();

    /// <summary>Registers a corruption under its <see cref="Corruption.Name"/> (case-insensitive, add-only).</summary>
    /// <param name="corruption">The corruption.</param>
    /// <exception cref="InvalidOperationException">The name is taken (names are never re-bound; choose another name).</exception>
    public static void Register(Corruption corruption)
    {
        ArgumentNullException.ThrowIfNull(corruption);
        ArgumentException.ThrowIfNullOrWhiteSpace(corruption.Name);
        if (!ByName.TryAdd(corruption.Name, corruption))
            throw new InvalidOperationException($"A corruption named '{corruption.Name}' is already registered, and registered names are never re-bound; register yours under another name.");
    }

    /// <summary>Looks a corruption up by name (case-insensitive).</summary>
    /// <param name="name">e.g. <c>gaussian_noise</c>.</param>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public static Corruption Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (ByName.TryGetValue(name, out var c)) return c;
        throw new ArgumentException($"Unknown corruption '{name}'. Known corruptions: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>Looks a corruption up by name without throwing.</summary>
    /// <param name="name">The name.</param>
    /// <param name="corruption">The corruption, when found.</param>
    public static bool TryGet(string name, out Corruption corruption)
    {
        if (name is not null && ByName.TryGetValue(name, out var c)) { corruption = c; return true; }
        corruption = null!;
        return false;
    }

    private static (string, int, CorruptionSettings)[] BuildMnistCSuite()
    {
        var imageNet = new CorruptionSettings(CorruptionTable.ImageNet, ScaleToImageSize: false);
        var native = new CorruptionSettings(CorruptionTable.Auto, ScaleToImageSize: false);
        return
        [
            ("identity", 0, native), ("shot_noise", 5, imageNet), ("impulse_noise", 4, imageNet), ("glass_blur", 1, imageNet),
            ("motion_blur", 1, imageNet), ("shear", 2, native), ("scale", 3, native), ("rotate", 2, native),
            ("brightness", 5, imageNet), ("translate", 3, native), ("stripe", 1, native), ("fog", 5, imageNet),
            ("spatter", 4, imageNet), ("dotted_line", 1, native), ("zigzag", 1, native), ("canny_edges", 1, native),
        ];
    }
}
