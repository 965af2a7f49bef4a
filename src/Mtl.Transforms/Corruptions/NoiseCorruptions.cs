namespace Mtl.Transforms.Corruptions;

/// <summary>Additive Gaussian noise: x + N(0, σ²) per value.</summary>
public sealed class GaussianNoise : Corruption
{
    private static readonly double[] Cifar = [.04, .06, .08, .09, .10];
    private static readonly double[] ImageNet = [.08, .12, .18, .26, .38];

    /// <inheritdoc />
    public override string Name => "gaussian_noise";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Noise;
    /// <inheritdoc />
    public override string Description => "x + N(0, σ²) per value; σ CIFAR .04–.10, ImageNet .08–.38.";

    /// <summary>σ at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static double Sigma(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double sigma = Sigma(level);
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] += (float)(sigma * random.NextGaussian());
    }
}

/// <summary>Shot (Poisson) noise: Poisson(x·c) / c per value; smaller c is noisier.</summary>
public sealed class ShotNoise : Corruption
{
    private static readonly double[] Cifar = [500, 250, 100, 75, 50];
    private static readonly double[] ImageNet = [60, 25, 12, 5, 3];

    /// <inheritdoc />
    public override string Name => "shot_noise";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Noise;
    /// <inheritdoc />
    public override string Description => "Poisson(x·c)/c per value; c CIFAR 500–50, ImageNet 60–3.";

    /// <summary>Photon count scale c at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static double Photons(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double c = Photons(level);
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] = (float)(random.NextPoisson(Math.Max(0, d[i]) * c) / c);
    }
}

/// <summary>Impulse (salt-and-pepper) noise: each value is replaced with probability p, half by 1, half by 0.</summary>
public sealed class ImpulseNoise : Corruption
{
    private static readonly double[] Cifar = [.01, .02, .03, .05, .07];
    private static readonly double[] ImageNet = [.03, .06, .09, .17, .27];

    /// <inheritdoc />
    public override string Name => "impulse_noise";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Noise;
    /// <inheritdoc />
    public override string Description => "Salt & pepper on a fraction p of values; p CIFAR .01–.07, ImageNet .03–.27.";

    /// <summary>Replaced fraction p at a level.</summary>
    /// <param name="level">Resolved level.</param>
    public static double Amount(CorruptionLevel level) => level.Pick(Cifar, ImageNet);

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double p = Amount(level);
        var d = image.Data;
        for (int i = 0; i < d.Length; i++)
        {
            double u = random.NextDouble();
            // One draw decides both events: u < p/2 → pepper, p/2 ≤ u < p → salt.
            if (u < p) d[i] = u < p / 2 ? 0f : 1f;
        }
    }
}

/// <summary>Speckle (multiplicative) noise: x + x·N(0, σ²) per value.</summary>
public sealed class SpeckleNoise : Corruption
{
    private static readonly double[] Cifar = [.06, .10, .12, .16, .20];
    private static readonly double[] ImageNet = [.15, .20, .35, .45, .60];

    /// <inheritdoc />
    public override string Name => "speckle_noise";
    /// <inheritdoc />
    public override CorruptionGroup Group => CorruptionGroup.Noise;
    /// <inheritdoc />
    public override string Description => "x + x·N(0, σ²) per value; σ CIFAR .06–.20, ImageNet .15–.60.";

    /// <inheritdoc />
    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        double sigma = level.Pick(Cifar, ImageNet);
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] += (float)(d[i] * sigma * random.NextGaussian());
    }
}
