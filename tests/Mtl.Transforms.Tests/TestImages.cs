using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Tests;

/// <summary>A fixed set of synthetic test images: objects on dark backgrounds, like Fashion-MNIST items.</summary>
internal static class TestImages
{
    /// <summary>Image number <paramref name="index"/>: an off-centre ellipse, a bar and a soft gradient, varied by index.</summary>
    public static PlanarImage Make(int channels, int size, int index)
    {
        var image = new PlanarImage(channels, size, size);
        double cx = size * (0.4 + 0.05 * (index % 4)), cy = size * (0.45 + 0.04 * (index % 3));
        double rx = size * (0.22 + 0.03 * (index % 3)), ry = size * (0.3 - 0.02 * (index % 4));
        for (int c = 0; c < channels; c++)
        {
            double tint = channels == 1 ? 1 : 0.6 + 0.2 * ((c + index) % 3);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    double dx = (x - cx) / rx, dy = (y - cy) / ry;
                    double v = dx * dx + dy * dy <= 1 ? 0.55 + 0.35 * Math.Sin(0.7 * x + index) * Math.Cos(0.5 * y) : 0.05;
                    if (y > size * 0.7 && y < size * 0.8 && x > size * 0.15 && x < size * 0.6) v = 0.9;
                    image[c, y, x] = (float)Math.Clamp(v * tint, 0, 1);
                }
        }
        return image;
    }

    /// <summary>The fixed set: <paramref name="count"/> images.</summary>
    public static PlanarImage[] Set(int channels, int size, int count = 6) =>
        Enumerable.Range(0, count).Select(i => Make(channels, size, i)).ToArray();

    /// <summary>Mean absolute difference.</summary>
    public static double MeanAbsDiff(PlanarImage a, PlanarImage b)
    {
        double s = 0;
        for (int i = 0; i < a.Data.Length; i++) s += Math.Abs(a.Data[i] - b.Data[i]);
        return s / a.Data.Length;
    }

    /// <summary>Applies a corruption to a copy with a seed.</summary>
    public static PlanarImage Corrupt(PlanarImage clean, string name, int severity, ulong seed, CorruptionSettings? settings = null)
    {
        var copy = clean.Clone();
        var random = new CorruptionRandom(seed);
        CorruptionRegistry.Get(name).Apply(copy, severity, settings ?? CorruptionSettings.Default, ref random);
        return copy;
    }

    /// <summary>Mean distance to the clean images over the set, averaged over a few seeds.</summary>
    public static double Strength(PlanarImage[] set, string name, int severity, CorruptionSettings? settings = null, int seeds = 4)
    {
        double total = 0;
        for (int i = 0; i < set.Length; i++)
            for (ulong s = 0; s < (ulong)seeds; s++)
                total += MeanAbsDiff(set[i], Corrupt(set[i], name, severity, 1000 * (ulong)i + s, settings));
        return total / (set.Length * seeds);
    }
}
