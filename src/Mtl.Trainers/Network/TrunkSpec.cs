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

    /// <summary>A copy (hidden sizes copied; a custom factory is shared).</summary>
    internal TrunkSpec Copy()
    {
        var copy = (TrunkSpec)MemberwiseClone();
        copy.MlpHiddenSizes = (int[])MlpHiddenSizes.Clone();
        return copy;
    }

    /// <summary>An MLP with the given hidden sizes (at least one, each ≥ 1).</summary>
    /// <exception cref="ArgumentException">No hidden size, or one below 1.</exception>
    public static TrunkSpec Mlp(params int[] hiddenSizes)
    {
        var spec = new TrunkSpec { Kind = TrunkKind.Mlp, MlpHiddenSizes = hiddenSizes, Dropout = 0 };
        spec.Validate("TrunkSpec.Mlp(hiddenSizes)");
        return spec;
    }

    /// <summary>A user module and the size of its (flattened) output, the representation the heads read.</summary>
    /// <exception cref="ArgumentException">No factory, or an output size below 1.</exception>
    public static TrunkSpec Custom(Func<long[], nn.Module<Tensor, Tensor>> factory, int outputSize)
    {
        var spec = new TrunkSpec { Kind = TrunkKind.Custom, CustomFactory = factory, CustomOutputSize = outputSize };
        spec.Validate("TrunkSpec.Custom");
        return spec;
    }

    /// <summary>Checks the sizes the kind needs, so that a bad trunk fails when the trainer is created, not at Fit.</summary>
    /// <param name="path">Where the spec sits, e.g. "Options.Trunk".</param>
    internal void Validate(string path)
    {
        if (!Enum.IsDefined(Kind)) throw OptionChecks.Fail(path + ".Kind", "one of " + string.Join(", ", Enum.GetNames<TrunkKind>()), Kind);
        OptionChecks.InRange(Dropout, 0, 1, highInclusive: false, path + ".Dropout");
        if (Kind == TrunkKind.Mlp && (MlpHiddenSizes is null || MlpHiddenSizes.Length == 0 || MlpHiddenSizes.Any(h => h < 1)))
            throw OptionChecks.Fail(path + ".MlpHiddenSizes", "at least one hidden layer size, each ≥ 1, e.g. TrunkSpec.Mlp(64)",
                MlpHiddenSizes is null ? null : "[" + string.Join(", ", MlpHiddenSizes) + "]");
        if (Kind == TrunkKind.Custom && CustomFactory is null)
            throw new ArgumentNullException($"{path}.CustomFactory must be a function from the input shape to the trunk module (use TrunkSpec.Custom(factory, outputSize)); got null.", (Exception?)null);
        if (Kind == TrunkKind.Custom) OptionChecks.AtLeast(CustomOutputSize, 1, path + ".CustomOutputSize");
    }

    /// <summary>
    /// The trunk an automatic <c>Options.Trunk</c> (null) gets: an MLP with one hidden layer of 64 for vector features,
    /// MultiLeNet for small images (sides 16–64, e.g. 1×28×28), the small ResNet for other images.
    /// </summary>
    /// <param name="featureShape">The feature column's dimensions (without the batch dimension).</param>
    internal static TrunkSpec For(IReadOnlyList<long> featureShape)
    {
        if (featureShape.Count != 3) return Mlp(64);
        bool small = featureShape[1] is >= MultiLeNetTrunk.MinimumSide and <= 64 && featureShape[2] is >= MultiLeNetTrunk.MinimumSide and <= 64;
        return small ? MultiLeNet() : ResNet();
    }

    /// <summary>
    /// Reads a built-in trunk's text form: "multilenet", "resnet" or "mlp(256,128)" (case-insensitive), as
    /// <see cref="TrainingConfig.Trunk"/> keeps it; <see cref="ToString"/> writes it.
    /// </summary>
    /// <param name="text">The trunk's text.</param>
    /// <exception cref="ArgumentException">Not one of the accepted forms.</exception>
    public static TrunkSpec Parse(string text)
    {
        const string accepted = "Accepted trunks: multilenet, resnet, mlp(h1,h2,…) with hidden sizes ≥ 1, e.g. mlp(64).";
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        if (t == "multilenet") return MultiLeNet();
        if (t == "resnet") return ResNet();
        if (t.StartsWith("mlp(", StringComparison.Ordinal) && t.EndsWith(')'))
        {
            string[] parts = t[4..^1].Split(',', StringSplitOptions.TrimEntries);
            var sizes = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
                    throw new ArgumentException($"Trunk '{text}': '{parts[i]}' is not a hidden size. {accepted}", nameof(text));
            return Mlp(sizes);
        }
        throw new ArgumentException($"Unknown trunk '{text}'. {accepted}", nameof(text));
    }

    /// <summary>The text form <see cref="Parse"/> reads ("multilenet", "resnet", "mlp(256,128)"); a custom trunk is "custom".</summary>
    public override string ToString() => Kind switch
    {
        TrunkKind.Mlp => $"mlp({string.Join(",", MlpHiddenSizes)})",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A short description for logs, e.g. "Mlp [64]".</summary>
    internal string Describe() => Kind switch
    {
        TrunkKind.Mlp => $"Mlp [{string.Join(", ", MlpHiddenSizes)}], dropout {Dropout}",
        _ => $"{Kind}, dropout {Dropout}",
    };

    /// <summary>Builds the trunk for inputs of the given shape (without the batch dimension); returns it and its output size.</summary>
    public (nn.Module<Tensor, Tensor> module, int outputSize) Build(long[] inputShape)
    {
        switch (Kind)
        {
            case TrunkKind.MultiLeNet:
                RequireImage(inputShape, MultiLeNetTrunk.MinimumSide);
                var lenet = new MultiLeNetTrunk(inputShape[0], inputShape[1], inputShape[2], Dropout);
                return (lenet, MultiLeNetTrunk.RepresentationSize);
            case TrunkKind.ResNet:
                RequireImage(inputShape, SmallResNetTrunk.MinimumSide);
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

    /// <summary>Fails unless <paramref name="shape"/> is an image (C, H, W) with sides of at least <paramref name="minSide"/>.</summary>
    internal void RequireImage(long[] shape, int minSide)
    {
        if (shape.Length != 3 || shape[1] < minSide || shape[2] < minSide)
            throw new ArgumentException($"The {Kind} trunk needs image features shaped (C, H, W) with H, W ≥ {minSide}, e.g. Vector<Single, 1, 28, 28>; got ({string.Join(", ", shape)}). Use TrunkSpec.Mlp(64) (or leave Options.Trunk null) for flat features.");
    }
}
