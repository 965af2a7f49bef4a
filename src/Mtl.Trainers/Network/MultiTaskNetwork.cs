using Mtl.Trainers.Methods;
using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network;

/// <summary>What one forward of a <see cref="MultiTaskNetwork"/> produced.</summary>
public sealed class MultiTaskForward
{
    internal MultiTaskForward(Tensor[] outputs, IReadOnlyList<Tensor> boundaries, IReadOnlyList<Tensor> taskInputs, Tensor? embedding, Tensor?[]? regularizers)
    {
        Regularizers = regularizers;
        Outputs = outputs;
        Boundaries = boundaries;
        TaskInputs = taskInputs;
        Embedding = embedding;
    }

    /// <summary>Per task, in task order: the task's output (batch × outputs) in the units its head learns.</summary>
    public IReadOnlyList<Tensor> Outputs { get; }

    /// <summary>The shared computation's tensors where task-specific computation starts (none, one or several), attached to the shared graph.</summary>
    public IReadOnlyList<Tensor> Boundaries { get; }

    /// <summary>What the task-specific computation read: <see cref="Boundaries"/> themselves, or their detached, grad-requiring copies.</summary>
    public IReadOnlyList<Tensor> TaskInputs { get; }

    /// <summary>In training mode, per task, a term the training adds to the task's loss (e.g. DSelect-k's selector entropy); null when the network has none.</summary>
    public IReadOnlyList<Tensor?>? Regularizers { get; }

    /// <summary>The network's embedding of the rows (batch × <see cref="MultiTaskNetwork.EmbeddingSize"/>), when it has one.</summary>
    public Tensor? Embedding { get; }
}

/// <summary>
/// The one seam of every multi-task architecture. A network splits its computation at its <i>boundary</i>: a shared part
/// maps the input to the boundary tensors (none, one or several), and the task-specific part maps the input and the
/// boundaries to every task's output. It declares which parameters are shared (the Jacobian's columns) and which belong to
/// each task (each task's optimizer group), which gradient modes it supports (Representation mode takes per-task gradients
/// at the boundary, so it needs one), the layer GradNorm measures, an optional embedding, and its whole-network ONNX
/// export. Training, evaluation, scoring, checkpoints, warm starts, freezing, monitors and the analysis objectives all go
/// through this class; the regression target statistics (standardised targets) live here as buffers, so checkpoints, warm
/// starts and the ONNX graph carry them for every architecture.
/// </summary>
/// <remarks>
/// A subclass registers its modules (<c>RegisterComponents()</c>) in its constructor; every parameter must be either shared
/// or belong to exactly one task (checked when training starts). The task-specific part may read the input x (e.g. MMoE's
/// gates) but must reach the shared parameters only through the boundary tensors.
/// </remarks>
public abstract class MultiTaskNetwork : nn.Module<Tensor, Tensor[]>
{
    private const string TargetShiftBuffer = "target_shift";
    private const string TargetScaleBuffer = "target_scale";

    // Which tasks learn a standardised target; the statistics themselves are buffers (looked up by name, since moving
    // the module to a device replaces buffer tensors).
    private readonly bool[] standardized;

