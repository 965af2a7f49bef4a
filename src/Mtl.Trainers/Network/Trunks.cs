using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>
/// Kurin et al.'s MultiLeNet trunk: conv(C→10, k5) → maxpool2 → ReLU → conv(10→20, k5) → Dropout2d → maxpool2 → ReLU →
/// fc(→50) → ReLU. For 28×28 inputs the flattened size is 320, as published.
/// </summary>
internal sealed class MultiLeNetTrunk : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Size of the representation z.</summary>
    public const int RepresentationSize = 50;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Dropout2d dropout;
    private readonly Linear fc;

    /// <summary>Creates the trunk for C×H×W inputs.</summary>
    public MultiLeNetTrunk(long channels, long height, long width, double dropout = 0.5) : base(nameof(MultiLeNetTrunk))
    {
        conv1 = nn.Conv2d(channels, 10, 5);
        conv2 = nn.Conv2d(10, 20, 5);
        this.dropout = nn.Dropout2d(dropout);
        long h = ((height - 4) / 2 - 4) / 2, w = ((width - 4) / 2 - 4) / 2;
        fc = nn.Linear(20 * h * w, RepresentationSize);
        RegisterComponents();
    }

    /// <summary>The smallest image side the trunk accepts (two conv k5 + maxpool 2 stages leave a 1×1 map at 16).</summary>
    public const int MinimumSide = 16;

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor a = Block(conv1, null, x);
        Tensor b = Block(conv2, dropout, a);
        return Tail(fc, b).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input) =>
        TailOnnx(graph, fc, BlockOnnx(graph, conv2, dropout, BlockOnnx(graph, conv1, null, input)));

    /// <summary>One stage: conv → [Dropout2d] → maxpool 2 → ReLU (the trunk and its staged form, <see cref="LeNetStage"/>, both run this).</summary>
    internal static Tensor Block(Conv2d conv, Dropout2d? dropout, Tensor x)
    {
        using var scope = NewDisposeScope();
        return F.relu(PooledConvolution.Apply(conv, dropout, x)).MoveToOuterDisposeScope();
    }

    /// <summary>The graph form of <see cref="Block"/>.</summary>
    internal static string BlockOnnx(OnnxGraphBuilder graph, Conv2d conv, Dropout2d? dropout, string x)
    {
        string c = OnnxExporters.Export(conv, graph, x);
        if (dropout is not null) c = OnnxExporters.Export(dropout, graph, c);
        return graph.Relu(MaxPool2(graph, c));
    }

    /// <summary>The tail: flatten → fc → ReLU.</summary>
    internal static Tensor Tail(Linear fc, Tensor x)
    {
        using var scope = NewDisposeScope();
        return F.relu(fc.call(x.flatten(1))).MoveToOuterDisposeScope();
    }

    /// <summary>The graph form of <see cref="Tail"/>.</summary>
    internal static string TailOnnx(OnnxGraphBuilder graph, Linear fc, string x) => graph.Relu(OnnxExporters.Export(fc, graph, graph.Flatten(x)));

    /// <summary>The graph form of F.max_pool2d(x, 2).</summary>
    internal static string MaxPool2(OnnxGraphBuilder graph, string x) =>
        graph.Node("MaxPool", new[] { x }, ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
}

