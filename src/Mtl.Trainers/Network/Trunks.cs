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

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var a = F.relu(MaxPool.Pool2(conv1.call(x)));
        var b = F.relu(MaxPool.Pool2(dropout.call(conv2.call(a))));
        return F.relu(fc.call(b.flatten(1))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string a = graph.Relu(MaxPool2(graph, OnnxExporters.Export(conv1, graph, input)));
        string b = graph.Relu(MaxPool2(graph, OnnxExporters.Export(dropout, graph, OnnxExporters.Export(conv2, graph, a))));
        return graph.Relu(OnnxExporters.Export(fc, graph, graph.Flatten(b)));
    }

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

    /// <summary>Creates the trunk for inputs with the given number of channels.</summary>
    public SmallResNetTrunk(long channels) : base(nameof(SmallResNetTrunk))
    {
        stem = nn.Conv2d(channels, 16, 3, padding: 1, bias: false);
        stemNorm = nn.BatchNorm2d(16);
        blocks = nn.ModuleList(new BasicBlock(16, 16, 1), new BasicBlock(16, 32, 2), new BasicBlock(32, 64, 2));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor h = F.relu(stemNorm.call(stem.call(x)));
        foreach (BasicBlock block in blocks) h = block.call(h);
        return F.adaptive_avg_pool2d(h, new long[] { 1, 1 }).flatten(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string h = graph.Relu(OnnxExporters.Export(stemNorm, graph, OnnxExporters.Export(stem, graph, input)));
        foreach (BasicBlock block in blocks) h = block.ExportOnnx(graph, h);
        return graph.Flatten(graph.Node("GlobalAveragePool", new[] { h }));
    }

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
