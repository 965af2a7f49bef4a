using static Mtl.Torch.torch;

namespace Mtl.Torch.Modules;

/// <summary>Shared helpers of the built-in layers.</summary>
internal static class LayerInit
{
    /// <summary>A new parameter of a shape (uninitialised values; the caller initialises it).</summary>
    internal static Parameter Empty(long[] shape, Device? device, ScalarType? dtype)
    {
        using Tensor data = torch.empty(shape, dtype ?? ScalarType.Float32, device);
        return new Parameter(data);
    }

    /// <summary>A new parameter filled with a constant.</summary>
    internal static Parameter Filled(long[] shape, double value, Device? device, ScalarType? dtype)
    {
        using Tensor data = torch.full(shape, value, dtype ?? ScalarType.Float32, device);
        return new Parameter(data);
    }

    /// <summary>
    /// PyTorch's default initialisation of Linear and Conv layers: weight ~ kaiming_uniform_(a = √5), i.e. U(−1/√fan_in, 1/√fan_in),
    /// then bias ~ U(−1/√fan_in, 1/√fan_in), drawn in that order from the global generator.
    /// </summary>
    internal static void ResetWeightAndBias(Tensor weight, Tensor? bias)
    {
        nn.init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        long fanIn = nn.init.CalculateFanInAndFanOut(weight).fanIn;
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        nn.init.uniform_(bias, -bound, bound);
    }

    internal static void Positive(long value, string parameter)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be at least 1.");
    }
}

/// <summary>Affine layer y = x·Wᵀ + b (TorchSharp's <c>Linear</c>).</summary>
public sealed class Linear : nn.Module<Tensor, Tensor>
{
    internal Linear(long inputSize, long outputSize, bool hasBias, Device? device, ScalarType? dtype) : base(nameof(Linear))
    {
        LayerInit.Positive(inputSize, nameof(inputSize));
        LayerInit.Positive(outputSize, nameof(outputSize));
        in_features = inputSize;
        out_features = outputSize;
        register_parameter(nameof(weight), LayerInit.Empty(new[] { outputSize, inputSize }, device, dtype));
        if (hasBias) register_parameter(nameof(bias), LayerInit.Empty(new[] { outputSize }, device, dtype));
        reset_parameters();
    }

    /// <summary>Number of input features.</summary>
    public long in_features { get; }

    /// <summary>Number of output features.</summary>
    public long out_features { get; }

    /// <summary>The weight, shape (out_features, in_features).</summary>
    public Parameter weight
    {
        get => GetOwnParameter(nameof(weight))!;
        set => ConditionallyRegisterParameter(nameof(weight), value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>The bias, shape (out_features), or null.</summary>
    public Parameter? bias
    {
        get => GetOwnParameter(nameof(bias));
        set => ConditionallyRegisterParameter(nameof(bias), value);
    }

    /// <summary>Re-draws the weights as PyTorch does at construction.</summary>
    public void reset_parameters() => LayerInit.ResetWeightAndBias(weight, bias);

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.linear(input, weight, bias);
}

/// <summary>2-D convolution layer (TorchSharp's <c>Conv2d</c>).</summary>
public sealed class Conv2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] stride, padding, dilation;

    internal Conv2d(long inputChannel, long outputChannel, (long, long) kernelSize, (long, long) stride, (long, long) padding, (long, long) dilation,
        long groups, bool bias, Device? device, ScalarType? dtype) : base(nameof(Conv2d))
    {
        LayerInit.Positive(inputChannel, "in_channels");
        LayerInit.Positive(outputChannel, "out_channels");
        LayerInit.Positive(groups, nameof(groups));
        LayerInit.Positive(Math.Min(kernelSize.Item1, kernelSize.Item2), nameof(kernelSize));
        LayerInit.Positive(Math.Min(stride.Item1, stride.Item2), nameof(stride));
        LayerInit.Positive(Math.Min(dilation.Item1, dilation.Item2), nameof(dilation));
        if (Math.Min(padding.Item1, padding.Item2) < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding must be non-negative.");
        if (inputChannel % groups != 0 || outputChannel % groups != 0)
            throw new ArgumentException($"Conv2d needs in_channels ({inputChannel}) and out_channels ({outputChannel}) divisible by groups ({groups}).", nameof(groups));
        in_channels = inputChannel;
        out_channels = outputChannel;
        this.groups = groups;
        kernel_size = new[] { kernelSize.Item1, kernelSize.Item2 };
        this.stride = new[] { stride.Item1, stride.Item2 };
        this.padding = new[] { padding.Item1, padding.Item2 };
        this.dilation = new[] { dilation.Item1, dilation.Item2 };
        register_parameter(nameof(weight), LayerInit.Empty(new[] { outputChannel, inputChannel / groups, kernelSize.Item1, kernelSize.Item2 }, device, dtype));
        if (bias) register_parameter(nameof(this.bias), LayerInit.Empty(new[] { outputChannel }, device, dtype));
        reset_parameters();
    }

    /// <summary>Input channels.</summary>
    public long in_channels { get; }

    /// <summary>Output channels.</summary>
    public long out_channels { get; }

    /// <summary>Number of channel groups.</summary>
    public long groups { get; }

    /// <summary>Kernel height and width.</summary>
    public long[] kernel_size { get; }

    /// <summary>The weight, shape (out_channels, in_channels/groups, kH, kW).</summary>
    public Parameter weight
    {
        get => GetOwnParameter(nameof(weight))!;
        set => ConditionallyRegisterParameter(nameof(weight), value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>The bias, shape (out_channels), or null.</summary>
    public Parameter? bias
    {
        get => GetOwnParameter(nameof(bias));
        set => ConditionallyRegisterParameter(nameof(bias), value);
    }

    /// <summary>Re-draws the weights as PyTorch does at construction.</summary>
    public void reset_parameters() => LayerInit.ResetWeightAndBias(weight, bias);

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
}
