using static Mtl.Torch.torch;

namespace Mtl.Torch.Modules;

/// <summary>
/// Batch normalisation over the channel dimension (base of <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/>). In training
/// it normalises with the batch statistics and updates running_mean/running_var (momentum, or a cumulative average when
/// momentum is null) and num_batches_tracked; in evaluation it uses the running statistics.
/// </summary>
public abstract class BatchNorm : nn.Module<Tensor, Tensor>
{
    private protected BatchNorm(string name, long num_features, double eps, double? momentum, bool affine, bool track_running_stats,
        Device? device, ScalarType? dtype) : base(name)
    {
        LayerInit.Positive(num_features, nameof(num_features));
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive.");
        if (momentum is { } m && !(m >= 0 && m <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), m, "momentum must be in [0, 1] (or null for a cumulative average).");
        this.num_features = num_features;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.track_running_stats = track_running_stats;
        long[] shape = { num_features };
        if (affine)
        {
            register_parameter(nameof(weight), LayerInit.Filled(shape, 1, device, dtype));
            register_parameter(nameof(bias), LayerInit.Filled(shape, 0, device, dtype));
        }
        if (track_running_stats)
        {
            register_buffer(nameof(running_mean), torch.zeros(shape, dtype ?? ScalarType.Float32, device));
            register_buffer(nameof(running_var), torch.ones(shape, dtype ?? ScalarType.Float32, device));
            register_buffer(nameof(num_batches_tracked), torch.zeros(Array.Empty<long>(), ScalarType.Int64, device));
        }
    }

    /// <summary>Number of channels.</summary>
    public long num_features { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double eps { get; }

    /// <summary>Weight of the newest batch in the running statistics (null: cumulative average).</summary>
    public double? momentum { get; }

    /// <summary>Whether the layer has a learnable scale and shift.</summary>
    public bool affine { get; }

    /// <summary>Whether running statistics are kept.</summary>
    public bool track_running_stats { get; }

    /// <summary>Learnable scale (ones at start), or null when not affine.</summary>
    public Parameter? weight => GetOwnParameter(nameof(weight));

    /// <summary>Learnable shift (zeros at start), or null when not affine.</summary>
    public Parameter? bias => GetOwnParameter(nameof(bias));

    /// <summary>Running mean per channel (buffer), or null without running statistics.</summary>
    public Tensor? running_mean => GetOwnBuffer(nameof(running_mean));

    /// <summary>Running (unbiased) variance per channel (buffer), or null without running statistics.</summary>
    public Tensor? running_var => GetOwnBuffer(nameof(running_var));

    /// <summary>Number of training batches seen (int64 scalar buffer), or null without running statistics.</summary>
    public Tensor? num_batches_tracked => GetOwnBuffer(nameof(num_batches_tracked));

    /// <summary>Resets the running statistics to mean 0, variance 1, no batches.</summary>
    public void reset_running_stats()
    {
        if (!track_running_stats) return;
        using (no_grad())
        {
            running_mean!.zero_();
            running_var!.fill_(1);
            num_batches_tracked!.zero_();
        }
    }

    /// <summary>Throws when the input's rank does not suit the layer.</summary>
    private protected abstract void CheckInput(Tensor input);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        long channels = input.size(1);
        if (channels != num_features)
            throw new ArgumentException($"{GetName()} was built for {num_features} channels but the input has {channels} (shape [{string.Join(", ", input.shape)}]).", nameof(input));
        double factor = momentum ?? 0.0;
        if (training && track_running_stats)
        {
            // fill_ rather than add_(1): the core's scalar add_ takes a double, which libtorch refuses for int64 tensors.
            long batches = num_batches_tracked!.item<long>() + 1;
            using (no_grad()) num_batches_tracked.fill_(batches);
            if (momentum is null) factor = 1.0 / batches;
        }
        bool useBatchStatistics = training || !track_running_stats;
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, useBatchStatistics, factor, eps);
    }
}

