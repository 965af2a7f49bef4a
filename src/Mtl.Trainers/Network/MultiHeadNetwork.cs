using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>
/// Shared trunk + one head per task. <see cref="forward"/> returns the head outputs in task order, in the units the heads
/// learn (standard units for a standardised regression target); <see cref="InTargetUnits"/> turns a head's output into the
/// label's unit with the target statistics the network keeps as buffers (so checkpoints, warm starts and the ONNX graph carry them).
/// </summary>
internal sealed class MultiHeadNetwork : nn.Module<Tensor, Tensor[]>
{
    private readonly nn.Module<Tensor, Tensor> trunk;
    private readonly ModuleList<TaskHead> heads;

    /// <summary>Builds the network for the given input shape (no batch dimension) and tasks.</summary>
    public MultiHeadNetwork(TrunkSpec trunkSpec, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) : base(Runtime.TorchNative.Loaded(nameof(MultiHeadNetwork)))
    {
        (trunk, RepresentationSize) = trunkSpec.Build(inputShape);
        heads = nn.ModuleList(tasks.Select(t => new TaskHead(RepresentationSize, t.HeadHiddenSizes, t.HeadDropout, t.OutputSize)).ToArray());
        standardized = tasks.Select(t => t.LearnsStandardizedTarget).ToArray();
        RegisterComponents();
        register_buffer(TargetShiftBuffer, zeros(tasks.Count, dtype: ScalarType.Float32));
        register_buffer(TargetScaleBuffer, ones(tasks.Count, dtype: ScalarType.Float32));
    }

    private const string TargetShiftBuffer = "target_shift";
    private const string TargetScaleBuffer = "target_scale";

    // Which heads learn a standardised target; the statistics themselves are buffers (looked up by name, since moving
    // the module to a device replaces buffer tensors).
    private readonly bool[] standardized;

    /// <summary>Whether head <paramref name="task"/> learns its target in standard units.</summary>
    public bool LearnsStandardizedTarget(int task) => standardized[task];

    /// <summary>The (shift, scale) that map head <paramref name="task"/>'s output to the label's unit: y = output · scale + shift ((0, 1) when not standardised).</summary>
    public (double Shift, double Scale) TargetUnits(int task)
    {
        if (!standardized[task]) return (0, 1);
        using var noGrad = no_grad();
        using Tensor shift = get_buffer(TargetShiftBuffer)!.cpu();
        using Tensor scale = get_buffer(TargetScaleBuffer)!.cpu();
        return (shift.data<float>()[task], scale.data<float>()[task]);
    }

    /// <summary>Sets the training statistics of a standardised target (a standard deviation of 0 keeps scale 1: a constant target is only centred).</summary>
    /// <exception cref="InvalidOperationException">The head does not learn a standardised target.</exception>
    public void SetTargetUnits(int task, double mean, double std)
    {
        if (!standardized[task])
            throw new InvalidOperationException($"Head {task} does not learn a standardised target (a regression task with TaskDefinition.StandardizeTarget).");
        if (!double.IsFinite(mean) || !double.IsFinite(std) || std < 0)
            throw new ArgumentOutOfRangeException(nameof(std), $"Target statistics of head {task} must be finite (mean {mean}, std {std}).");
        using var noGrad = no_grad();
        using (Tensor shift = get_buffer(TargetShiftBuffer)!.narrow(0, task, 1)) shift.fill_(mean);
        using (Tensor scale = get_buffer(TargetScaleBuffer)!.narrow(0, task, 1)) scale.fill_(std > 0 ? std : 1.0);
    }

    /// <summary>Head <paramref name="task"/>'s output (batch × outputs) in the label's unit: output · scale + shift for a standardised target, else unchanged.</summary>
    public Tensor InTargetUnits(int task, Tensor headOutput)
    {
        if (!standardized[task]) return headOutput.alias();
        using Tensor scale = get_buffer(TargetScaleBuffer)!.narrow(0, task, 1);
        using Tensor shift = get_buffer(TargetShiftBuffer)!.narrow(0, task, 1);
        using Tensor scaled = headOutput * scale;
        return scaled + shift;
    }

    /// <summary>Writes the de-standardisation of head <paramref name="task"/> (Mul and Add with its statistics) after <paramref name="headOutput"/> in an ONNX graph.</summary>
    public string ExportTargetUnitsOnnx(OnnxGraphBuilder graph, int task, string headOutput)
    {
        if (!standardized[task]) return headOutput;
        (double shift, double scale) = TargetUnits(task);
        string scaled = graph.Node("Mul", new[] { headOutput, graph.ConstantFloat((float)scale) });
        return graph.Add(scaled, graph.ConstantFloat((float)shift));
    }

    /// <summary>Size of the shared representation z.</summary>
    public int RepresentationSize { get; }

    /// <summary>Number of heads.</summary>
    public int TaskCount => heads.Count;

    /// <summary>The shared trunk.</summary>
    public nn.Module<Tensor, Tensor> Trunk => trunk;

    /// <summary>Head of task i.</summary>
    public TaskHead Head(int task) => heads[task];

    /// <summary>Parameters of the shared trunk.</summary>
    public IReadOnlyList<Parameter> SharedParameters() => trunk.parameters().ToArray();

    /// <summary>Parameters of head i.</summary>
    public IReadOnlyList<Parameter> HeadParameters(int task) => heads[task].parameters().ToArray();

    /// <summary>The shared representation z = trunk(x).</summary>
    public Tensor Represent(Tensor x) => trunk.call(x);

    /// <summary>Writes the trunk into an ONNX graph (fails naming the module type when a layer has no exporter).</summary>
    public string ExportTrunkOnnx(OnnxGraphBuilder graph, string input) => OnnxExporters.Export(trunk, graph, input);

    /// <inheritdoc />
    public override Tensor[] forward(Tensor x)
    {
        using Tensor z = trunk.call(x);
        return Enumerable.Range(0, heads.Count).Select(i => heads[i].call(z)).ToArray();
    }
}
