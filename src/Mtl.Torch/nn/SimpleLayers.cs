using static Mtl.Torch.torch;

namespace Mtl.Torch.Modules;

/// <summary>Randomly zeroes elements with probability p in training mode (scaling the rest by 1/(1−p)); identity in eval mode.</summary>
public sealed class Dropout : nn.Module<Tensor, Tensor>
{
    internal Dropout(double p) : base(nameof(Dropout))
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1].");
        this.p = p;
    }

    /// <summary>Probability of zeroing an element.</summary>
    public double p { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.dropout(input, p, training);
}

/// <summary>Randomly zeroes whole channels with probability p in training mode; identity in eval mode.</summary>
public sealed class Dropout2d : nn.Module<Tensor, Tensor>
{
    internal Dropout2d(double p) : base(nameof(Dropout2d))
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1].");
        this.p = p;
    }

    /// <summary>Probability of zeroing a channel.</summary>
    public double p { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.dropout2d(input, p, training);
}

/// <summary>2-D max pooling.</summary>
public sealed class MaxPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] kernel, stride, padding, dilation;
    private readonly bool ceilMode;

    internal MaxPool2d((long, long) kernel_size, (long, long)? stride, (long, long) padding, (long, long) dilation, bool ceil_mode) : base(nameof(MaxPool2d))
    {
        kernel = new[] { kernel_size.Item1, kernel_size.Item2 };
        this.stride = stride is { } s ? new[] { s.Item1, s.Item2 } : kernel;
        this.padding = new[] { padding.Item1, padding.Item2 };
        this.dilation = new[] { dilation.Item1, dilation.Item2 };
        ceilMode = ceil_mode;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.max_pool2d(input, kernel, stride, padding, dilation, ceilMode);
}

/// <summary>2-D average pooling.</summary>
public sealed class AvgPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] kernel, stride, padding;
    private readonly bool ceilMode, countIncludePad;

    internal AvgPool2d((long, long) kernel_size, (long, long)? stride, (long, long) padding, bool ceil_mode, bool count_include_pad) : base(nameof(AvgPool2d))
    {
        kernel = new[] { kernel_size.Item1, kernel_size.Item2 };
        this.stride = stride is { } s ? new[] { s.Item1, s.Item2 } : kernel;
        this.padding = new[] { padding.Item1, padding.Item2 };
        ceilMode = ceil_mode;
        countIncludePad = count_include_pad;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.avg_pool2d(input, kernel, stride, padding, ceilMode, countIncludePad);
}

/// <summary>Average pooling to a fixed output size.</summary>
public sealed class AdaptiveAvgPool2d : nn.Module<Tensor, Tensor>
{
    private readonly long[] outputSize;

    internal AdaptiveAvgPool2d((long, long) output_size) : base(nameof(AdaptiveAvgPool2d))
    {
        outputSize = new[] { output_size.Item1, output_size.Item2 };
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.adaptive_avg_pool2d(input, outputSize);
}

/// <summary>Flattens dimensions start_dim..end_dim into one.</summary>
public sealed class Flatten : nn.Module<Tensor, Tensor>
{
    private readonly long startDim, endDim;

    internal Flatten(long start_dim, long end_dim) : base(nameof(Flatten))
    {
        startDim = start_dim;
        endDim = end_dim;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => input.flatten(startDim, endDim);
}

/// <summary>Returns its input unchanged.</summary>
public sealed class Identity : nn.Module<Tensor, Tensor>
{
    internal Identity() : base(nameof(Identity)) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => input.alias();
}

/// <summary>max(x, 0).</summary>
public sealed class ReLU : nn.Module<Tensor, Tensor>
{
    internal ReLU() : base(nameof(ReLU)) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => input.relu();
}

/// <summary>x for x ≥ 0, negative_slope·x otherwise.</summary>
public sealed class LeakyReLU : nn.Module<Tensor, Tensor>
{
    internal LeakyReLU(double negative_slope) : base(nameof(LeakyReLU)) => this.negative_slope = negative_slope;

    /// <summary>Slope for negative inputs.</summary>
    public double negative_slope { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.leaky_relu(input, negative_slope);
}

/// <summary>Gaussian error linear unit.</summary>
public sealed class GELU : nn.Module<Tensor, Tensor>
{
    internal GELU(string approximate) : base(nameof(GELU))
    {
        if (approximate is not ("none" or "tanh"))
            throw new ArgumentException($"GELU's approximate must be \"none\" or \"tanh\", got \"{approximate}\".", nameof(approximate));
        this.approximate = approximate;
    }

    /// <summary>"none" (exact, with erf) or "tanh".</summary>
    public string approximate { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.gelu(input, approximate);
}

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid : nn.Module<Tensor, Tensor>
{
    internal Sigmoid() : base(nameof(Sigmoid)) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => input.sigmoid();
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : nn.Module<Tensor, Tensor>
{
    internal Tanh() : base(nameof(Tanh)) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => input.tanh();
}

/// <summary>Softmax along a dimension.</summary>
public sealed class Softmax : nn.Module<Tensor, Tensor>
{
    internal Softmax(long dim) : base(nameof(Softmax)) => this.dim = dim;

    /// <summary>The dimension that sums to one.</summary>
    public long dim { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.softmax(input, dim);
}

/// <summary>Log-softmax along a dimension.</summary>
public sealed class LogSoftmax : nn.Module<Tensor, Tensor>
{
    internal LogSoftmax(long dim) : base(nameof(LogSoftmax)) => this.dim = dim;

    /// <summary>The normalised dimension.</summary>
    public long dim { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.log_softmax(input, dim);
}
