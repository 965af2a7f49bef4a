using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// Cross-stitch networks (Misra et al., CVPR 2016) on images: one conv column per task, each a fresh copy of the conv
/// trunk's stages; after each stage l a learned unit mixes the T columns' feature maps, x̃ₖˡ = Σⱼ αˡₖⱼ xⱼˡ, and column k's
/// next stage reads x̃ₖˡ. After the last stage, column k's tail (the trunk's remaining layers) and task k's head.
/// </summary>
/// <remarks>
/// <para>Variant: as <see cref="CrossStitchNetwork"/> for vectors — one scalar αˡₖⱼ per pair of columns and stage (it scales
/// the whole feature map; the paper also allows one per channel, not done here), initialised to 0.9 on the diagonal and
/// 0.1/(T − 1) elsewhere. Stages are the trunk's: MultiLeNet's two conv → pool → ReLU blocks
/// (units after 10×12×12 and 20×4×4 maps for 28×28 images), or the ResNet's stem and three blocks. Misra et al. also
/// stitch after the fully connected layers; here the units sit after the conv stages only, and each column's tail
/// (MultiLeNet's fc 320 → 50 → ReLU; the ResNet's global average pool) belongs to its task.</para>
/// <para>Every column's stages and every unit feed every task, so they are shared; task k owns its column's tail and its
/// head. The boundary is the T mixed feature maps of the last stage (task k reads only the k-th), so Representation mode
/// works; its per-task gradients there are block-diagonal. GradNorm measures the default layer, the last stage's unit.</para>
/// </remarks>
public sealed class CrossStitchConvNetwork : MultiTaskNetwork
{
    private readonly ModuleList<ModuleList<nn.Module<Tensor, Tensor>>> columns;
    private readonly ParameterList stitches;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> tails;
    private readonly ModuleList<TaskHead> heads;
    private readonly int tasks, stages;

    /// <summary>Builds T conv columns from <paramref name="trunk"/>'s stages for images of <paramref name="inputShape"/>.</summary>
    internal CrossStitchConvNetwork(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> taskList) : base(nameof(CrossStitchConvNetwork), taskList)
    {
        TrunkStages plan = TrunkStages.Of(trunk, inputShape, "Cross-stitch");
        (tasks, stages) = (taskList.Count, plan.Count);
        // Column k's stages then its tail, column after column: each column is built as one trunk would be.
        var columnStages = new ModuleList<nn.Module<Tensor, Tensor>>[tasks];
        var columnTails = new nn.Module<Tensor, Tensor>[tasks];
        for (int k = 0; k < tasks; k++)
        {
            columnStages[k] = nn.ModuleList(plan.CreateStages());
            columnTails[k] = plan.CreateTail();
        }
        columns = nn.ModuleList(columnStages);
        tails = nn.ModuleList(columnTails);
        stitches = new ParameterList();
        for (int l = 0; l < stages; l++) stitches.Add(CrossStitchNetwork.InitialUnit(tasks));
        heads = ExpertParts.Heads(taskList, plan.OutputSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "cross-stitch";

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => ExpertParts.ParametersOf(columns).Concat(stitches).ToArray();

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) => ExpertParts.ParametersOf([tails[task]], [heads[task]]);

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => [columns];

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <summary>The unit of stage <paramref name="stage"/> as a T×T array (for the ONNX export and tests).</summary>
    internal float[,] Stitch(int stage) => CrossStitchNetwork.UnitValues(stitches[stage]);

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor[] h = Enumerable.Repeat(x, tasks).ToArray();
        for (int l = 0; l < stages; l++)
        {
            Tensor[] a = Enumerable.Range(0, tasks).Select(k => columns[k][l].call(h[k])).ToArray();
            h = CrossStitchNetwork.Mix(stitches[l], a);
        }
        return h.Select(t => t.MoveToOuterDisposeScope()).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        var outputs = new Tensor[tasks];
        for (int k = 0; k < tasks; k++)
        {
            using var scope = NewDisposeScope();
            outputs[k] = heads[k].call(tails[k].call(boundaries[k])).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string[] h = Enumerable.Repeat(input, tasks).ToArray();
        for (int l = 0; l < stages; l++)
        {
            string[] a = Enumerable.Range(0, tasks).Select(k => OnnxExporters.Export(columns[k][l], graph, h[k])).ToArray();
            h = CrossStitchNetwork.MixOnnx(graph, Stitch(l), a);
        }
        return (Enumerable.Range(0, tasks).Select(k => heads[k].ExportOnnx(graph, OnnxExporters.Export(tails[k], graph, h[k]))).ToArray(), null);
    }
}
