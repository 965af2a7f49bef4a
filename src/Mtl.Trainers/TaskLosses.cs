using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers;

/// <summary>
/// Per-task loss and metric on a batch of head outputs; what differs by kind lives in the kind's handler. A row not labelled
/// for a task (key 0 / NaN, see docs/task-kinds.md) is left out through the task's label mask: the loss is the mean over the
/// batch's labelled rows (0, with a zero gradient, when the batch has none) and the metric sums only labelled rows.
/// </summary>
internal static class TaskLosses
{
    /// <summary>
    /// The task's loss (mean over the batch's labelled rows; 0 when none is labelled), scaled by its LossWeight. Rows with a
    /// missing label are found here (one host read); the trainer computes the mask once per batch instead.
    /// </summary>
    public static Tensor Loss(TaskDefinition task, Tensor output, Tensor target)
    {
        using Tensor labelled = task.Handler().Labelled(target);
        if (labelled.all().item<bool>()) return LossOverLabelled(task, output, target, null);
        using Tensor filled = Filled(task, target, labelled);
        return LossOverLabelled(task, output, filled, labelled);
    }

    /// <summary>
    /// The task's loss with the batch's label mask: <paramref name="labelled"/> null means every row is labelled (the mean
    /// over the batch, no extra work); otherwise <paramref name="target"/> must be <see cref="Filled"/> and the loss is the
    /// mean of the per-row losses over the labelled rows (0 and a zero gradient when there are none).
    /// </summary>
    internal static Tensor LossOverLabelled(TaskDefinition task, Tensor output, Tensor target, Tensor? labelled)
    {
        var reduction = labelled is null ? nn.Reduction.Mean : nn.Reduction.None;
        Tensor loss = task.EffectiveLoss switch
        {
            TaskLoss.CrossEntropy => F.cross_entropy(output, target, reduction: reduction),
            TaskLoss.BinaryCrossEntropy => F.binary_cross_entropy_with_logits(output.squeeze(1), target, reduction: reduction),
            TaskLoss.SquaredError => F.mse_loss(output.squeeze(1), target, reduction),
            TaskLoss.AbsoluteError => F.l1_loss(output.squeeze(1), target, reduction),
            TaskLoss.SmoothL1 => F.smooth_l1_loss(output.squeeze(1), target, reduction),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.EffectiveLoss, "unknown task loss"),
        };
        if (labelled is not null)
        {
            using Tensor perRow = loss;
            using Tensor weight = labelled.to_type(perRow.dtype);
            using Tensor kept = perRow * weight;
            using Tensor count = weight.sum().clamp_min(1);
            loss = kept.sum() / count;
        }
        return task.LossWeight == 1.0 ? loss : loss * task.LossWeight;
    }

    /// <summary>The label masks of a batch: one per task whose data has missing labels, null for the others (null when no task has any).</summary>
    internal static Tensor?[]? LabelMasks(IReadOnlyList<TaskDefinition> tasks, Data.MaterializedData data, Tensor[] y)
    {
        Tensor?[]? masks = null;
        for (int i = 0; i < tasks.Count; i++)
        {
            if (!data.HasMissingLabels(i)) continue;
            masks ??= new Tensor?[tasks.Count];
            masks[i] = Labelled(tasks[i], y[i]);
        }
        return masks;
    }

    /// <summary>The batch's label mask of a task whose data has missing labels (bool, one per row).</summary>
    internal static Tensor Labelled(TaskDefinition task, Tensor target) => task.Handler().Labelled(target);

    /// <summary>The target with its missing entries replaced by a valid placeholder (class 0 / 0.0), so no NaN enters the graph.</summary>
    internal static Tensor Filled(TaskDefinition task, Tensor target, Tensor labelled)
    {
        using Tensor missing = labelled.logical_not();
        return target.masked_fill(missing, 0);
    }

    /// <summary>Sum over the batch's labelled rows of the task's metric contribution: correct predictions (classification) or squared errors (regression).</summary>
    public static Tensor MetricSum(TaskDefinition task, Tensor output, Tensor target)
    {
        using Tensor labelled = task.Handler().Labelled(target);
        using Tensor filled = Filled(task, target, labelled);
        return MetricSumOverLabelled(task, output, filled, labelled);
    }

    /// <summary>The metric sum with the batch's label mask (null: every row labelled; otherwise the target is <see cref="Filled"/>).</summary>
    internal static Tensor MetricSumOverLabelled(TaskDefinition task, Tensor output, Tensor target, Tensor? labelled)
    {
        using Tensor values = task.Handler().MetricValues(output, target);
        // Unmasked: the one reduction the step always did (no extra op for a fully labelled task).
        if (labelled is null) return values.sum(ScalarType.Float64);
        using Tensor precise = values.to_type(ScalarType.Float64);
        using Tensor weight = labelled.to_type(ScalarType.Float64);
        using Tensor kept = precise * weight;
        return kept.sum();
    }

    /// <summary>
    /// Task losses, metric sums and labelled-row counts (scalar tensors on any device) as host arrays through one
    /// device→host copy, not one synchronising <c>item()</c> per value. A null mask counts all <paramref name="rows"/>.
    /// The temporaries belong to the caller's dispose scope.
    /// </summary>
    internal static (double[] Losses, double[] MetricSums, long[] LabelledRows) ToHost(IReadOnlyList<Tensor> losses, IReadOnlyList<Tensor> metricSums,
        IReadOnlyList<Tensor?>? labelled, long rows)
    {
        int n = losses.Count;
        var parts = new List<Tensor>(3 * n);
        for (int i = 0; i < n; i++) parts.Add(losses[i].detach().to_type(ScalarType.Float64).reshape(1));
        for (int i = 0; i < n; i++) parts.Add(metricSums[i].detach().to_type(ScalarType.Float64).reshape(1));
        var masked = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (labelled?[i] is not { } mask) continue;
            masked.Add(i);
            parts.Add(mask.sum().to_type(ScalarType.Float64).reshape(1));
        }
        double[] all = cat(parts.ToArray(), 0).cpu().data<double>().ToArray();
        var counts = new long[n];
        Array.Fill(counts, rows);
        for (int k = 0; k < masked.Count; k++) counts[masked[k]] = (long)all[2 * n + k];
        return (all[..n], all[n..(2 * n)], counts);
    }

    /// <summary>
    /// Turns a metric sum over n labelled rows into the reported metric: accuracy, or RMSE for regression in the label's
    /// unit (<paramref name="targetScale"/>: the standard deviation a standardised target was divided by, else 1).
    /// </summary>
    public static double Finish(TaskDefinition task, double sum, long n, double targetScale = 1) =>
        n == 0 ? double.NaN : task.Handler().FinishMetric(sum, n, targetScale);
}
