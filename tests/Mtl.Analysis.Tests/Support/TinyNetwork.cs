using Mtl.Analysis.Objectives;
using Mtl.Trainers;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Analysis.Tests.Support;

/// <summary>A tiny MLP multi-head network with regression tasks, its objective (MSE per task) and seeded data.</summary>
internal sealed class TinyNetwork : IDisposable
{
    public readonly SharedBottomNetwork Network;
    public readonly TaskDefinition[] Tasks;
    public readonly NetworkObjective Objective;

    public TinyNetwork(int tasks, int seed, double headDropout = 0.5)
    {
        manual_seed(seed);
        Tasks = Enumerable.Range(0, tasks)
            .Select(t => new TaskDefinition("Task" + t, kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 3 }, HeadDropout = headDropout })
            .ToArray();
        Network = new SharedBottomNetwork(TrunkSpec.Mlp(5), new long[] { 4 }, Tasks);
        Objective = new NetworkObjective(Network, Tasks, Mse);
    }

    public static Tensor Mse(TaskDefinition task, Tensor output, Tensor target) => F.mse_loss(output.squeeze(1), target);

    /// <summary>A seeded batch (float32); its tensors join the caller's dispose scope.</summary>
    public TaskBatch Batch(int rows, int seed)
    {
        using var generator = new Generator((ulong)seed);
        Tensor x = randn(new long[] { rows, 4 }, generator: generator);
        var targets = Tasks.Select(_ => randn(new long[] { rows }, generator: generator)).ToArray();
        return new TaskBatch(x, targets);
    }

    /// <summary>∇L_t(x_i) on the trunk computed the plain way (backward on that row alone).</summary>
    public double[] TrunkGradient(TaskBatch batch, int task, int row)
    {
        using var scope = NewDisposeScope();
        Network.zero_grad();
        Tensor output = Network.call(batch.Features.narrow(0, row, 1))[task];
        Mse(Tasks[task], output, batch.Targets[task].narrow(0, row, 1)).backward();
        double[] result = Network.SharedParameters().SelectMany(p => p.grad!.to_type(ScalarType.Float64).flatten().data<double>().ToArray()).ToArray();
        Network.zero_grad();
        return result;
    }

    public void Dispose() => Network.Dispose();
}
