using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// MMoE (Ma et al., KDD 2018, "Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts"):
/// n shared experts fᵢ, and per task k a gate gᵏ(x) = softmax(W_gk x) over the experts and a tower hᵏ:
/// yₖ = hᵏ(Σᵢ gᵏ(x)ᵢ fᵢ(x)).
/// </summary>
/// <remarks>
/// Variant: as published — each gate is one linear layer over the (flattened) input x, with no noise or top-k; each
/// expert is a fresh copy of the configured trunk (an MLP on vectors, a conv trunk on images); the tower is the task's
/// head. The boundary is the n expert outputs (the gates and towers are task parameters), so Representation mode takes
/// per-task gradients there. No embedding (each task sees its own mix).
/// </remarks>
public sealed class MmoeNetwork : MultiTaskNetwork
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> experts;
    private readonly ModuleList<Linear> gates;
    private readonly ModuleList<TaskHead> heads;

    /// <summary>Builds MMoE with <paramref name="expertCount"/> experts of the trunk's kind.</summary>
    internal MmoeNetwork(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks, int expertCount) : base(nameof(MmoeNetwork), tasks)
    {
        ExpertParts.AtLeast(expertCount, 1, "MMoE", "experts");
        (experts, int size) = ExpertParts.Trunks(trunk, inputShape, expertCount);
        long inputs = ExpertParts.InputSize(inputShape);
        gates = nn.ModuleList(tasks.Select(_ => nn.Linear(inputs, expertCount)).ToArray());
        heads = ExpertParts.Heads(tasks, size);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "MMoE";

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => ExpertParts.ParametersOf(experts);

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) => ExpertParts.ParametersOf([gates[task]], [heads[task]]);

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => experts;

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x) => experts.Select(e => e.call(x)).ToArray();

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        var outputs = new Tensor[heads.Count];
        for (int k = 0; k < outputs.Length; k++)
        {
            using var scope = NewDisposeScope();
            Tensor mixed = ExpertParts.Mix(ExpertParts.Gate(gates[k], x), boundaries);
            outputs[k] = heads[k].call(mixed).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string[] e = experts.Select(m => OnnxExporters.Export(m, graph, input)).ToArray();
        return (Enumerable.Range(0, heads.Count)
            .Select(k => heads[k].ExportOnnx(graph, ExpertParts.MixOnnx(graph, ExpertParts.GateOnnx(graph, gates[k], input), e))).ToArray(), null);
    }

    /// <summary>MMoE's options: the number of experts.</summary>
    public sealed class Options : ArchitectureOptions
    {
        /// <summary>Number of shared experts (≥ 1).</summary>
        public int Experts = 4;

        /// <inheritdoc />
        public override string Name => "mmoe";

        internal override IReadOnlyList<ArchitectureArgument> Arguments =>
            [new("experts", nameof(Experts), 1, true, () => Experts, v => Experts = (int)v)];

        /// <inheritdoc />
        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            new MmoeNetwork(trunk, inputShape, tasks, Experts);
    }
}
