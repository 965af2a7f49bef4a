namespace Mtl.Transforms.Corruptions;

/// <summary>
/// A random corruption and severity per image: draws uniformly among its choices from the image's
/// own random stream, so what an image gets depends on its seed only.
/// </summary>
public sealed class CorruptionSampler
{
    private readonly ImageCorruption[] _choices;

    /// <summary>Creates the sampler.</summary>
    /// <param name="choices">The (corruption, severity) choices; at least one. Severity-0 choices leave the image clean.</param>
    public CorruptionSampler(IEnumerable<ImageCorruption> choices)
    {
        ArgumentNullException.ThrowIfNull(choices);
        _choices = choices.ToArray();
        if (_choices.Length == 0) throw new ArgumentException("A corruption sampler needs at least one (corruption, severity) choice.", nameof(choices));
        if (_choices.Any(c => c is null)) throw new ArgumentException("The corruption choices contain null.", nameof(choices));
    }

    /// <summary>The choices.</summary>
    public IReadOnlyList<ImageCorruption> Choices => _choices;

    /// <summary>Draws a choice (nothing is drawn when there is only one).</summary>
    /// <param name="random">The image's random source.</param>
    public ImageCorruption Choose(ref CorruptionRandom random) => _choices.Length == 1 ? _choices[0] : _choices[random.NextInt(_choices.Length)];

    /// <summary>Draws a choice from the stream of <paramref name="seed"/>, applies it in place and returns it.</summary>
    /// <param name="image">C×H×W planar values in [0, 1].</param>
    /// <param name="channels">1 (gray) or 3 (RGB).</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="seed">The image's seed.</param>
    public ImageCorruption Apply(Span<float> image, int channels, int height, int width, ulong seed)
    {
        var random = new CorruptionRandom(seed);
        var choice = Choose(ref random);
        choice.Apply(image, channels, height, width, ref random);
        return choice;
    }

    /// <summary>Draws a choice from <paramref name="random"/> and applies it to a <see cref="PlanarImage"/> in place.</summary>
    /// <param name="image">Gray or RGB image in [0, 1].</param>
    /// <param name="random">The image's random source.</param>
    public ImageCorruption Apply(PlanarImage image, ref CorruptionRandom random)
    {
        var choice = Choose(ref random);
        choice.Apply(image, ref random);
        return choice;
    }
}
