using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// MTAN (Liu et al., CVPR 2019, "End-to-End Multi-Task Learning with Attention"): a shared backbone whose stage features
/// hʲ every task reads through its own soft attention masks: task k's feature at stage j is tₖʲ = aₖʲ ⊙ hʲ with
/// aₖʲ = σ(gₖʲ(hʲ, tₖʲ⁻¹)); task k's head reads tₖᴸ.
/// </summary>
/// <remarks>
/// Variant, for vector stages (an MLP trunk; conv trunks get <see cref="MtanConvNetwork"/>): the backbone is the configured
/// MLP trunk (stages = its hidden layers; image features are flattened); the attention module of task k at stage j is one task-specific linear layer + sigmoid over hʲ (stage 1)
/// or the concatenation [hʲ ; tₖʲ⁻¹] (later stages). The original's shared f-block between stages (a conv that maps
/// tₖʲ⁻¹ to the next stage's size) is folded into each task's attention layer, so that every parameter after the stage
/// features belongs to one task. The boundary is the L stage features, so Representation mode works.
/// </remarks>
public sealed class MtanNetwork : MultiTaskNetwork
{
    private readonly ModuleList<Linear> backbone;
    private readonly Dropout dropout;
    private readonly ModuleList<ModuleList<Linear>> attention;
    private readonly ModuleList<TaskHead> heads;
    private readonly int tasks, stages;

    internal MtanNetwork(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> taskList) : base(nameof(MtanNetwork), taskList)
    {
        if (trunk.Kind != TrunkKind.Mlp)
            throw new NotSupportedException($"This MTAN network attends over the stages of an MLP backbone, but Options.Trunk is {trunk.Kind}; conv trunks get MtanConvNetwork (build through MtanNetwork.Options).");
        (tasks, stages) = (taskList.Count, trunk.MlpHiddenSizes.Length);
        int[] sizes = trunk.MlpHiddenSizes;
        long previous = ExpertParts.InputSize(inputShape);
        var layers = new List<Linear>();
        foreach (int h in sizes)
        {
            layers.Add(nn.Linear(previous, h));
            previous = h;
        }
        backbone = nn.ModuleList(layers.ToArray());
        dropout = nn.Dropout(trunk.Dropout);
        attention = nn.ModuleList(Enumerable.Range(0, tasks).Select(_ =>
            nn.ModuleList(Enumerable.Range(0, stages).Select(j => nn.Linear(j == 0 ? sizes[0] : sizes[j] + sizes[j - 1], sizes[j])).ToArray())).ToArray());
        heads = ExpertParts.Heads(taskList, sizes[^1]);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "MTAN";

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => backbone.parameters().ToArray();

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) => ExpertParts.ParametersOf([attention[task]], [heads[task]]);

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => [backbone, dropout];

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var features = new Tensor[stages];
        Tensor h = x.flatten(1);
        for (int j = 0; j < stages; j++) h = features[j] = dropout.call(F.relu(backbone[j].call(h)));
        return features.Select(f => f.MoveToOuterDisposeScope()).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        var outputs = new Tensor[tasks];
        for (int k = 0; k < tasks; k++)
        {
            using var scope = NewDisposeScope();
            Tensor t = boundaries[0];
            for (int j = 0; j < stages; j++)
            {
                Tensor input = j == 0 ? boundaries[0] : cat([boundaries[j], t], 1);
                t = torch.sigmoid(attention[k][j].call(input)) * boundaries[j];
            }
            outputs[k] = heads[k].call(t).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var features = new string[stages];
        string h = graph.Flatten(input);
        for (int j = 0; j < stages; j++) h = features[j] = graph.Relu(OnnxExporters.Export(backbone[j], graph, h));
        var outputs = new string[tasks];
        for (int k = 0; k < tasks; k++)
        {
            string t = features[0];
            for (int j = 0; j < stages; j++)
            {
                string inputs = j == 0 ? features[0] : graph.Node("Concat", [features[j], t], ("axis", 1L));
                t = graph.Node("Mul", [graph.Sigmoid(OnnxExporters.Export(attention[k][j], graph, inputs)), features[j]]);
            }
            outputs[k] = heads[k].ExportOnnx(graph, t);
        }
        return (outputs, null);
    }

    /// <summary>
    /// MTAN's options. Its backbone follows <c>Options.Trunk</c>: an MLP trunk gives the MLP backbone (this class; image
    /// features flattened), a conv trunk (MultiLeNet, ResNet; the automatic trunk on images) the conv backbone with conv
    /// attention modules over image features (<see cref="MtanConvNetwork"/>).
    /// </summary>
    public sealed class Options : ArchitectureOptions
    {
        /// <inheritdoc />
        public override string Name => "mtan";

        /// <inheritdoc />
        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            trunk.Kind == TrunkKind.Mlp ? new MtanNetwork(trunk, inputShape, tasks) : new MtanConvNetwork(trunk, inputShape, tasks);
    }
}
