using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers;

/// <summary>Per-task loss and metric on a batch of head outputs; what differs by kind lives in the kind's handler.</summary>
internal static class TaskLosses
{
    /// <summary>The task's loss (mean over the batch), scaled by its LossWeight.</summary>
    public static Tensor Loss(TaskDefinition task, Tensor output, Tensor target)
    {
        Tensor loss = task.EffectiveLoss switch
        {
            TaskLoss.CrossEntropy => F.cross_entropy(output, target),
            TaskLoss.BinaryCrossEntropy => F.binary_cross_entropy_with_logits(output.squeeze(1), target),
            TaskLoss.SquaredError => F.mse_loss(output.squeeze(1), target),
            TaskLoss.AbsoluteError => F.l1_loss(output.squeeze(1), target),
            TaskLoss.SmoothL1 => F.smooth_l1_loss(output.squeeze(1), target),
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.EffectiveLoss, "unknown task loss"),
        };
        return task.LossWeight == 1.0 ? loss : loss * task.LossWeight;
    }

    /// <summary>Sum over the batch of the task's metric contribution: correct predictions (classification) or squared errors (regression).</summary>
    public static Tensor MetricSum(TaskDefinition task, Tensor output, Tensor target) => task.Handler().MetricSum(output, target);

    /// <summary>
    /// Task losses and metric sums (scalar tensors on any device) as host arrays through one device→host copy, not one
    /// synchronising <c>item()</c> per value. The temporaries belong to the caller's dispose scope.
    /// </summary>
    internal static (double[] Losses, double[] MetricSums) ToHost(IReadOnlyList<Tensor> losses, IReadOnlyList<Tensor> metricSums)
    {
        int n = losses.Count;
        var parts = new Tensor[2 * n];
        for (int i = 0; i < n; i++)
        {
            parts[i] = losses[i].detach().to_type(ScalarType.Float64).reshape(1);
            parts[n + i] = metricSums[i].detach().to_type(ScalarType.Float64).reshape(1);
        }
        double[] all = cat(parts, 0).cpu().data<double>().ToArray();
        return (all[..n], all[n..]);
    }

    /// <summary>Turns a metric sum over n rows into the reported metric: accuracy, or RMSE for regression.</summary>
    public static double Finish(TaskDefinition task, double sum, long n) => task.Handler().FinishMetric(sum, n);

}
