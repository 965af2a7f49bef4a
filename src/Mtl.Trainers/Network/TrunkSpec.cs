using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network;

/// <summary>Built-in trunk architectures.</summary>
public enum TrunkKind
{
    /// <summary>Kurin et al.'s MultiLeNet trunk (conv 10·k5, pool, conv 20·k5, Dropout2d, pool, fc 50).</summary>
    MultiLeNet,
    /// <summary>A small ResNet for 28–32 px images (3 stages of one basic block: 16, 32, 64 channels).</summary>
    ResNet,
    /// <summary>A multi-layer perceptron over the flattened features.</summary>
    Mlp,
    /// <summary>
    /// A user-supplied <c>nn.Module&lt;Tensor, Tensor&gt;</c> (<see cref="TrunkSpec.CustomFactory"/>). A model with it saves as an
    /// ML.NET zip when every layer has an ONNX exporter (<see cref="Onnx.OnnxExporters"/>); otherwise keep its weights with
    /// <c>SaveTorchSharpWeights</c>.
    /// </summary>
    Custom,
}

/// <summary>Which shared trunk to build, and its sizes.</summary>
public sealed class TrunkSpec
{
    /// <summary>The architecture.</summary>
    public TrunkKind Kind { get; set; } = TrunkKind.MultiLeNet;

    /// <summary>Hidden layer sizes of the MLP trunk (its last one is the representation size).</summary>
    public int[] MlpHiddenSizes { get; set; } = { 256, 128 };

    /// <summary>Dropout inside the trunk (MultiLeNet's Dropout2d is 0.5; MLP dropout after each hidden layer).</summary>
    public double Dropout { get; set; } = 0.5;

    /// <summary>For <see cref="TrunkKind.Custom"/>: builds the module; it gets the input shape (C, H, W or D).</summary>
    public Func<long[], nn.Module<Tensor, Tensor>>? CustomFactory { get; set; }

    /// <summary>For <see cref="TrunkKind.Custom"/>: the size of the module's (flattened) output.</summary>
    public int CustomOutputSize { get; set; }

    /// <summary>The MultiLeNet trunk of Kurin et al.</summary>
    public static TrunkSpec MultiLeNet() => new() { Kind = TrunkKind.MultiLeNet };

    /// <summary>A small ResNet.</summary>
    public static TrunkSpec ResNet() => new() { Kind = TrunkKind.ResNet, Dropout = 0 };

    /// <summary>An MLP with the given hidden sizes.</summary>
    public static TrunkSpec Mlp(params int[] hiddenSizes) => new() { Kind = TrunkKind.Mlp, MlpHiddenSizes = hiddenSizes, Dropout = 0 };

    /// <summary>A user module and the size of its (flattened) output, the representation the heads read.</summary>
    public static TrunkSpec Custom(Func<long[], nn.Module<Tensor, Tensor>> factory, int outputSize) =>
        new() { Kind = TrunkKind.Custom, CustomFactory = factory, CustomOutputSize = outputSize };

    /// <summary>Builds the trunk for inputs of the given shape (without the batch dimension); returns it and its output size.</summary>
    public (nn.Module<Tensor, Tensor> module, int outputSize) Build(long[] inputShape)
    {
        switch (Kind)
        {
            case TrunkKind.MultiLeNet:
                RequireImage(inputShape, 12);
                var lenet = new MultiLeNetTrunk(inputShape[0], inputShape[1], inputShape[2], Dropout);
                return (lenet, MultiLeNetTrunk.RepresentationSize);
            case TrunkKind.ResNet:
                RequireImage(inputShape, 8);
                return (new SmallResNetTrunk(inputShape[0]), SmallResNetTrunk.RepresentationSize);
            case TrunkKind.Mlp:
                if (MlpHiddenSizes.Length == 0) throw new ArgumentException("An MLP trunk needs at least one hidden layer size.");
                long inputs = inputShape.Aggregate(1L, (a, b) => a * b);
                return (new MlpTrunk(inputs, MlpHiddenSizes, Dropout), MlpHiddenSizes[^1]);
            case TrunkKind.Custom:
                if (CustomFactory is null) throw new InvalidOperationException("TrunkKind.Custom needs TrunkSpec.CustomFactory, a function from the input shape to the trunk module (use TrunkSpec.Custom(factory, outputSize)).");
                if (CustomOutputSize <= 0) throw new InvalidOperationException("TrunkKind.Custom needs CustomOutputSize > 0.");
                return (CustomFactory(inputShape), CustomOutputSize);
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown trunk kind");
        }
    }

    private void RequireImage(long[] shape, int minSide)
    {
        if (shape.Length != 3 || shape[1] < minSide || shape[2] < minSide)
            throw new ArgumentException($"The {Kind} trunk needs image features shaped (C, H, W) with H, W ≥ {minSide}, e.g. Vector<Single, 1, 28, 28>; got ({string.Join(", ", shape)}). Use TrunkSpec.Mlp() for flat features.");
    }
}
