namespace Mtl.Analysis.Gradients;

/// <summary>The three similarities of a gradient pair (Elich et al.; reference/methods.md, "Metrics").</summary>
public enum SimilarityMetric
{
    /// <summary>S_cos = a·b / (‖a‖‖b‖); a conflict iff &lt; 0. Undefined (NaN) when either vector is zero.</summary>
    Cosine,
    /// <summary>S_mag = 2‖a‖‖b‖ / (‖a‖² + ‖b‖²): 1 for equal norms, → 0 for very different ones. NaN when both are zero.</summary>
    Magnitude,
    /// <summary>Fraction of all coordinates where a and b have strictly opposite signs (a zero coordinate never conflicts).</summary>
    ConflictingRatio,
}