/// <summary>Batch normalisation of (N, C) or (N, C, L) inputs.</summary>
public sealed class BatchNorm1d : BatchNorm
{
    internal BatchNorm1d(long num_features, double eps, double? momentum, bool affine, bool track_running_stats, Device? device, ScalarType? dtype)
        : base(nameof(BatchNorm1d), num_features, eps, momentum, affine, track_running_stats, device, dtype) { }

    private protected override void CheckInput(Tensor input)
    {
        long d = input.Dimensions;
        if (d != 2 && d != 3) throw new ArgumentException($"BatchNorm1d expects a 2-D (N, C) or 3-D (N, C, L) input, got {d} dimensions.", nameof(input));
    }
}

/// <summary>Batch normalisation of (N, C, H, W) inputs.</summary>
public sealed class BatchNorm2d : BatchNorm
{
    internal BatchNorm2d(long num_features, double eps, double? momentum, bool affine, bool track_running_stats, Device? device, ScalarType? dtype)
        : base(nameof(BatchNorm2d), num_features, eps, momentum, affine, track_running_stats, device, dtype) { }

    private protected override void CheckInput(Tensor input)
    {
        long d = input.Dimensions;
        if (d != 4) throw new ArgumentException($"BatchNorm2d expects a 4-D (N, C, H, W) input, got {d} dimensions.", nameof(input));
    }
}

/// <summary>Group normalisation: each sample's channels are split into groups, each normalised on its own.</summary>
public sealed class GroupNorm : nn.Module<Tensor, Tensor>
{
    internal GroupNorm(long num_groups, long num_channels, double eps, bool affine, Device? device, ScalarType? dtype) : base(nameof(GroupNorm))
    {
        LayerInit.Positive(num_groups, nameof(num_groups));
        LayerInit.Positive(num_channels, nameof(num_channels));
        if (num_channels % num_groups != 0)
            throw new ArgumentException($"GroupNorm needs num_channels ({num_channels}) divisible by num_groups ({num_groups}).", nameof(num_groups));
        this.num_groups = num_groups;
        this.num_channels = num_channels;
        this.eps = eps;
        if (affine)
        {
            register_parameter(nameof(weight), LayerInit.Filled(new[] { num_channels }, 1, device, dtype));
            register_parameter(nameof(bias), LayerInit.Filled(new[] { num_channels }, 0, device, dtype));
        }
    }

    /// <summary>Number of groups.</summary>
    public long num_groups { get; }

    /// <summary>Number of channels.</summary>
    public long num_channels { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double eps { get; }

    /// <summary>Per-channel scale, or null.</summary>
    public Parameter? weight => GetOwnParameter(nameof(weight));

    /// <summary>Per-channel shift, or null.</summary>
    public Parameter? bias => GetOwnParameter(nameof(bias));

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.group_norm(input, num_groups, weight, bias, eps);
}

/// <summary>Layer normalisation over the trailing dimensions given by normalized_shape.</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    internal LayerNorm(long[] normalized_shape, double eps, bool elementwise_affine, Device? device, ScalarType? dtype) : base(nameof(LayerNorm))
    {
        ArgumentNullException.ThrowIfNull(normalized_shape);
        if (normalized_shape.Length == 0 || normalized_shape.Any(d => d < 1))
            throw new ArgumentException("LayerNorm needs a non-empty normalized_shape of positive sizes.", nameof(normalized_shape));
        this.normalized_shape = (long[])normalized_shape.Clone();
        this.eps = eps;
        if (elementwise_affine)
        {
            register_parameter(nameof(weight), LayerInit.Filled(this.normalized_shape, 1, device, dtype));
            register_parameter(nameof(bias), LayerInit.Filled(this.normalized_shape, 0, device, dtype));
        }
    }

    /// <summary>The normalised trailing shape.</summary>
    public long[] normalized_shape { get; }

    /// <summary>Added to the variance for stability.</summary>
    public double eps { get; }

    /// <summary>Element-wise scale, or null.</summary>
    public Parameter? weight => GetOwnParameter(nameof(weight));

    /// <summary>Element-wise shift, or null.</summary>
    public Parameter? bias => GetOwnParameter(nameof(bias));

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, normalized_shape, weight, bias, eps);
}