    /// <summary>Creates the network's task bookkeeping (the subclass builds and registers its modules).</summary>
    /// <param name="name">The module name.</param>
    /// <param name="tasks">The tasks, in output order.</param>
    protected MultiTaskNetwork(string name, IReadOnlyList<TaskDefinition> tasks) : base(Runtime.TorchNative.Loaded(name))
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) throw new ArgumentException("A multi-task network needs at least one task.", nameof(tasks));
        standardized = tasks.Select(t => t.LearnsStandardizedTarget).ToArray();
        register_buffer(TargetShiftBuffer, zeros(tasks.Count, dtype: ScalarType.Float32));
        register_buffer(TargetScaleBuffer, ones(tasks.Count, dtype: ScalarType.Float32));
    }

    /// <summary>The architecture's name, as errors and logs name it (e.g. "MMoE").</summary>
    public abstract string ArchitectureName { get; }

    /// <summary>Number of tasks (outputs).</summary>
    public int TaskCount => standardized.Length;

    /// <summary>Parameters shared by the tasks (the columns of the per-task Jacobian), in a fixed order.</summary>
    public abstract IReadOnlyList<Parameter> SharedParameters();

    /// <summary>Parameters only task <paramref name="task"/> uses (its head, tower, gate …).</summary>
    public abstract IReadOnlyList<Parameter> TaskParameters(int task);

    /// <summary>The modules holding the shared parameters (a frozen shared part is kept in evaluation mode).</summary>
    protected abstract IEnumerable<nn.Module> SharedModules();

    /// <summary>True when the network has boundary tensors, so Representation mode can take per-task gradients there.</summary>
    public abstract bool HasBoundary { get; }

    /// <summary>The shared part: the boundary tensors for input <paramref name="x"/> (empty when <see cref="HasBoundary"/> is false).</summary>
    protected abstract IReadOnlyList<Tensor> SharedForward(Tensor x);

    /// <summary>The task-specific part: every task's output, in task order, from the input and the boundary tensors.</summary>
    protected abstract Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries);

    /// <summary>Size of the embedding the network offers (0: none). The shared-bottom network's is its representation z.</summary>
    public virtual int EmbeddingSize => 0;

    /// <summary>The embedding (batch × <see cref="EmbeddingSize"/>) from the boundary tensors; only called when <see cref="EmbeddingSize"/> &gt; 0.</summary>
    protected virtual Tensor Embedding(IReadOnlyList<Tensor> boundaries) =>
        throw new NotSupportedException($"The {ArchitectureName} network has no embedding.");

    /// <summary>
    /// Per task, a term training adds to the task's loss (reading only the task's own parameters), or null for none;
    /// the reported task losses leave it out. Asked only in training mode.
    /// </summary>
    protected virtual Tensor?[]? TrainingRegularizers(Tensor x) => null;

    /// <summary>
    /// The layer GradNorm measures: by default the last shared parameter with two or more dimensions (the last shared
    /// weight matrix); null when there is none.
    /// </summary>
    public virtual Parameter? GradNormLayer => SharedParameters().LastOrDefault(p => p.Dimensions >= 2);

    /// <summary>
    /// Writes the whole network (evaluation mode) into an ONNX graph reading <paramref name="input"/> (batch-first, the
    /// input's shape): returns each task's output value, in the units its head learns, and the embedding's value (null
    /// when <see cref="EmbeddingSize"/> is 0). Fails with <see cref="NotSupportedException"/> when a layer has no exporter.
    /// </summary>
    protected abstract (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input);

    /// <summary>Whether the network can train in <paramref name="mode"/>: Parameters always, Representation when it has a boundary.</summary>
    public bool Supports(GradientMode mode) => mode == GradientMode.Parameters || HasBoundary;

    /// <summary>Throws when the network cannot train in <paramref name="mode"/>, naming the architecture and what to do.</summary>
    /// <exception cref="NotSupportedException">Representation mode on an architecture without a boundary.</exception>
    public void EnsureSupports(GradientMode mode)
    {
        if (!Supports(mode))
            throw new NotSupportedException(
                $"GradientMode.{mode} takes per-task gradients at the shared representation where task-specific computation starts, but the {ArchitectureName} architecture has no such boundary (task and shared computation interleave). Use GradientMode.Parameters, or an architecture with a boundary (every built-in one has one: see docs/architectures.md).");
    }

    /// <summary>
    /// One forward: the shared part, then the task-specific part on the boundaries — or, with
    /// <paramref name="detachBoundaries"/>, on their detached, grad-requiring copies (Representation mode).
    /// </summary>
    public MultiTaskForward Forward(Tensor x, bool detachBoundaries = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        IReadOnlyList<Tensor> boundaries = SharedForward(x);
        IReadOnlyList<Tensor> inputs = detachBoundaries ? boundaries.Select(b => b.detach().requires_grad_(true)).ToArray() : boundaries;
        Tensor[] outputs = TaskForward(x, inputs);
        if (outputs.Length != TaskCount)
            throw new InvalidOperationException($"The {ArchitectureName} network returned {outputs.Length} task outputs for {TaskCount} tasks.");
        return new MultiTaskForward(outputs, boundaries, inputs, EmbeddingSize > 0 ? Embedding(boundaries) : null, training ? TrainingRegularizers(x) : null);
    }

    /// <inheritdoc />
    public sealed override Tensor[] forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        IReadOnlyList<Tensor> boundaries = SharedForward(x);
        return TaskForward(x, boundaries).Select(o => o.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Puts the shared modules in evaluation mode (a frozen shared part is a fixed feature extractor: no dropout).</summary>
    internal void SharedToEvaluationMode()
    {
        foreach (nn.Module module in SharedModules()) module.eval();
    }

    /// <summary>
    /// Checks that every parameter is shared or belongs to exactly one task, so that the gradient engine and the per-task
    /// optimizer groups see each exactly once.
    /// </summary>
    /// <exception cref="InvalidOperationException">A parameter is in no group or in two.</exception>
    internal void ValidatePartition()
    {
        var owner = new Dictionary<IntPtr, string>();
        void Claim(IEnumerable<Parameter> ps, string group)
        {
            foreach (Parameter p in ps)
                if (!owner.TryAdd(p.Handle, group))
                    throw new InvalidOperationException($"The {ArchitectureName} network lists a parameter of shape ({string.Join(", ", p.shape)}) both in {owner[p.Handle]} and in {group}; each parameter must be shared or belong to one task.");
        }
        Claim(SharedParameters(), "SharedParameters()");
        for (int i = 0; i < TaskCount; i++) Claim(TaskParameters(i), $"TaskParameters({i})");
        foreach ((string name, Parameter p) in named_parameters())
            if (!owner.ContainsKey(p.Handle))
                throw new InvalidOperationException($"The {ArchitectureName} network's parameter '{name}' is neither in SharedParameters() nor in any TaskParameters(i); list it in one of them.");
    }

    /// <summary>Writes the whole network and each standardised task's de-standardisation into <paramref name="graph"/>.</summary>
    internal (string[] TaskOutputs, string? Embedding) ExportWholeOnnx(OnnxGraphBuilder graph, string input)
    {
        (string[] outputs, string? embedding) = ExportOnnx(graph, input);
        if (outputs.Length != TaskCount)
            throw new InvalidOperationException($"The {ArchitectureName} network's ONNX export wrote {outputs.Length} task outputs for {TaskCount} tasks.");
        return (outputs.Select((o, i) => ExportTargetUnitsOnnx(graph, i, o)).ToArray(), embedding);
    }

    /// <summary>Whether task <paramref name="task"/> learns its target in standard units.</summary>
    public bool LearnsStandardizedTarget(int task) => standardized[task];

    /// <summary>The (shift, scale) that map task <paramref name="task"/>'s output to the label's unit: y = output · scale + shift ((0, 1) when not standardised).</summary>
    public (double Shift, double Scale) TargetUnits(int task)
    {
        if (!standardized[task]) return (0, 1);
        using var noGrad = no_grad();
        using Tensor shift = get_buffer(TargetShiftBuffer)!.cpu();
        using Tensor scale = get_buffer(TargetScaleBuffer)!.cpu();
        return (shift.data<float>()[task], scale.data<float>()[task]);
    }

    /// <summary>Sets the training statistics of a standardised target (a standard deviation of 0 keeps scale 1: a constant target is only centred).</summary>
    /// <exception cref="InvalidOperationException">The task does not learn a standardised target.</exception>
    internal void SetTargetUnits(int task, double mean, double std)
    {
        if (!standardized[task])
            throw new InvalidOperationException($"Head {task} does not learn a standardised target (a regression task with TaskDefinition.StandardizeTarget).");
        if (!double.IsFinite(mean) || !double.IsFinite(std) || std < 0)
            throw new ArgumentOutOfRangeException(nameof(std), $"Target statistics of head {task} must be finite (mean {mean}, std {std}).");
        using var noGrad = no_grad();
        using (Tensor shift = get_buffer(TargetShiftBuffer)!.narrow(0, task, 1)) shift.fill_(mean);
        using (Tensor scale = get_buffer(TargetScaleBuffer)!.narrow(0, task, 1)) scale.fill_(std > 0 ? std : 1.0);
    }

    /// <summary>Task <paramref name="task"/>'s output (batch × outputs) in the label's unit: output · scale + shift for a standardised target, else unchanged.</summary>
    internal Tensor InTargetUnits(int task, Tensor output)
    {
        if (!standardized[task]) return output.alias();
        using Tensor scale = get_buffer(TargetScaleBuffer)!.narrow(0, task, 1);
        using Tensor shift = get_buffer(TargetShiftBuffer)!.narrow(0, task, 1);
        using Tensor scaled = output * scale;
        return scaled + shift;
    }

    private string ExportTargetUnitsOnnx(OnnxGraphBuilder graph, int task, string output)
    {
        if (!standardized[task]) return output;
        (double shift, double scale) = TargetUnits(task);
        string scaled = graph.Node("Mul", new[] { output, graph.ConstantFloat((float)scale) });
        return graph.Add(scaled, graph.ConstantFloat((float)shift));
    }
}
