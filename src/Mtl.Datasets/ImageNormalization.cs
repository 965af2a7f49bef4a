namespace Mtl.Datasets;

/// <summary>
/// How 8-bit pixels become floats: <c>(b / 255 − Mean) / Std</c>. <see cref="None"/> keeps b / 255 in [0, 1].
/// </summary>
/// <param name="Mean">Subtracted after scaling to [0, 1].</param>
/// <param name="Std">Divides after the mean is subtracted; must be positive.</param>
public readonly record struct ImageNormalization(float Mean, float Std)
{
    /// <summary>No normalisation: pixels scaled to [0, 1].</summary>
    public static ImageNormalization None => new(0f, 1f);

    /// <summary>MNIST statistics (0.1307, 0.3081), the Multi-MNIST default (Kurin et al. 2022).</summary>
    public static ImageNormalization Mnist => new(MnistDigits.PixelMean, MnistDigits.PixelStd);

    /// <summary>Fashion-MNIST training-set statistics (0.2860, 0.3530), the Multi-Fashion default.</summary>
    public static ImageNormalization FashionMnist => new(Datasets.FashionMnist.PixelMean, Datasets.FashionMnist.PixelStd);

    /// <summary>
    /// Pooled statistics of Fashion-MNIST and MNIST weighted equally (mean 0.2084, std 0.3403), the
    /// Multi-(Fashion+MNIST) default: each canvas carries one image of each source.
    /// </summary>
    public static ImageNormalization FashionAndMnist
    {
        get
        {
            double m1 = MnistDigits.PixelMean, s1 = MnistDigits.PixelStd;
            double m2 = Datasets.FashionMnist.PixelMean, s2 = Datasets.FashionMnist.PixelStd;
            double mean = (m1 + m2) / 2;
            double secondMoment = (s1 * s1 + m1 * m1 + s2 * s2 + m2 * m2) / 2;
            return new((float)mean, (float)Math.Sqrt(secondMoment - mean * mean));
        }
    }

    /// <summary>Throws when <see cref="Std"/> is not positive or a field is not finite.</summary>
    public void Validate()
    {
        if (!float.IsFinite(Mean) || !float.IsFinite(Std) || Std <= 0)
            throw new ArgumentException($"Invalid normalisation (mean {Mean}, std {Std}): both must be finite and std positive.");
    }

    /// <summary>The 256 float values the bytes 0…255 map to.</summary>
    public float[] CreateLookupTable()
    {
        Validate();
        var table = new float[256];
        for (int b = 0; b < 256; b++)
            table[b] = (b / 255f - Mean) / Std;
        return table;
    }
}
