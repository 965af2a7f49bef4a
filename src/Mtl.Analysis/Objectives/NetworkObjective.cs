using Mtl.Trainers;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Objectives;

/// <summary>
/// A <see cref="MultiTaskNetwork"/> with its tasks as an <see cref="IMultiTaskObjective"/>: the network's shared parameters
/// are the shared ones (the trunk of shared-bottom, the experts of MMoE, …), its task parameters task i's, and each task's
/// loss is <see cref="TaskLossFunction"/> of its output.
/// </summary>
public sealed class NetworkObjective : IMultiTaskObjective
{
    private readonly MultiTaskNetwork network;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly TaskLossFunction loss;
    private readonly IReadOnlyList<Tensor> shared;
    private readonly IReadOnlyList<Tensor>[] heads;
    private readonly bool targetsInLabelUnits;

    /// <summary>
    /// Adapts a trained model's network, its tasks scored with the trainer's own per-task losses. Targets are given in the
    /// labels' own units; a standardised regression target is put into the units its head learns before the loss.
    /// </summary>
    /// <param name="model">The trained model (its network is used as it is; the analysis does not change its weights).</param>
    public NetworkObjective(MultiHeadNetworkTransformer model)
        : this((model ?? throw new ArgumentNullException(nameof(model))).Network, model.Tasks, targetsInLabelUnits: true)
    {
    }

    /// <summary>Adapts a network whose tasks are scored with the trainer's own per-task losses.</summary>
    /// <param name="network">The network (its trunk and heads).</param>
    /// <param name="tasks">The tasks, one per head, in head order.</param>
    /// <param name="targetsInLabelUnits">
    /// True when batches carry targets in the labels' units (rows a user gives); false when they come from the trainer's
    /// materialised data, which already holds standardised targets in the heads' units.
    /// </param>
    internal NetworkObjective(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, bool targetsInLabelUnits = false)
        : this(network, tasks, TaskLosses.Loss)
    {
        this.targetsInLabelUnits = targetsInLabelUnits;
    }

    /// <summary>Adapts a network.</summary>
    /// <param name="network">The network (its trunk and heads).</param>
    /// <param name="tasks">The tasks, one per head, in head order.</param>
    /// <param name="loss">Each task's training loss, e.g. the trainer's per-task loss.</param>
    internal NetworkObjective(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, TaskLossFunction loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(loss);
        if (tasks.Count != network.TaskCount)
            throw new ArgumentException($"The network has {network.TaskCount} heads but {tasks.Count} tasks were given; pass one task per head, in head order.", nameof(tasks));
        this.network = network;
        this.tasks = tasks;
        this.loss = loss;
        shared = network.SharedParameters();
        heads = Enumerable.Range(0, tasks.Count).Select(i => network.TaskParameters(i)).ToArray();
        TaskNames = tasks.Select(t => t.Name).ToArray();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> TaskNames { get; }

    /// <inheritdoc />
    public IReadOnlyList<Tensor> SharedParameters => shared;

    /// <inheritdoc />
    public IReadOnlyList<Tensor> TaskParameters(int task)
    {
        if (task < 0 || task >= heads.Length) throw new ArgumentOutOfRangeException(nameof(task), $"Task {task} does not exist; the network has {heads.Length} tasks.");
        return heads[task];
    }

    /// <inheritdoc />
    public Tensor[] Losses(TaskBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Targets.Count != tasks.Count)
            throw new ArgumentException($"The batch has {batch.Targets.Count} target tensors but the network has {tasks.Count} tasks.", nameof(batch));
        Tensor[] outputs = network.call(batch.Features);
        return tasks.Select((t, i) => loss(t, outputs[i], InHeadUnits(i, batch.Targets[i]))).ToArray();
    }

    // A standardised head learns (y − shift)/scale: targets in the label's unit are moved there first.
    private Tensor InHeadUnits(int task, Tensor target)
    {
        if (!targetsInLabelUnits || !network.LearnsStandardizedTarget(task)) return target;
        (double shift, double scale) = network.TargetUnits(task);
        return (target - shift) / scale;
    }

    /// <inheritdoc />
    public nn.Module? Module => network;

    /// <inheritdoc />
    public IDisposable EvaluationMode() => new EvaluationScope(network);
}
