using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network;

/// <summary>The shape of one stage's output feature map, without the batch dimension.</summary>
/// <param name="Channels">Channels C.</param>
/// <param name="Height">Height H.</param>
/// <param name="Width">Width W.</param>
internal readonly record struct StageShape(long Channels, long Height, long Width);

/// <summary>
/// A conv trunk split at its stages, for the architectures that work between them (cross-stitch units, MTAN's attention):
/// stage j maps stage j − 1's feature map (stage 1: the image) to a C×H×W map, and the tail maps the last map to the
/// representation the heads read. Composing fresh stages and a fresh tail computes what the trunk computes (the same
/// layers, created in the same order, through the trunk's own stage functions).
/// </summary>
/// <remarks>
/// MultiLeNet: stage 1 = conv k5 (→10) → maxpool 2 → ReLU, stage 2 = conv k5 (→20) → Dropout2d → maxpool 2 → ReLU, tail =
/// flatten → fc (→50) → ReLU. ResNet: stage 1 = the stem conv 3×3 → BN → ReLU, stages 2–4 = its three basic blocks, tail =
/// global average pool → flatten (no parameters).
/// </remarks>
internal sealed class TrunkStages
{
    private readonly Func<nn.Module<Tensor, Tensor>>[] stageFactories;
    private readonly Func<nn.Module<Tensor, Tensor>> tailFactory;

    private TrunkStages(Func<nn.Module<Tensor, Tensor>>[] stages, StageShape[] shapes, Func<nn.Module<Tensor, Tensor>> tail, int outputSize)
    {
        (stageFactories, Shapes, tailFactory, OutputSize) = (stages, shapes, tail, outputSize);
    }

    /// <summary>Each stage's output shape, in order.</summary>
    public IReadOnlyList<StageShape> Shapes { get; }

    /// <summary>Number of stages.</summary>
    public int Count => stageFactories.Length;

    /// <summary>Size of the representation the tail produces.</summary>
    public int OutputSize { get; }

    /// <summary>True when <paramref name="trunk"/> is a conv trunk with stages and the input is an image (C, H, W).</summary>
    public static bool Apply(TrunkSpec trunk, long[] inputShape) =>
        trunk.Kind is TrunkKind.MultiLeNet or TrunkKind.ResNet && inputShape.Length == 3;

    /// <summary>The stage plan of <paramref name="trunk"/> for inputs of <paramref name="inputShape"/> (C, H, W).</summary>
    /// <param name="trunk">A MultiLeNet or ResNet trunk.</param>
    /// <param name="inputShape">The image shape.</param>
    /// <param name="architecture">The architecture asking, for messages.</param>
    /// <exception cref="NotSupportedException">The trunk has no stages (MLP or custom).</exception>
    /// <exception cref="ArgumentException">The input is not an image the trunk accepts.</exception>
    public static TrunkStages Of(TrunkSpec trunk, long[] inputShape, string architecture)
    {
        switch (trunk.Kind)
        {
            case TrunkKind.MultiLeNet:
            {
                trunk.RequireImage(inputShape, MultiLeNetTrunk.MinimumSide);
                long c = inputShape[0], h1 = (inputShape[1] - 4) / 2, w1 = (inputShape[2] - 4) / 2, h2 = (h1 - 4) / 2, w2 = (w1 - 4) / 2;
                double dropout = trunk.Dropout;
                return new TrunkStages(
                    [() => new LeNetStage(c, 10, null), () => new LeNetStage(10, 20, dropout)],
                    [new(10, h1, w1), new(20, h2, w2)],
                    () => new LeNetTail(20 * h2 * w2), MultiLeNetTrunk.RepresentationSize);
            }
            case TrunkKind.ResNet:
            {
                trunk.RequireImage(inputShape, SmallResNetTrunk.MinimumSide);
                long c = inputShape[0];
                // A 3×3 conv with stride 2 and padding 1 maps a side n to ⌊(n − 1)/2⌋ + 1.
                static long Half(long n) => (n - 1) / 2 + 1;
                long h = inputShape[1], w = inputShape[2];
                return new TrunkStages(
                    [() => new ResNetStem(c), () => new SmallResNetTrunk.BasicBlock(16, 16, 1), () => new SmallResNetTrunk.BasicBlock(16, 32, 2), () => new SmallResNetTrunk.BasicBlock(32, 64, 2)],
                    [new(16, h, w), new(16, h, w), new(32, Half(h), Half(w)), new(64, Half(Half(h)), Half(Half(w)))],
                    () => new GlobalPoolTail(), SmallResNetTrunk.RepresentationSize);
            }
            default:
                throw new NotSupportedException(
                    $"{architecture} on images builds its columns/backbone from a conv trunk's stages (MultiLeNet or ResNet), but Options.Trunk is {trunk.Kind}, which has no stages. Use TrunkSpec.MultiLeNet() or TrunkSpec.ResNet() (or leave Options.Trunk null), or TrunkSpec.Mlp(…) for MLP columns on the flattened features.");
        }
    }

