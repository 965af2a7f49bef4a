namespace Mtl.Analysis.Comparison;

/// <summary>
/// Mean, sample standard deviation (divisor n − 1) and a two-sided Student-t confidence interval of one metric over
/// seeds: mean ± t_{(1+c)/2, n−1} · s/√n. With one seed the spread is unknown: the standard deviation, half-width
/// and interval ends are NaN.
/// </summary>
/// <param name="Count">Number of seeds.</param>
/// <param name="Mean">Mean over seeds.</param>
/// <param name="StandardDeviation">Sample standard deviation (NaN for one seed).</param>
/// <param name="HalfWidth">Half-width of the confidence interval (NaN for one seed).</param>
/// <param name="Confidence">Confidence level of the interval, e.g. 0.95.</param>
public sealed record SeedSummary(int Count, double Mean, double StandardDeviation, double HalfWidth, double Confidence)
{
    /// <summary>Lower end of the interval.</summary>
    public double Low => Mean - HalfWidth;

    /// <summary>Upper end of the interval.</summary>
    public double High => Mean + HalfWidth;

    /// <summary>Whether <paramref name="value"/> lies inside the closed interval [Low, High] (false when the interval is undefined).</summary>
    public bool Contains(double value) => value >= Low && value <= High;

    /// <summary>Whether the two closed intervals share at least one point (false when either is undefined).</summary>
    public bool Overlaps(SeedSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Low <= other.High && other.Low <= High;
    }

    /// <summary>Summarises one metric's values over seeds.</summary>
    /// <param name="values">One value per seed; at least one, none NaN or infinite.</param>
    /// <param name="confidence">Confidence level in (0, 1); 0.95 by default.</param>
    /// <exception cref="ArgumentException">No values, or a value is NaN or infinite (the message gives its index).</exception>
    public static SeedSummary Of(IEnumerable<double> values, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence level must lie strictly between 0 and 1, e.g. 0.95.");
        double[] all = values.ToArray();
        if (all.Length == 0) throw new ArgumentException("A summary over seeds needs at least one value.", nameof(values));
        for (int i = 0; i < all.Length; i++)
            if (!double.IsFinite(all[i]))
                throw new ArgumentException($"Seed value {i} is {all[i]}; every run must report a finite metric (drop or fix the failed run first).", nameof(values));
        int n = all.Length;
        double mean = all.Average();
        if (n == 1) return new SeedSummary(1, mean, double.NaN, double.NaN, confidence);
        double std = Math.Sqrt(all.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double t = StudentT.Quantile((1 + confidence) / 2, n - 1);
        return new SeedSummary(n, mean, std, t * std / Math.Sqrt(n), confidence);
    }

    /// <summary>"0.9476 ± 0.0044" with <paramref name="format"/> for both numbers ("mean ± —" for one seed).</summary>
    public string ToString(string format) =>
        double.IsNaN(HalfWidth)
            ? $"{Mean.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} ± —"
            : $"{Mean.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} ± {HalfWidth.ToString(format, System.Globalization.CultureInfo.InvariantCulture)}";
}
