namespace Mtl.Analysis.Statistics;

/// <summary>Percentiles by linear interpolation between order statistics — NumPy's default (<c>method="linear"</c>).</summary>
public static class Percentile
{
    /// <summary>
    /// The <paramref name="percent"/>-th percentile of <paramref name="values"/>: with the values sorted ascending as
    /// x₀ ≤ … ≤ x_{n−1}, h = (n − 1)·percent/100, the result is x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋).
    /// </summary>
    public static double Of(IReadOnlyList<double> values, double percent)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("A percentile needs at least one value.", nameof(values));
        if (!(percent >= 0 && percent <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "Percentiles lie in [0, 100].");
        if (values.Any(double.IsNaN)) throw new ArgumentException("The values contain NaN; remove undefined values first.", nameof(values));
        double[] sorted = values.OrderBy(v => v).ToArray();
        return OfSorted(sorted, percent);
    }

    internal static double OfSorted(double[] sorted, double percent)
    {
        double h = (sorted.Length - 1) * percent / 100.0;
        int lower = (int)Math.Floor(h);
        if (lower >= sorted.Length - 1) return sorted[^1];
        return sorted[lower] + (h - lower) * (sorted[lower + 1] - sorted[lower]);
    }
}
