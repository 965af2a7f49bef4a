using Mtl.Trainers.Data;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// The one evaluation loop over materialised rows: per task, the mean loss (in the units the network learns: standard
/// units for a standardised target, like the training loss), the finished metric (accuracy; RMSE in the label's unit) and
/// the labelled-row count, over each task's labelled rows only; in evaluation mode (restored afterwards), without
/// gradients, in batches with one dispose scope and one host copy each. Validation during training and the sweeps'
/// per-epoch test figures both use it.
/// </summary>
internal static class NetworkEvaluation
{
    /// <summary>Mean loss, metric and labelled-row count per task over all rows of <paramref name="data"/>.</summary>
    /// <param name="network">The network (its mode is restored afterwards).</param>
    /// <param name="tasks">The network's tasks, in head order.</param>
    /// <param name="data">Rows with labels.</param>
    /// <param name="batchSize">Rows per forward.</param>
    /// <param name="device">Where the network lives.</param>
    public static (double[] Loss, double[] Metric, long[] LabelledRows) Run(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks,
        MaterializedData data, int batchSize, Device device)
    {
        var lossSum = new double[tasks.Count];
        var metricSum = new double[tasks.Count];
        var rows = new long[tasks.Count];
        using (new EvaluationScope(network))
        using (no_grad())
        {
            for (long start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long size = Math.Min(batchSize, data.Count - start);
                Tensor[] outputs = network.call(OnDevice(data.Features.narrow(0, start, size), device));
                Tensor[] y = data.Labels.Select(l => OnDevice(l.narrow(0, start, size), device)).ToArray();
                Tensor?[]? labelled = TaskLosses.LabelMasks(tasks, data, y);
                var losses = new Tensor[tasks.Count];
                var metrics = new Tensor[tasks.Count];
                for (int i = 0; i < tasks.Count; i++)
                {
                    Tensor? mask = labelled?[i];
                    Tensor target = mask is null ? y[i] : TaskLosses.Filled(tasks[i], y[i], mask);
                    losses[i] = TaskLosses.LossOverLabelled(tasks[i], outputs[i], target, mask);
                    metrics[i] = TaskLosses.MetricSumOverLabelled(tasks[i], outputs[i], target, mask);
                }
                (double[] batchLosses, double[] batchMetrics, long[] batchRows) = TaskLosses.ToHost(losses, metrics, labelled, size);
                for (int i = 0; i < tasks.Count; i++)
                {
                    lossSum[i] += batchLosses[i] * batchRows[i];
                    metricSum[i] += batchMetrics[i];
                    rows[i] += batchRows[i];
                }
            }
        }
        return (lossSum.Select((s, i) => rows[i] == 0 ? double.NaN : s / rows[i]).ToArray(),
            metricSum.Select((s, i) => TaskLosses.Finish(tasks[i], s, rows[i], network.TargetUnits(i).Scale)).ToArray(), rows);
    }

    private static Tensor OnDevice(Tensor t, Device device) => device.type == DeviceType.CPU ? t : t.to(device);
}
