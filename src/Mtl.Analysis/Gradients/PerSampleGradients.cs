using Mtl.Analysis.Objectives;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>Per-sample gradients: one forward per row, then one autograd.grad per target on that row's graph.</summary>
internal static class PerSampleGradients
{
    /// <summary>
    /// For the first <paramref name="samples"/> rows of <paramref name="batch"/>, the gradient of every target; returns one
    /// (samples × parameter count) float64 matrix per target. TorchSharp has no vmap, so each row is its own forward.
    /// </summary>
    public static Tensor[] Compute(IMultiTaskObjective objective, TaskBatch batch, int samples, IReadOnlyList<GradientTarget> targets)
    {
        var rows = new Tensor[targets.Count][];
        for (int k = 0; k < targets.Count; k++) rows[k] = new Tensor[samples];
        for (int i = 0; i < samples; i++)
        {
            Tensor[] losses = objective.Losses(batch.Slice(i, 1));
            for (int k = 0; k < targets.Count; k++)
            {
                // The row's graph serves every target: keep it until the last one.
                rows[k][i] = FlatGradients.Of(targets[k].Loss(losses), targets[k].Parameters, retainGraph: k < targets.Count - 1);
            }
        }
        return rows.Select(r => stack(r, 0)).ToArray();
    }

    /// <summary>Checks n ≥ 2 (or ≥ 1 where one sample suffices) and that the batch holds n rows.</summary>
    public static void Validate(TaskBatch batch, int samples, int minimum, string what)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (samples < minimum)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, $"{what} needs at least {minimum} samples; got {samples}.");
        if (batch.Rows < samples)
            throw new ArgumentException($"{what} asked for {samples} samples but the batch has only {batch.Rows} rows; pass a larger batch or fewer samples.", nameof(batch));
    }
}