    /// <summary>Fresh stages 1…L, created in order.</summary>
    public nn.Module<Tensor, Tensor>[] CreateStages() => stageFactories.Select(f => f()).ToArray();

    /// <summary>A fresh copy of stage <paramref name="index"/> (0-based).</summary>
    public nn.Module<Tensor, Tensor> CreateStage(int index) => stageFactories[index]();

    /// <summary>A fresh tail.</summary>
    public nn.Module<Tensor, Tensor> CreateTail() => tailFactory();
}

/// <summary>One MultiLeNet stage: conv k5 → [Dropout2d] → maxpool 2 → ReLU (<see cref="MultiLeNetTrunk.Block"/>).</summary>
internal sealed class LeNetStage : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d conv;
    private readonly Dropout2d? dropout;

    /// <summary>Creates the stage; <paramref name="dropout"/> null for none (MultiLeNet's first stage).</summary>
    public LeNetStage(long inChannels, long outChannels, double? dropout) : base(nameof(LeNetStage))
    {
        conv = nn.Conv2d(inChannels, outChannels, 5);
        if (dropout is { } p) this.dropout = nn.Dropout2d(p);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => MultiLeNetTrunk.Block(conv, dropout, x);

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input) => MultiLeNetTrunk.BlockOnnx(graph, conv, dropout, input);
}

/// <summary>MultiLeNet's tail: flatten → fc (→50) → ReLU (<see cref="MultiLeNetTrunk.Tail"/>).</summary>
internal sealed class LeNetTail : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Linear fc;

    /// <summary>Creates the tail for a flattened input of <paramref name="inputs"/> values.</summary>
    public LeNetTail(long inputs) : base(nameof(LeNetTail))
    {
        fc = nn.Linear(inputs, MultiLeNetTrunk.RepresentationSize);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => MultiLeNetTrunk.Tail(fc, x);

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input) => MultiLeNetTrunk.TailOnnx(graph, fc, input);
}

/// <summary>The small ResNet's stem: conv 3×3 (→16) → BN → ReLU (<see cref="SmallResNetTrunk.Stem"/>).</summary>
internal sealed class ResNetStem : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d stem;
    private readonly BatchNorm2d stemNorm;

    /// <summary>Creates the stem for inputs with <paramref name="channels"/> channels.</summary>
    public ResNetStem(long channels) : base(nameof(ResNetStem))
    {
        (stem, stemNorm) = SmallResNetTrunk.CreateStem(channels);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => SmallResNetTrunk.Stem(stem, stemNorm, x);

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input) => SmallResNetTrunk.StemOnnx(graph, stem, stemNorm, input);
}

/// <summary>The small ResNet's tail: global average pool → flatten (<see cref="SmallResNetTrunk.Pool"/>).</summary>
internal sealed class GlobalPoolTail : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Creates the tail.</summary>
    public GlobalPoolTail() : base(nameof(GlobalPoolTail))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x) => SmallResNetTrunk.Pool(x);

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input) => SmallResNetTrunk.PoolOnnx(graph, input);
}
