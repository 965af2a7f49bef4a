using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// Cross-stitch networks (Misra et al., CVPR 2016): one column per task; after each stage l the columns' activations are
/// mixed by a learned T×T matrix αˡ: x̃ₖˡ = Σⱼ αˡₖⱼ xⱼˡ, and column k's next stage reads x̃ₖˡ. Task k's head reads its
/// column's last mixed output.
/// </summary>
/// <remarks>
/// Variant: one scalar αˡₖⱼ per pair of columns and stage (the paper's cross-stitch unit, not per channel), initialised
/// to 0.9 on the diagonal and 0.1/(T − 1) elsewhere (the paper's α_S = 0.9, α_D = 0.1 for two tasks). This class is the
/// MLP-column form (an MLP trunk): columns are MLPs with the configured MLP trunk's hidden sizes and dropout (stages =
/// hidden layers; image features are flattened); conv trunks get <see cref="CrossStitchConvNetwork"/>. Every column
/// and stitch feeds every task, so they are shared; task k owns its head. The boundary is the T last mixed outputs (task
/// k's head reads only the k-th), so Representation mode works; its per-task gradients there are block-diagonal.
/// GradNorm measures the default layer, the last shared matrix: the last stage's stitch unit α, which every task reaches.
/// </remarks>
public sealed class CrossStitchNetwork : MultiTaskNetwork
{
    private readonly ModuleList<ModuleList<Linear>> columns;
    private readonly ParameterList stitches;
    private readonly Dropout dropout;
    private readonly ModuleList<TaskHead> heads;
    private readonly int tasks, stages;

    internal CrossStitchNetwork(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> taskList) : base(nameof(CrossStitchNetwork), taskList)
    {
        if (trunk.Kind != TrunkKind.Mlp)
            throw new NotSupportedException($"This cross-stitch network builds MLP columns from an MLP trunk's hidden layers, but Options.Trunk is {trunk.Kind}; conv trunks get CrossStitchConvNetwork (build through CrossStitchNetwork.Options).");
        (tasks, stages) = (taskList.Count, trunk.MlpHiddenSizes.Length);
        long inputs = ExpertParts.InputSize(inputShape);
        columns = nn.ModuleList(Enumerable.Range(0, tasks).Select(_ =>
        {
            long previous = inputs;
            var layers = new List<Linear>();
            foreach (int h in trunk.MlpHiddenSizes)
            {
                layers.Add(nn.Linear(previous, h));
                previous = h;
            }
            return nn.ModuleList(layers.ToArray());
        }).ToArray());
        stitches = new ParameterList();
        for (int l = 0; l < stages; l++) stitches.Add(InitialUnit(tasks));
        dropout = nn.Dropout(trunk.Dropout);
        heads = ExpertParts.Heads(taskList, trunk.MlpHiddenSizes[^1]);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "cross-stitch";

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => ExpertParts.ParametersOf(columns).Concat(stitches).ToArray();

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) => heads[task].parameters().ToArray();

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => [columns, dropout];

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <summary>The stitch of stage <paramref name="stage"/> as a T×T array (for the ONNX export and tests).</summary>
    internal float[,] Stitch(int stage) => UnitValues(stitches[stage]);

    /// <summary>A cross-stitch unit's initial T×T values: 0.9 on the diagonal, 0.1/(T − 1) elsewhere (1 for one task).</summary>
    internal static Parameter InitialUnit(int tasks)
    {
        double off = tasks == 1 ? 0 : 0.1 / (tasks - 1);
        var values = new float[tasks * tasks];
        for (int k = 0; k < tasks; k++)
            for (int j = 0; j < tasks; j++) values[k * tasks + j] = (float)(k == j ? (tasks == 1 ? 1.0 : 0.9) : off);
        return new Parameter(tensor(values, [tasks, tasks]));
    }

    /// <summary>A unit's values as a T×T array.</summary>
    internal static float[,] UnitValues(Parameter unit)
    {
        using var noGrad = no_grad();
        using Tensor host = unit.detach().cpu();
        float[] flat = host.data<float>().ToArray();
        int tasks = (int)unit.shape[0];
        var result = new float[tasks, tasks];
        for (int k = 0; k < tasks; k++)
            for (int j = 0; j < tasks; j++) result[k, j] = flat[k * tasks + j];
        return result;
    }

    /// <summary>
    /// The cross-stitch unit: x̃ₖ = Σⱼ αₖⱼ aⱼ for every column k, summed in column order (the ONNX graph adds in the same
    /// order). The columns' activations may be vectors or feature maps: one scalar αₖⱼ scales the whole activation.
    /// </summary>
    internal static Tensor[] Mix(Tensor alpha, IReadOnlyList<Tensor> a) =>
        Enumerable.Range(0, a.Count).Select(k =>
        {
            Tensor sum = alpha[k, 0] * a[0];
            for (int j = 1; j < a.Count; j++) sum = sum + alpha[k, j] * a[j];
            return sum;
        }).ToArray();

    /// <summary>The graph form of <see cref="Mix"/>, with the unit's trained values as constants.</summary>
    internal static string[] MixOnnx(OnnxGraphBuilder graph, float[,] alpha, IReadOnlyList<string> a) =>
        Enumerable.Range(0, a.Count).Select(k =>
        {
            string sum = graph.Node("Mul", [graph.ConstantFloat(alpha[k, 0]), a[0]]);
            for (int j = 1; j < a.Count; j++) sum = graph.Add(sum, graph.Node("Mul", [graph.ConstantFloat(alpha[k, j]), a[j]]));
            return sum;
        }).ToArray();

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor flat = x.flatten(1);
        Tensor[] h = Enumerable.Repeat(flat, tasks).ToArray();
        for (int l = 0; l < stages; l++)
        {
            Tensor[] a = Enumerable.Range(0, tasks).Select(k => dropout.call(F.relu(columns[k][l].call(h[k])))).ToArray();
            h = Mix(stitches[l], a);
        }
        return h.Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries) =>
        Enumerable.Range(0, tasks).Select(k => heads[k].call(boundaries[k])).ToArray();

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string flat = graph.Flatten(input);
        string[] h = Enumerable.Repeat(flat, tasks).ToArray();
        for (int l = 0; l < stages; l++)
        {
            string[] a = Enumerable.Range(0, tasks).Select(k => graph.Relu(OnnxExporters.Export(columns[k][l], graph, h[k]))).ToArray();
            h = MixOnnx(graph, Stitch(l), a);
        }
        return (Enumerable.Range(0, tasks).Select(k => heads[k].ExportOnnx(graph, h[k])).ToArray(), null);
    }

    /// <summary>
    /// Cross-stitch's options. Its columns follow <c>Options.Trunk</c>: an MLP trunk gives MLP columns (this class; image
    /// features flattened), a conv trunk (MultiLeNet, ResNet; the automatic trunk on images) conv columns over image
    /// features, stitched after each conv stage (<see cref="CrossStitchConvNetwork"/>).
    /// </summary>
    public sealed class Options : ArchitectureOptions
    {
        /// <inheritdoc />
        public override string Name => "cross-stitch";

        /// <inheritdoc />
        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            trunk.Kind == TrunkKind.Mlp ? new CrossStitchNetwork(trunk, inputShape, tasks) : new CrossStitchConvNetwork(trunk, inputShape, tasks);
    }
}
