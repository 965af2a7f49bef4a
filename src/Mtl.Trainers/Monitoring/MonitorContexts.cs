using Mtl.Trainers.Engine;
using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Monitoring;

/// <summary>What a monitor learns once, before training: the network, the resolved tasks and the run's shape.</summary>
public sealed class MonitorStartContext
{
    internal MonitorStartContext(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, int seed, int firstEpoch, int maxEpoch,
        int stepsPerEpoch, long trainingRows)
    {
        Network = network;
        Tasks = tasks;
        Seed = seed;
        FirstEpoch = firstEpoch;
        MaxEpoch = maxEpoch;
        StepsPerEpoch = stepsPerEpoch;
        TrainingRows = trainingRows;
    }

    /// <summary>The network being trained (observe only).</summary>
    internal MultiTaskNetwork Network { get; }

    /// <summary>The tasks as the trainer resolved them (class counts filled in), in head order.</summary>
    public IReadOnlyList<TaskDefinition> Tasks { get; }

    /// <summary>The run's seed.</summary>
    public int Seed { get; }

    /// <summary>The first epoch trained now (greater than 1 after a resume).</summary>
    public int FirstEpoch { get; }

    /// <summary>The last epoch (MaxEpoch).</summary>
    public int MaxEpoch { get; }

    /// <summary>Optimizer steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Training rows.</summary>
    public long TrainingRows { get; }
}

/// <summary>
/// One due step as a monitor sees it. Tensors it hands out live in the step's dispose scope: copy what you keep
/// (e.g. to managed arrays) before the callback returns.
/// </summary>
public sealed class MonitorStepContext
{
    private readonly IReadOnlyList<Parameter> shared;
    private readonly Tensor[] sharedTensors;

    internal MonitorStepContext(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, long step, int epoch, int batchIndex,
        Tensor features, IReadOnlyList<Tensor> labels, IReadOnlyList<Parameter> shared, IReadOnlyList<Tensor?>? labelMasks = null)
    {
        this.labelMasks = labelMasks;
        Network = network;
        Tasks = tasks;
        Step = step;
        Epoch = epoch;
        BatchIndex = batchIndex;
        Features = features;
        Labels = labels;
        this.shared = shared;
        sharedTensors = shared.Cast<Tensor>().ToArray();
    }

    /// <summary>The network (observe only: a monitor must not change its weights).</summary>
    internal MultiTaskNetwork Network { get; }

    // The trainer's label masks of this batch (null per task without holes): computed once per batch, not per loss call.
    private readonly IReadOnlyList<Tensor?>? labelMasks;

    // Task t's loss over rows [start, start + count) of the batch, counting its labelled rows only.
    private Tensor Loss(int t, Tensor output, long start, long count)
    {
        Tensor target = Labels[t].narrow(0, start, count);
        if (labelMasks?[t] is not { } batchMask) return TaskLosses.LossOverLabelled(Tasks[t], output, target, null);
        Tensor mask = batchMask.narrow(0, start, count);
        return TaskLosses.LossOverLabelled(Tasks[t], output, TaskLosses.Filled(Tasks[t], target, mask), mask);
    }

    /// <summary>The resolved tasks, in head order.</summary>
    public IReadOnlyList<TaskDefinition> Tasks { get; }

    /// <summary>Global step, 1-based (counts across epochs and resumes).</summary>
    public long Step { get; }

    /// <summary>Epoch, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>Batch index within the epoch, 0-based.</summary>
    public int BatchIndex { get; }

    /// <summary>The batch's features (rows first), on the training device, before augmentation is undone (as the step sees them).</summary>
    public Tensor Features { get; }

    /// <summary>The batch's targets, one tensor per task (class indices, 0/1 floats or values).</summary>
    public IReadOnlyList<Tensor> Labels { get; }

    /// <summary>The step's task losses (as trained, LossWeight included); null before the step.</summary>
    public IReadOnlyList<double>? Losses { get; internal set; }

    /// <summary>The shared (trunk) parameters, in the order gradients are flattened.</summary>
    public IReadOnlyList<Parameter> SharedParameters => shared;

