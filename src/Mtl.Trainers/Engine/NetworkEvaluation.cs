using Mtl.Trainers.Data;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// The one evaluation loop over materialised rows: per task, the mean loss and the finished metric (accuracy, RMSE),
/// in evaluation mode (restored afterwards), without gradients, in batches with one dispose scope and one host copy each.
/// Validation during training and the sweeps' per-epoch test figures both use it.
/// </summary>
internal static class NetworkEvaluation
{
    /// <summary>Mean loss and metric per task over all rows of <paramref name="data"/>.</summary>
    /// <param name="network">The network (its mode is restored afterwards).</param>
    /// <param name="tasks">The network's tasks, in head order.</param>
    /// <param name="data">Rows with labels.</param>
    /// <param name="batchSize">Rows per forward.</param>
    /// <param name="device">Where the network lives.</param>
    public static (double[] Loss, double[] Metric) Run(MultiHeadNetwork network, IReadOnlyList<TaskDefinition> tasks, MaterializedData data,
        int batchSize, Device device)
    {
        var lossSum = new double[tasks.Count];
        var metricSum = new double[tasks.Count];
        using (new EvaluationScope(network))
        using (no_grad())
        {
            for (long start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long size = Math.Min(batchSize, data.Count - start);
                Tensor[] outputs = network.call(OnDevice(data.Features.narrow(0, start, size), device));
                var losses = new Tensor[tasks.Count];
                var metrics = new Tensor[tasks.Count];
                for (int i = 0; i < tasks.Count; i++)
                {
                    Tensor y = OnDevice(data.Labels[i].narrow(0, start, size), device);
                    losses[i] = TaskLosses.Loss(tasks[i], outputs[i], y);
                    metrics[i] = TaskLosses.MetricSum(tasks[i], outputs[i], y);
                }
                (double[] batchLosses, double[] batchMetrics) = TaskLosses.ToHost(losses, metrics);
                for (int i = 0; i < tasks.Count; i++)
                {
                    lossSum[i] += batchLosses[i] * size;
                    metricSum[i] += batchMetrics[i];
                }
            }
        }
        return (lossSum.Select(s => s / data.Count).ToArray(), metricSum.Select((s, i) => TaskLosses.Finish(tasks[i], s, data.Count)).ToArray());
    }

    private static Tensor OnDevice(Tensor t, Device device) => device.type == DeviceType.CPU ? t : t.to(device);
}
