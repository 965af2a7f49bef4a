using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>Shared trunk + one head per task. <see cref="forward"/> returns the head outputs in task order.</summary>
internal sealed class MultiHeadNetwork : nn.Module<Tensor, Tensor[]>
{
    private readonly nn.Module<Tensor, Tensor> trunk;
    private readonly ModuleList<TaskHead> heads;

    /// <summary>Builds the network for the given input shape (no batch dimension) and tasks.</summary>
    public MultiHeadNetwork(TrunkSpec trunkSpec, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) : base(Runtime.TorchNative.Loaded(nameof(MultiHeadNetwork)))
    {
        (trunk, RepresentationSize) = trunkSpec.Build(inputShape);
        heads = nn.ModuleList(tasks.Select(t => new TaskHead(RepresentationSize, t.HeadHiddenSizes, t.HeadDropout, t.OutputSize)).ToArray());
        RegisterComponents();
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
