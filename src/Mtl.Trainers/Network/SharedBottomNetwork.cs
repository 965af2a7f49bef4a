using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network;

/// <summary>
/// Shared-bottom (hard parameter sharing, Caruana 1997): one shared trunk z = trunk(x), then one head per task on z.
/// The boundary is z (Representation mode takes per-task gradients there) and z is the embedding.
/// </summary>
internal sealed class SharedBottomNetwork : MultiTaskNetwork
{
    private readonly nn.Module<Tensor, Tensor> trunk;
    private readonly ModuleList<TaskHead> heads;

    /// <summary>Builds the network for the given input shape (no batch dimension) and tasks.</summary>
    public SharedBottomNetwork(TrunkSpec trunkSpec, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) : base(nameof(SharedBottomNetwork), tasks)
    {
        (trunk, RepresentationSize) = trunkSpec.Build(inputShape);
        heads = nn.ModuleList(tasks.Select(t => new TaskHead(RepresentationSize, t.HeadHiddenSizes, t.HeadDropout, t.OutputSize)).ToArray());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "shared-bottom";

    /// <summary>Size of the shared representation z.</summary>
    public int RepresentationSize { get; }

    /// <summary>The shared trunk.</summary>
    public nn.Module<Tensor, Tensor> Trunk => trunk;

    /// <summary>Head of task i.</summary>
    public TaskHead Head(int task) => heads[task];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => trunk.parameters().ToArray();

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) => heads[task].parameters().ToArray();

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => [trunk];

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <inheritdoc />
    public override int EmbeddingSize => RepresentationSize;

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x) => [trunk.call(x)];

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        Tensor z = boundaries[0];
        var outputs = new Tensor[heads.Count];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = heads[i].call(z);
        return outputs;
    }

    /// <inheritdoc />
    protected override Tensor Embedding(IReadOnlyList<Tensor> boundaries) => boundaries[0];

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string z = OnnxExporters.Export(trunk, graph, input);
        return (Enumerable.Range(0, heads.Count).Select(i => heads[i].ExportOnnx(graph, z)).ToArray(), z);
    }
}
