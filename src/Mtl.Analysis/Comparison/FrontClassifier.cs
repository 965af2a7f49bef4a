namespace Mtl.Analysis.Comparison;

/// <summary>
/// Classifies points against a front (e.g. a scalarization sweep's front) as on / inside / beyond.
/// <para>
/// Definition. Orient every objective "larger is better" and divide objective k by a positive scale s_k (e.g. the seed
/// standard deviation of that metric, <see cref="PooledStandardDeviation"/>). The front F attains the region
/// A = {x : some f ∈ F has f ≥ x}; its boundary is the attainment surface. The margin of a point p is
/// m(p) = max_{f∈F} min_k (f_k − p_k)/s_k. If m ≥ 0, p lies in A and m is its depth: the largest uniform
/// improvement (m·s_k on every objective) that keeps it attained. If m &lt; 0, p lies outside A and −m is the smallest
/// uniform worsening that brings it into A. So |m| is the Chebyshev (L∞) distance, in scale units, to the surface, and a
/// point of F itself has m = 0. With tolerance τ ≥ 0: m &gt; τ → <see cref="FrontPosition.Inside"/>,
/// m &lt; −τ → <see cref="FrontPosition.Beyond"/>, otherwise <see cref="FrontPosition.On"/>. With scales = seed
/// standard deviations, τ = 1 reads "within one seed standard deviation of the front".
/// </para>
/// </summary>
public static class FrontClassifier
{
    /// <summary>The signed margin m(p) defined above.</summary>
    /// <exception cref="ArgumentException">The front is empty, a vector has the wrong length or a NaN, or a scale is not positive and finite.</exception>
    public static double Margin(LabelledPoint point, IReadOnlyList<LabelledPoint> front, ObjectiveSpace space, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(front);
        ArgumentNullException.ThrowIfNull(space);
        RequireScales(scales, space);
        if (front.Count == 0) throw new ArgumentException("A front to classify against needs at least one point.", nameof(front));
        double[] p = space.Orient(point.Values, $"point '{point.Label}'");
        double margin = double.NegativeInfinity;
        foreach (LabelledPoint member in front)
        {
            double[] f = space.Orient(member.Values, $"front point '{member.Label}'");
            double worst = double.PositiveInfinity;
            for (int k = 0; k < p.Length; k++) worst = Math.Min(worst, (f[k] - p[k]) / scales[k]);
            margin = Math.Max(margin, worst);
        }
        return margin;
    }

    /// <summary>Classifies <paramref name="point"/> against <paramref name="front"/> with tolerance <paramref name="tolerance"/> (scale units).</summary>
    /// <exception cref="ArgumentException">As <see cref="Margin"/>, or the tolerance is negative or NaN.</exception>
    public static FrontPlacement Classify(LabelledPoint point, IReadOnlyList<LabelledPoint> front, ObjectiveSpace space, IReadOnlyList<double> scales, double tolerance)
    {
        if (!(tolerance >= 0) || double.IsInfinity(tolerance))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance is a finite distance in scale units, ≥ 0.");
        double m = Margin(point, front, space, scales);
        FrontPosition position = m > tolerance ? FrontPosition.Inside : m < -tolerance ? FrontPosition.Beyond : FrontPosition.On;
        return new FrontPlacement(point.Label, m, position);
    }

    /// <summary>
    /// Per objective, √(mean over configurations of the seed variance): the typical seed spread, for use as scales. Only
    /// configurations with at least two seeds count.
    /// </summary>
    /// <exception cref="ArgumentException">No configuration has two seeds, or the summaries disagree in the number of objectives.</exception>
    public static double[] PooledStandardDeviation(IReadOnlyList<LabelledSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        LabelledSummary[] spread = summaries.Where(s => s.PerObjective.All(o => o.Count >= 2)).ToArray();
        if (spread.Length == 0)
            throw new ArgumentException("A pooled seed spread needs at least one configuration with two or more seeds; run more seeds or pass scales explicitly.", nameof(summaries));
        int dimension = spread[0].PerObjective.Count;
        if (spread.Any(s => s.PerObjective.Count != dimension))
            throw new ArgumentException("The summaries disagree in their number of objectives.", nameof(summaries));
        return Enumerable.Range(0, dimension)
            .Select(k => Math.Sqrt(spread.Average(s => s.PerObjective[k].StandardDeviation * s.PerObjective[k].StandardDeviation)))
            .ToArray();
    }

    private static void RequireScales(IReadOnlyList<double> scales, ObjectiveSpace space)
    {
        ArgumentNullException.ThrowIfNull(scales);
        if (scales.Count != space.Dimension)
            throw new ArgumentException($"{scales.Count} scales for {space.Dimension} objectives; give one scale per objective.", nameof(scales));
        for (int k = 0; k < scales.Count; k++)
            if (!(scales[k] > 0) || double.IsInfinity(scales[k]))
                throw new ArgumentException($"The scale of objective '{space.Names[k]}' is {scales[k]}; scales must be positive and finite (a zero seed spread needs an explicit floor).", nameof(scales));
    }
}
