using Mtl.Analysis.Objectives;
using Mtl.Trainers.Engine;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>
/// The gradient noise scale of McCandlish et al. (studies.md B). For a batch of size b, E|g_b|² = |G|² + tr Σ / b, so two
/// batch sizes b &lt; B give unbiased estimates tr Σ ≈ (|g_b|² − |g_B|²)/(1/b − 1/B) and
/// |G|² ≈ (B|g_B|² − b|g_b|²)/(B − b); B_simple = tr Σ / |G|².
/// </summary>
public static class GradientNoiseScale
{
    /// <summary>The estimates from measured squared gradient norms at batch sizes b &lt; B.</summary>
    public static NoiseScaleEstimate FromNorms(double smallGradientNormSquared, int smallBatch, double largeGradientNormSquared, int largeBatch)
    {
        if (smallBatch < 1) throw new ArgumentOutOfRangeException(nameof(smallBatch), smallBatch, "The small batch size b must be ≥ 1.");
        if (smallBatch >= largeBatch)
            throw new ArgumentOutOfRangeException(nameof(largeBatch), largeBatch, $"The noise scale needs b < B; got b = {smallBatch}, B = {largeBatch}.");
        if (!(smallGradientNormSquared >= 0) || !(largeGradientNormSquared >= 0))
            throw new ArgumentOutOfRangeException(nameof(smallGradientNormSquared), "Squared gradient norms must be finite and ≥ 0.");
        double b = smallBatch, bigB = largeBatch;
        double traceSigma = (smallGradientNormSquared - largeGradientNormSquared) / (1 / b - 1 / bigB);
        double gradientSquared = (bigB * largeGradientNormSquared - b * smallGradientNormSquared) / (bigB - b);
        double simple = gradientSquared > 0 ? traceSigma / gradientSquared : double.NaN;
        return new NoiseScaleEstimate(smallBatch, largeBatch, smallGradientNormSquared, largeGradientNormSquared, traceSigma, gradientSquared, simple);
    }

    /// <summary>
    /// Measures on one batch of B = batch.Rows rows: |g_B|² is the squared norm of the full batch's mean-loss gradient and
    /// |g_b|² the mean over the ⌊B/b⌋ disjoint consecutive chunks of b rows (rows past the last whole chunk are used for
    /// |g_B|² only). Per task (shared parameters + head t) and for the total loss (all parameters). With
    /// <paramref name="evaluationMode"/> (default) dropout is off during the measurement.
    /// </summary>
    /// <param name="objective">The model and its task losses.</param>
    /// <param name="batch">The large batch (B rows).</param>
    /// <param name="smallBatch">b, 1 ≤ b &lt; B.</param>
    /// <param name="evaluationMode">Measure with dropout off (true) or in the model's current mode (false).</param>
    public static NoiseScaleReport Measure(IMultiTaskObjective objective, TaskBatch batch, int smallBatch, bool evaluationMode = true)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(batch);
        int largeBatch = checked((int)batch.Rows);
        if (smallBatch < 1) throw new ArgumentOutOfRangeException(nameof(smallBatch), smallBatch, "The small batch size b must be ≥ 1.");
        if (smallBatch >= largeBatch)
            throw new ArgumentOutOfRangeException(nameof(smallBatch), smallBatch, $"The noise scale needs b < B; got b = {smallBatch} and a batch of B = {largeBatch} rows.");
        int tasks = objective.TaskNames.Count;
        using var scope = NewDisposeScope();
        using IDisposable? mode = evaluationMode ? objective.EvaluationMode() : null;
        double[] large = SquaredGradientNorms(objective, batch);
        int chunks = largeBatch / smallBatch;
        // Every chunk's gradient from one forward of the chunks' rows and one backward per quantity (the engine's groups).
        double[] small = PerSampleGradients.InGroups(objective, batch, chunks, smallBatch, PerSampleGradients.TasksAndTotal(objective))
            .Select(g => g.square().sum(1).mean().item<double>())
            .ToArray();
        var estimates = Enumerable.Range(0, tasks + 1).Select(k => FromNorms(small[k], smallBatch, large[k], largeBatch)).ToArray();
        return new NoiseScaleReport(objective.TaskNames.ToArray(), estimates.Take(tasks).ToArray(), estimates[^1]);
    }

    // |∇L_t|² for each task, then |∇Σ L_t|², on one forward of all the rows (the large batch, remainder included).
    private static double[] SquaredGradientNorms(IMultiTaskObjective objective, TaskBatch rows)
    {
        Tensor[] losses = objective.Losses(rows);
        PerSampleTarget[] targets = PerSampleGradients.TasksAndTotal(objective);
        return targets.Select((target, k) => FlatGradients.Of(target.Loss(losses), target.Parameters, retainGraph: k < targets.Length - 1).square().sum().item<double>())
            .ToArray();
    }
}
