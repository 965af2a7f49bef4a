namespace Mtl.Analysis.Statistics;

/// <summary>
/// Mean, standard deviation and 2.5/97.5 percentiles of a set of values (Elich et al.'s per-epoch summary). The standard
/// deviation is the population one (divisor n, NumPy's <c>std</c> default); percentiles as <see cref="Percentile"/>.
/// Undefined values (NaN, e.g. the cosine of a zero gradient) are counted apart, not summarised.
/// </summary>
/// <param name="Count">Number of defined values summarised.</param>
/// <param name="Undefined">Number of NaN values left out.</param>
/// <param name="Mean">Mean of the defined values (NaN when there are none).</param>
/// <param name="StandardDeviation">Population standard deviation (NaN when there are none).</param>
/// <param name="Percentile2_5">2.5th percentile (NaN when there are none).</param>
/// <param name="Percentile97_5">97.5th percentile (NaN when there are none).</param>
public sealed record DistributionSummary(int Count, int Undefined, double Mean, double StandardDeviation, double Percentile2_5, double Percentile97_5)
{
    /// <summary>Summarises the values.</summary>
    public static DistributionSummary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] all = values.ToArray();
        double[] defined = all.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToArray();
        int undefined = all.Length - defined.Length;
        if (defined.Length == 0) return new DistributionSummary(0, undefined, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = defined.Average();
        double variance = defined.Sum(v => (v - mean) * (v - mean)) / defined.Length;
        return new DistributionSummary(defined.Length, undefined, mean, Math.Sqrt(variance),
            Percentile.OfSorted(defined, 2.5), Percentile.OfSorted(defined, 97.5));
    }
}
