using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// MTAN (Liu et al., CVPR 2019) on images: a shared conv backbone (the conv trunk's stages) whose stage feature maps hʲ
/// each task reads through its own soft attention masks: tₖʲ = aₖʲ ⊙ hʲ, with aₖ¹ = gₖ¹(h¹) and
/// aₖʲ = gₖʲ([hʲ ; fₖʲ(tₖʲ⁻¹)]) (channel concatenation) for j &gt; 1. Task k's tail (the trunk's remaining layers) and head
/// read tₖᴸ.
/// </summary>
/// <remarks>
/// <para>Variant. The attention module gₖʲ is the paper's: conv 1×1 → BN → ReLU → conv 1×1 → BN → sigmoid, mapping its
/// input's channels to the stage's Cⱼ (middle width Cⱼ), one per task and stage. The paper's f-block (a conv 3×3 → BN →
/// ReLU shared by the tasks, then pooling to the next stage's resolution) is here task-specific: fₖʲ is a fresh copy of
/// backbone stage j (MultiLeNet: conv k5 → maxpool 2 → ReLU; ResNet: the stage's basic block), so tₖʲ⁻¹ reaches stage j's
/// channels and resolution for every input size, and every parameter after the stage features belongs to one task. The
/// paper reads the mask's input at a block's first layer and applies it to the block's last; our stages are one block
/// each, so both are hʲ. After tₖᴸ comes task k's copy of the trunk's tail (MultiLeNet's fc 320 → 50 → ReLU; the ResNet's
/// global average pool) and its head.</para>
/// <para>The backbone is shared; attention modules, f-blocks, tail and head are task k's. The boundary is the L stage
/// feature maps, so Representation mode works. GradNorm measures the default layer, the last stage's last weight.</para>
/// </remarks>
public sealed class MtanConvNetwork : MultiTaskNetwork
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> backbone;
    private readonly ModuleList<ModuleList<MtanAttention>> attention;
    private readonly ModuleList<ModuleList<nn.Module<Tensor, Tensor>>> bridges;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> tails;
    private readonly ModuleList<TaskHead> heads;
    private readonly int tasks, stages;
    private readonly StageShape[] shapes;

    /// <summary>Builds the backbone from <paramref name="trunk"/>'s stages and each task's attention for images of <paramref name="inputShape"/>.</summary>
    internal MtanConvNetwork(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> taskList) : base(nameof(MtanConvNetwork), taskList)
    {
        TrunkStages plan = TrunkStages.Of(trunk, inputShape, "MTAN");
        (tasks, stages, shapes) = (taskList.Count, plan.Count, plan.Shapes.ToArray());
        backbone = nn.ModuleList(plan.CreateStages());
        var taskAttention = new ModuleList<MtanAttention>[tasks];
        var taskBridges = new ModuleList<nn.Module<Tensor, Tensor>>[tasks];
        var taskTails = new nn.Module<Tensor, Tensor>[tasks];
        for (int k = 0; k < tasks; k++)
        {
            taskAttention[k] = nn.ModuleList(Enumerable.Range(0, stages).Select(j =>
                new MtanAttention(j == 0 ? plan.Shapes[0].Channels : 2 * plan.Shapes[j].Channels, plan.Shapes[j].Channels)).ToArray());
            taskBridges[k] = nn.ModuleList(Enumerable.Range(1, stages - 1).Select(plan.CreateStage).ToArray());
            taskTails[k] = plan.CreateTail();
        }
        attention = nn.ModuleList(taskAttention);
        bridges = nn.ModuleList(taskBridges);
        tails = nn.ModuleList(taskTails);
        heads = ExpertParts.Heads(taskList, plan.OutputSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "MTAN";

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => backbone.parameters().ToArray();

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) =>
        ExpertParts.ParametersOf([attention[task]], [bridges[task]], [tails[task]], [heads[task]]);

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => [backbone];

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var features = new Tensor[stages];
        Tensor h = x;
        for (int j = 0; j < stages; j++) h = features[j] = backbone[j].call(h);
        return features.Select(f => f.MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>Task <paramref name="task"/>'s attended feature tₖʲ at every stage, from the stage features.</summary>
    internal Tensor[] Attended(int task, IReadOnlyList<Tensor> features)
    {
        using var scope = NewDisposeScope();
        var t = new Tensor[stages];
        for (int j = 0; j < stages; j++)
        {
            Tensor input = j == 0 ? features[0] : cat([features[j], bridges[task][j - 1].call(t[j - 1])], 1);
            t[j] = attention[task][j].call(input) * features[j];
        }
        return t.Select(v => v.MoveToOuterDisposeScope()).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        // Batch norm in training needs two values per channel; a 1×1 stage map of a one-row batch has one.
        if (training && x.shape[0] == 1 && shapes.FirstOrDefault(s => s.Height * s.Width == 1) is { Channels: > 0 } tiny)
            throw new InvalidOperationException(
                $"MTAN's attention batch-normalises every stage's map, and a stage of these images is {tiny.Channels}×1×1: a training batch of one row leaves one value per channel. Use images with sides of at least 20 px, or a batch size that does not leave a last batch of one row (training rows mod Options.BatchSize ≠ 1).");
        var outputs = new Tensor[tasks];
        for (int k = 0; k < tasks; k++)
        {
            using var scope = NewDisposeScope();
            Tensor last = Attended(k, boundaries)[^1];
            outputs[k] = heads[k].call(tails[k].call(last)).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        var features = new string[stages];
        string h = input;
        for (int j = 0; j < stages; j++) h = features[j] = OnnxExporters.Export(backbone[j], graph, h);
        var outputs = new string[tasks];
        for (int k = 0; k < tasks; k++)
        {
            string t = features[0];
            for (int j = 0; j < stages; j++)
            {
                string inputs = j == 0 ? features[0] : graph.Node("Concat", [features[j], OnnxExporters.Export(bridges[k][j - 1], graph, t)], ("axis", 1L));
                t = graph.Node("Mul", [attention[k][j].ExportOnnx(graph, inputs), features[j]]);
            }
            outputs[k] = heads[k].ExportOnnx(graph, OnnxExporters.Export(tails[k], graph, t));
        }
        return (outputs, null);
    }
}

/// <summary>MTAN's attention module (Liu et al. 2019): conv 1×1 → BN → ReLU → conv 1×1 → BN → sigmoid, a mask in (0, 1).</summary>
internal sealed class MtanAttention : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d norm1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d norm2;

    /// <summary>Creates the module from <paramref name="inChannels"/> to a mask of <paramref name="channels"/> channels.</summary>
    public MtanAttention(long inChannels, long channels) : base(nameof(MtanAttention))
    {
        conv1 = nn.Conv2d(inChannels, channels, 1);
        norm1 = nn.BatchNorm2d(channels);
        conv2 = nn.Conv2d(channels, channels, 1);
        norm2 = nn.BatchNorm2d(channels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor a = F.relu(norm1.call(conv1.call(x)));
        return torch.sigmoid(norm2.call(conv2.call(a))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string a = graph.Relu(OnnxExporters.Export(norm1, graph, OnnxExporters.Export(conv1, graph, input)));
        return graph.Sigmoid(OnnxExporters.Export(norm2, graph, OnnxExporters.Export(conv2, graph, a)));
    }
}
