namespace Mtl.Analysis.Gradients;

/// <summary>The three similarities of one gradient pair.</summary>
/// <param name="Cosine">Cosine similarity (NaN when either gradient is zero).</param>
/// <param name="Magnitude">Magnitude similarity (NaN when both gradients are zero).</param>
/// <param name="ConflictingRatio">Fraction of coordinates with opposite signs, over all coordinates.</param>
public readonly record struct PairSimilarity(double Cosine, double Magnitude, double ConflictingRatio)
{
    /// <summary>The value of one metric.</summary>
    public double this[SimilarityMetric metric] => metric switch
    {
        SimilarityMetric.Cosine => Cosine,
        SimilarityMetric.Magnitude => Magnitude,
        SimilarityMetric.ConflictingRatio => ConflictingRatio,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown similarity metric"),
    };
}
