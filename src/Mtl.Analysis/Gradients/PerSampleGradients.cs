using Mtl.Analysis.Objectives;
using Mtl.Trainers.Engine;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>The diagnostics' door to the per-layer engine (<see cref="PerSampleGradientEngine"/>) for an objective's rows.</summary>
internal static class PerSampleGradients
{
    /// <summary>
    /// For the first <paramref name="samples"/> rows of <paramref name="batch"/>, the gradient of every target; returns one
    /// (samples × parameter count) float64 matrix per target (float64 contractions: the statistics sum many of them).
    /// </summary>
    public static Tensor[] Compute(IMultiTaskObjective objective, TaskBatch batch, int samples, IReadOnlyList<PerSampleTarget> targets) =>
        InGroups(objective, batch, samples, 1, targets);

    /// <summary>
    /// For the first <paramref name="groups"/>·<paramref name="groupSize"/> rows, the gradient of each group's mean loss
    /// (consecutive groups of <paramref name="groupSize"/> rows): one (groups × parameter count) float64 matrix per target.
    /// </summary>
    public static Tensor[] InGroups(IMultiTaskObjective objective, TaskBatch batch, int groups, int groupSize, IReadOnlyList<PerSampleTarget> targets)
    {
        long rows = (long)groups * groupSize;
        return PerSampleGradientEngine.Compute(objective.Module, (start, count) => objective.Losses(batch.Slice(start, count)), rows, groupSize,
            targets, ScalarType.Float64).Gradients;
    }

    /// <summary>Each task's loss on the shared parameters and its head, then the total loss on every parameter.</summary>
    public static PerSampleTarget[] TasksAndTotal(IMultiTaskObjective objective) =>
        Enumerable.Range(0, objective.TaskNames.Count)
            .Select(t => new PerSampleTarget(l => l[t], ObjectiveParameters.OfTask(objective, t)))
            .Append(new PerSampleTarget(ObjectiveParameters.Total, ObjectiveParameters.All(objective)))
            .ToArray();

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
