using System.Globalization;

namespace Mtl.Transforms.Corruptions;

/// <summary>
/// One corruption at one severity, ready to apply to the pixels of a single image: the unit that
/// training-time augmentation, <see cref="CorruptionSampler"/> and the corruption transforms share.
/// The name and severity are checked when it is made.
/// </summary>
public sealed record ImageCorruption
{
    /// <summary>Creates the descriptor.</summary>
    /// <param name="name">A registered corruption name (case-insensitive), e.g. <c>gaussian_noise</c>.</param>
    /// <param name="severity">0 (leave the image as it is) … the corruption's maximum.</param>
    /// <param name="settings">Table choice and size scaling (null = <see cref="CorruptionSettings.Default"/>).</param>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Severity outside 0 … maximum.</exception>
    public ImageCorruption(string name, int severity, CorruptionSettings? settings = null)
    {
        Corruption = CorruptionRegistry.Get(name);
        if (severity < 0 || severity > Corruption.MaxSeverity)
            throw new ArgumentOutOfRangeException(nameof(severity), severity, $"Corruption '{Corruption.Name}' has severities 0 (off) to {Corruption.MaxSeverity}.");
        Severity = severity;
        Settings = settings ?? CorruptionSettings.Default;
        _ = Settings.Resolve(1, 1); // rejects an undefined table value now rather than per image
    }

    /// <summary>The corruption (as registered).</summary>
    public Corruption Corruption { get; }

    /// <summary>The registered name.</summary>
    public string Name => Corruption.Name;

    /// <summary>0 (off) … <see cref="Corruptions.Corruption.MaxSeverity"/>.</summary>
    public int Severity { get; }

    /// <summary>Table choice and size scaling.</summary>
    public CorruptionSettings Settings { get; }

    /// <summary>Parses <c>name</c> (severity 1) or <c>name:severity</c>, e.g. <c>gaussian_noise:3</c>.</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="FormatException">The severity part is not an integer.</exception>
    public static ImageCorruption Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        int colon = text.LastIndexOf(':');
        if (colon < 0) return new ImageCorruption(text.Trim(), 1);
        string severity = text[(colon + 1)..].Trim();
        if (!int.TryParse(severity, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s))
            throw new FormatException($"'{text}' is not a corruption: write name or name:severity, e.g. gaussian_noise:3.");
        return new ImageCorruption(text[..colon].Trim(), s);
    }

    /// <summary>
    /// Every (name, severity) pair of the cross product, in order (names outer). A severity above a
    /// corruption's maximum is capped to it and kept as a pair of its own, so that drawing uniformly
    /// among the pairs draws the corruption and the severity independently.
    /// </summary>
    /// <param name="names">Corruption names.</param>
    /// <param name="severities">Severities, each capped at a corruption's maximum.</param>
    /// <param name="settings">Settings for all of them.</param>
    public static IReadOnlyList<ImageCorruption> Suite(IEnumerable<string> names, IEnumerable<int> severities, CorruptionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(severities);
        var levels = severities.ToArray();
        var list = new List<ImageCorruption>();
        foreach (var name in names)
        {
            var corruption = CorruptionRegistry.Get(name);
            foreach (int s in levels)
                list.Add(new ImageCorruption(name, Math.Min(s, corruption.MaxSeverity), settings));
        }
        return list;
    }

    /// <summary>Corrupts one image in place with a generator seeded by <paramref name="seed"/>.</summary>
    /// <param name="image">C×H×W planar values in [0, 1] (channel, row, column).</param>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="seed">Seed of the image's draws, e.g. <see cref="CorruptionRandom.Combine"/>(seed, epoch, index).</param>
    public void Apply(Span<float> image, int channels, int height, int width, ulong seed)
    {
        var random = new CorruptionRandom(seed);
        Apply(image, channels, height, width, ref random);
    }

    /// <summary>Corrupts one image in place, drawing from <paramref name="random"/>. The result is clamped to [0, 1] (NaN → 0).</summary>
    /// <param name="image">C×H×W planar values in [0, 1].</param>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="random">The image's random source.</param>
    public void Apply(Span<float> image, int channels, int height, int width, ref CorruptionRandom random)
    {
        var scratch = Scratch(channels, height, width);
        if (image.Length != scratch.Data.Length)
            throw new ArgumentException($"A {channels}×{height}×{width} image has {scratch.Data.Length} values, but the span has {image.Length}.", nameof(image));
        if (Severity == 0) return;
        image.CopyTo(scratch.Data);
        Apply(scratch, ref random);
        scratch.Data.AsSpan().CopyTo(image);
    }

    /// <summary>Corrupts a <see cref="PlanarImage"/> in place.</summary>
    /// <param name="image">Gray or RGB image in [0, 1].</param>
    /// <param name="random">The image's random source.</param>
    public void Apply(PlanarImage image, ref CorruptionRandom random) => Corruption.Apply(image, Severity, Settings, ref random);

    /// <inheritdoc />
    public override string ToString() => $"{Name}:{Severity.ToString(CultureInfo.InvariantCulture)}";

    [ThreadStatic] private static PlanarImage? _scratch;

    // One reusable image per thread: augmentation calls this for every sample of every epoch.
    private static PlanarImage Scratch(int channels, int height, int width)
    {
        var s = _scratch;
        if (s is null || s.Channels != channels || s.Height != height || s.Width != width)
            _scratch = s = new PlanarImage(channels, height, width);
        return s;
    }
}