/// <summary>A small pre-activation-free ResNet for 28–32 px images: stem conv3×3(16) + 3 basic blocks (16, 32/2, 64/2) + global average pool.</summary>
internal sealed class SmallResNetTrunk : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Size of the representation z.</summary>
    public const int RepresentationSize = 64;

    private readonly Conv2d stem;
    private readonly BatchNorm2d stemNorm;
    private readonly ModuleList<BasicBlock> blocks;

    /// <summary>The smallest image side the trunk accepts.</summary>
    public const int MinimumSide = 8;

    /// <summary>Creates the trunk for inputs with the given number of channels.</summary>
    public SmallResNetTrunk(long channels) : base(nameof(SmallResNetTrunk))
    {
        (stem, stemNorm) = CreateStem(channels);
        blocks = nn.ModuleList(new BasicBlock(16, 16, 1), new BasicBlock(16, 32, 2), new BasicBlock(32, 64, 2));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = Stem(stem, stemNorm, x);
        foreach (BasicBlock block in blocks) h = block.call(h);
        return Pool(h).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string h = StemOnnx(graph, stem, stemNorm, input);
        foreach (BasicBlock block in blocks) h = block.ExportOnnx(graph, h);
        return PoolOnnx(graph, h);
    }

    /// <summary>The stem's layers: conv 3×3 (→16, no bias) and its batch norm (the trunk and <see cref="ResNetStem"/> both create them here).</summary>
    internal static (Conv2d Conv, BatchNorm2d Norm) CreateStem(long channels) =>
        (nn.Conv2d(channels, 16, 3, padding: 1, bias: false), nn.BatchNorm2d(16));

    /// <summary>The stem: conv → BN → ReLU.</summary>
    internal static Tensor Stem(Conv2d conv, BatchNorm2d norm, Tensor x)
    {
        using var scope = NewDisposeScope();
        return F.relu(norm.call(conv.call(x))).MoveToOuterDisposeScope();
    }

    /// <summary>The graph form of <see cref="Stem"/>.</summary>
    internal static string StemOnnx(OnnxGraphBuilder graph, Conv2d conv, BatchNorm2d norm, string x) =>
        graph.Relu(OnnxExporters.Export(norm, graph, OnnxExporters.Export(conv, graph, x)));

    /// <summary>Global average pool → flatten.</summary>
    internal static Tensor Pool(Tensor x)
    {
        using var scope = NewDisposeScope();
        return F.adaptive_avg_pool2d(x, new long[] { 1, 1 }).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>The graph form of <see cref="Pool"/>.</summary>
    internal static string PoolOnnx(OnnxGraphBuilder graph, string x) => graph.Flatten(graph.Node("GlobalAveragePool", new[] { x }));

    /// <summary>conv3×3 → BN → ReLU → conv3×3 → BN, plus a (projected) shortcut, then ReLU.</summary>
    public sealed class BasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Conv2d? shortcut;
        private readonly BatchNorm2d? shortcutNorm;

        /// <summary>Creates a block.</summary>
        public BasicBlock(long inChannels, long outChannels, long stride) : base(nameof(BasicBlock))
        {
            conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(outChannels);
            conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(outChannels);
            if (stride != 1 || inChannels != outChannels)
            {
                shortcut = nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false);
                shortcutNorm = nn.BatchNorm2d(outChannels);
            }
            RegisterComponents();
        }

        /// <inheritdoc />
        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            Tensor h = bn2.call(conv2.call(F.relu(bn1.call(conv1.call(x)))));
            Tensor skip = shortcut is null ? x : shortcutNorm!.call(shortcut.call(x));
            return F.relu(h + skip).MoveToOuterDisposeScope();
        }

        /// <inheritdoc />
        public string ExportOnnx(OnnxGraphBuilder graph, string input)
        {
            string a = graph.Relu(OnnxExporters.Export(bn1, graph, OnnxExporters.Export(conv1, graph, input)));
            string h = OnnxExporters.Export(bn2, graph, OnnxExporters.Export(conv2, graph, a));
            string skip = shortcut is null ? input : OnnxExporters.Export(shortcutNorm!, graph, OnnxExporters.Export(shortcut, graph, input));
            return graph.Relu(graph.Add(h, skip));
        }
    }
}

/// <summary>Flatten → (Linear → ReLU → Dropout) per hidden size.</summary>
internal sealed class MlpTrunk : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ModuleList<Linear> layers;
    private readonly Dropout dropout;

    /// <summary>Creates the MLP.</summary>
    public MlpTrunk(long inputs, int[] hiddenSizes, double dropout) : base(nameof(MlpTrunk))
    {
        var list = new List<Linear>();
        long previous = inputs;
        foreach (int h in hiddenSizes)
        {
            list.Add(nn.Linear(previous, h));
            previous = h;
        }
        layers = nn.ModuleList(list.ToArray());
        this.dropout = nn.Dropout(dropout);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = x.flatten(1);
        foreach (Linear layer in layers) h = dropout.call(F.relu(layer.call(h)));
        return h.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string h = graph.Flatten(input);
        foreach (Linear layer in layers) h = graph.Relu(OnnxExporters.Export(layer, graph, h));
        return h;
    }
}