    /// <summary>Number of shared parameters P (the width of every gradient matrix here).</summary>
    public long SharedParameterCount => shared.Sum(p => p.numel());

    /// <summary>
    /// Per-sample, per-task gradients on the shared parameters for the batch's first <paramref name="samples"/> rows
    /// (the batch is already in seeded random order): element t is an n × P float32 matrix whose row i is ∇L_t(xᵢ).
    /// Measured with dropout off (evaluation mode, restored after) by the per-layer engine: one forward of the n rows and
    /// one backward per task, each row's gradient formed from the layers' inputs and output gradients (Linear, Conv2d,
    /// batch norm; parameters of other layers take a forward and backward per row). It does not touch the parameters'
    /// <c>.grad</c> or the random generator, so a monitored run trains exactly as an unmonitored one.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="samples"/> is below 1 or above the batch's rows.</exception>
    /// <exception cref="InvalidOperationException">The trunk is frozen (<see cref="MultiHeadNetworkTrainer.Options.FreezeTrunk"/>).</exception>
    public Tensor[] PerSampleSharedGradients(int samples)
    {
        EnsureTrunkTakesGradients();
        long rows = Features.shape[0];
        if (samples < 1 || samples > rows)
            throw new ArgumentOutOfRangeException(nameof(samples), samples,
                $"Per-sample gradients need between 1 and the batch's {rows} rows; lower the monitor's sample count or raise BatchSize.");
        var targets = Enumerable.Range(0, Tasks.Count).Select(t => new PerSampleTarget(losses => losses[t], sharedTensors)).ToArray();
        using (new EvaluationScope(Network))
            return PerSampleGradientEngine.Compute(Network, RowLosses, samples, 1, targets, ScalarType.Float32).Gradients;
    }

    // The task losses of rows [start, start + count) of the batch, each the mean over those rows.
    private Tensor[] RowLosses(long start, long count)
    {
        Tensor[] outputs = Network.call(Features.narrow(0, start, count));
        var losses = new Tensor[Tasks.Count];
        for (int t = 0; t < Tasks.Count; t++) losses[t] = Loss(t, outputs[t], start, count);
        return losses;
    }

    /// <summary>
    /// Each task's gradient of its batch-mean loss on the shared parameters: a T × P float32 matrix, measured with dropout
    /// off (one forward of the whole batch, T gradient calls); like <see cref="PerSampleSharedGradients"/> it leaves
    /// <c>.grad</c> and the random generator alone.
    /// </summary>
    /// <exception cref="InvalidOperationException">The trunk is frozen (<see cref="MultiHeadNetworkTrainer.Options.FreezeTrunk"/>).</exception>
    public Tensor TaskSharedGradients()
    {
        EnsureTrunkTakesGradients();
        var rows = new Tensor[Tasks.Count];
        using (new EvaluationScope(Network))
        {
            Tensor[] outputs = Network.call(Features);
            for (int t = 0; t < Tasks.Count; t++)
                rows[t] = Flatten(Loss(t, outputs[t], 0, Features.shape[0]), retainGraph: t < Tasks.Count - 1);
        }
        return stack(rows);
    }

    private void EnsureTrunkTakesGradients()
    {
        if (shared.Any(p => !p.requires_grad))
            throw new InvalidOperationException(
                "Options.FreezeTrunk is set, so the shared (trunk) parameters take no gradients and there are none to measure; remove this monitor or leave the trunk trainable.");
    }

    private Tensor Flatten(Tensor loss, bool retainGraph)
    {
        // allow_unused: a task whose head ignores part of the trunk (a custom trunk) gets zeros there, not an error.
        Tensor?[] grads = LossGradients.Of(loss, sharedTensors, retainGraph, what: "a task's loss (monitor)");
        var parts = new Tensor[shared.Count];
        for (int p = 0; p < shared.Count; p++)
            parts[p] = grads[p]?.reshape(-1) ?? zeros(shared[p].numel(), dtype: shared[p].dtype, device: shared[p].device);
        return cat(parts, 0);
    }
}
