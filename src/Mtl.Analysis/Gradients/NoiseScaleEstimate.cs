namespace Mtl.Analysis.Gradients;

/// <summary>McCandlish et al.'s gradient noise scale from two batch sizes.</summary>
/// <param name="SmallBatch">b.</param>
/// <param name="LargeBatch">B.</param>
/// <param name="SmallGradientNormSquared">|g_b|² (averaged over the small batches measured).</param>
/// <param name="LargeGradientNormSquared">|g_B|².</param>
/// <param name="TraceSigma">tr Σ ≈ (|g_b|² − |g_B|²)/(1/b − 1/B): the per-sample gradient noise.</param>
/// <param name="GradientNormSquared">|G|² ≈ (B|g_B|² − b|g_b|²)/(B − b): the true gradient's squared norm.</param>
/// <param name="SimpleNoiseScale">B_simple = tr Σ / |G|²; NaN when the |G|² estimate is ≤ 0 (noise dominates the measurement).</param>
public sealed record NoiseScaleEstimate(int SmallBatch, int LargeBatch, double SmallGradientNormSquared, double LargeGradientNormSquared,
    double TraceSigma, double GradientNormSquared, double SimpleNoiseScale);
