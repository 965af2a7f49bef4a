using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Engine;

// The per-layer rules that turn a layer's input a and the gradients δ at its output (several targets stacked in front)
// into its parameters' gradients per group of rows, without another backward: the per-sample gradient engine uses them
// with groups of one row, the layer taps (Parameters mode) with one group of all rows and the tasks as targets.

/// <summary>How the layer taps buffer one tapped call's output gradients and contract them into all targets' parameter gradients.</summary>
internal interface IAllRowsRule
{
    /// <summary>One target's output gradient δ laid out as <see cref="AllRows"/> reads it: a new view, which the caller disposes.</summary>
    Tensor Arranged(Tensor delta);

    /// <summary>Each parameter's (m × numel) gradients summed over all rows, from the call's input a and m targets' <see cref="Arranged"/> δ stacked in front.</summary>
    IEnumerable<(Tensor Parameter, Tensor PerTarget)> AllRows(Tensor a, Tensor arranged);
}

/// <summary>How one known layer's parameters get their per-group gradients from its input and output gradient.</summary>
internal abstract class LayerRule : IAllRowsRule
{
    protected LayerRule(nn.Module<Tensor, Tensor> module, IReadOnlyDictionary<string, Tensor> parameters)
    {
        Module = module;
        // The module's own registered objects, the ones the targets list (its properties may hand out other wrappers).
        Weight = parameters.GetValueOrDefault("weight");
        Bias = parameters.GetValueOrDefault("bias");
    }

    protected Tensor? Weight { get; }

    protected Tensor? Bias { get; }

    protected nn.Module<Tensor, Tensor> Module { get; }

    public IReadOnlyList<Tensor> Parameters => new[] { Weight, Bias }.Where(p => p is not null).Cast<Tensor>().ToArray();

    /// <summary>The rule for a layer, or why there is none.</summary>
    public static (LayerRule? Rule, string? Reason) For(nn.Module module, IReadOnlyDictionary<string, Tensor> parameters) => module switch
    {
        Linear linear => (new LinearRule(linear, parameters), null),
        Conv2d conv when conv.groups != 1 => (null, "grouped convolution has no per-sample rule here"),
        Conv2d conv when conv.padding_mode != PaddingModes.Zeros || conv.padding_type is not null => (null, "only explicit zero padding has a per-sample rule here"),
        Conv2d conv => (new Conv2dRule(conv, parameters), null),
        BatchNorm norm when norm.running_mean is null || norm.running_var is null => (null, "batch norm without running statistics normalises with the batch's"),
        BatchNorm1d or BatchNorm2d => (new BatchNormRule((BatchNorm)module, parameters), null),
        _ => (null, "no per-sample rule for this layer type"),
    };

    /// <summary>
    /// Taps the layer: a forward hook (which <c>Module.call</c> runs) hands <paramref name="recorded"/> the layer's input,
    /// detached, and a zero "probe" leaf it adds to the output (out + 0 = out), so that <c>autograd.grad</c> with respect
    /// to the probe returns δ at the output. Both tensors are made inside the caller's dispose scope and detached from it:
    /// the recorder owns them. Returns the hook's removal.
    /// </summary>
    public Action Tap(Action<Tensor, Tensor> recorded)
    {
        var remover = Module.register_forward_hook((_, input, output) =>
        {
            Tensor kept = input.detach().DetachFromDisposeScope();
            Tensor probe = zeros_like(output).requires_grad_(true).DetachFromDisposeScope();
            recorded(kept, probe);
            return output + probe;
        });
        return remover.remove;
    }

    /// <summary>
    /// Each parameter's (m × groups × numel) gradients from the layer's input a (rows first) and the output gradients d
    /// of m targets stacked in front (m × rows × …).
    /// </summary>
    public abstract IEnumerable<(Tensor Parameter, Tensor PerTarget)> PerGroup(Tensor a, Tensor d, long groupSize);

    /// <summary>
    /// One target's output gradient δ laid out as <see cref="AllRows"/> reads it: a new view, which the caller disposes
    /// (copying it into a buffer slot does the rearranging, once per target, instead of one large permute of all targets
    /// later). By default the layout is δ's own.
    /// </summary>
    public virtual Tensor Arranged(Tensor delta) => delta.view(delta.shape);

    /// <summary>
    /// Each parameter's (m × numel) gradients summed over all rows, from the layer's input a and m targets'
    /// <see cref="Arranged"/> output gradients stacked in front. The same values as <see cref="PerGroup"/> with one
    /// group of all rows, up to the order of the float sums.
    /// </summary>
    public virtual IEnumerable<(Tensor Parameter, Tensor PerTarget)> AllRows(Tensor a, Tensor arranged) =>
        PerGroup(a, arranged, a.shape[0]).Select(g => (g.Parameter, g.PerTarget.reshape(arranged.shape[0], -1)));
}

internal sealed class LinearRule : LayerRule
{
    public LinearRule(Linear linear, IReadOnlyDictionary<string, Tensor> parameters) : base(linear, parameters)
    {
    }

    public override IEnumerable<(Tensor, Tensor)> PerGroup(Tensor a, Tensor d, long groupSize)
    {
        long m = d.shape[0], groups = a.shape[0] / groupSize, features = a.shape[^1], outputs = d.shape[^1];
        // Rows of a group and any middle positions are summed alike: [groups, groupSize · positions, features].
        Tensor inputs = a.reshape(groups, -1, features);
        Tensor deltas = d.reshape(m, groups, -1, outputs);
        Tensor byGroup = deltas.permute(1, 0, 3, 2).reshape(groups, m * outputs, -1);
        if (Weight is not null) yield return (Weight, bmm(byGroup, inputs).reshape(groups, m, -1).transpose(0, 1));
        if (Bias is not null) yield return (Bias, deltas.sum(2));
    }
}

internal sealed class Conv2dRule : LayerRule
{
    private readonly Conv2d conv;

    public Conv2dRule(Conv2d conv, IReadOnlyDictionary<string, Tensor> parameters) : base(conv, parameters) => this.conv = conv;

    public override IEnumerable<(Tensor, Tensor)> PerGroup(Tensor a, Tensor d, long groupSize)
    {
        long m = d.shape[0], groups = a.shape[0] / groupSize, outChannels = d.shape[2];
        // unfold: [rows, C·kh·kw, positions]; the weight gradient is δ (channels out × positions) times its transpose.
        Tensor patches = Patches(a);
        long window = patches.shape[1];
        Tensor columns = patches.reshape(groups, groupSize, window, -1).transpose(1, 2).reshape(groups, window, -1);
        // [m, rows, O, positions] → [groups, m · O, groupSize · positions]
        Tensor deltas = d.reshape(m, groups, groupSize, outChannels, -1).permute(1, 0, 3, 2, 4).reshape(groups, m * outChannels, -1);
        if (Weight is not null) yield return (Weight, bmm(deltas, columns.transpose(1, 2)).reshape(groups, m, -1).transpose(0, 1));
        if (Bias is not null) yield return (Bias, deltas.sum(2).reshape(groups, m, outChannels).transpose(0, 1));
    }

    // unfold(a) with the layer's geometry: [rows, C·kh·kw, positions].
    private Tensor Patches(Tensor a) =>
        F.unfold(a, (conv.kernel_size[0], conv.kernel_size[1]), (conv.dilation[0], conv.dilation[1]),
            (conv.padding![0], conv.padding[1]), (conv.stride[0], conv.stride[1]));

    /// <summary>Fewest input channels for which <see cref="AllRows"/> forms the weight gradient as a convolution.</summary>
    internal const long ConvolutionFormMinimumInputChannels = 8;

    // δ as [O, rows, h, w]: every target's weight gradient is then one product (or one convolution) over the rows.
    public override Tensor Arranged(Tensor delta) => delta.transpose(0, 1);

    /// <remarks>
    /// ∂L/∂W = δ (channels out × rows·positions) times unfold(a) transposed, for all m targets in one [m·O, N·P]·[N·P, K]
    /// product. With unit strides and several input channels it is instead ∂L/∂W[o,c] = Σₙ aₙ,c ⋆ δₙ,o (cross-correlation
    /// over the zero-padded input): a forward convolution of the input read with the rows as channels ([C, N, H, W]) by
    /// the targets' δ as kernels ([m·O, N, h, w]), which needs no unfold(a) and which libtorch runs ≈ 1.5× faster for
    /// MultiLeNet's second layer; with one input channel (its first layer) that convolution is ≈ 2.5× slower than the
    /// product (the `ops` benchmark, docs/benchmarks.md). The choice depends on the layer's shape only, so a run repeats.
    /// </remarks>
    public override IEnumerable<(Tensor, Tensor)> AllRows(Tensor a, Tensor arranged)
    {
        if (Weight is not null) yield return (Weight, WeightGradients(a, arranged, TakesConvolutionForm(a)));
        if (Bias is not null) yield return (Bias, arranged.sum(new long[] { 2, 3, 4 }));
    }

    /// <summary>Whether <see cref="AllRows"/> forms this layer's weight gradients as a convolution for input <paramref name="a"/>.</summary>
    public bool TakesConvolutionForm(Tensor a) =>
        conv.stride.All(s => s == 1) && conv.dilation.All(d => d == 1) && a.shape[1] >= ConvolutionFormMinimumInputChannels;

    /// <summary>The m targets' weight gradients (m × numel) in the given form (the benchmark times both).</summary>
    internal Tensor WeightGradients(Tensor a, Tensor arranged, bool asConvolution)
    {
        long m = arranged.shape[0], outChannels = arranged.shape[1];
        Tensor perTarget;
        if (asConvolution)
        {
            Tensor kernels = arranged.reshape(m * outChannels, arranged.shape[2], arranged.shape[3], arranged.shape[4]);
            perTarget = ConvolutionBackward.WeightGradientsAsConvolution(a, kernels, conv.padding!);
        }
        else
        {
            Tensor patches = Patches(a); // [N, K, P]
            Tensor columns = patches.transpose(0, 1).reshape(patches.shape[1], -1); // [K, N·P]
            perTarget = arranged.reshape(m * outChannels, -1).mm(columns.t());
        }
        return perTarget.reshape(m, -1);
    }
}

internal sealed class BatchNormRule : LayerRule
{
    private readonly BatchNorm norm;

    public BatchNormRule(BatchNorm norm, IReadOnlyDictionary<string, Tensor> parameters) : base(norm, parameters) => this.norm = norm;

    public override IEnumerable<(Tensor, Tensor)> PerGroup(Tensor a, Tensor d, long groupSize)
    {
        long m = d.shape[0], groups = a.shape[0] / groupSize, channels = a.shape[1];
        var shape = new long[a.dim()];
        Array.Fill(shape, 1L);
        shape[1] = channels;
        Tensor mean = norm.running_mean!.to_type(a.dtype).reshape(shape), variance = norm.running_var!.to_type(a.dtype).reshape(shape);
        Tensor normalised = ((a - mean) / (variance + norm.eps).sqrt()).reshape(1, groups, groupSize, channels, -1);
        Tensor deltas = d.reshape(m, groups, groupSize, channels, -1);
        if (Weight is not null) yield return (Weight, (deltas * normalised).sum(new long[] { 2, 4 }));
        if (Bias is not null) yield return (Bias, deltas.sum(new long[] { 2, 4 }));
    }
}

/// <summary>
/// The all-rows rule of one call of a convolution whose output only a 2×2 max pool reads, optionally through a channel
/// dropout (Network/PooledConvolution), from δ at the pool's output. With i(n,o,p) the position of pooled cell p's maximum
/// in the convolution's output plane and s(n,o) the dropout's scale (1 without one), ∂L/∂W[o,k] = Σₙ,ₚ s(n,o) · δ[n,o,p] ·
/// unfold(a)[n,k,i(n,o,p)]: <see cref="Conv2dRule"/>'s sum without the zeros the pool's backward would scatter, so a
/// quarter of its products, and none for a dropped channel (<see cref="MaxPooledWeightGradientKernel"/>). The rule belongs
/// to one call (it holds that call's maxima and scales); stride 1, no padding or dilation, float32 on the CPU
/// (<see cref="Applies"/>).
/// </summary>
internal sealed class MaxPooledConv2dRule : IAllRowsRule, IDisposable
{
    private readonly Conv2d conv;
    private readonly Tensor? weight, bias;
    private readonly Tensor index;
    private readonly Tensor? channelScale;

    /// <param name="conv">The convolution (<see cref="Applies"/>).</param>
    /// <param name="parameters">Its registered parameters by name (the objects the gradients are reported for).</param>
    /// <param name="index">The positions of the maxima, N×O×h×w (<see cref="MaxPool.WithIndex"/>); the rule owns it.</param>
    /// <param name="channelScale">The dropout's scale per row and channel, N×O×1×1 (null: none); the rule owns it.</param>
    public MaxPooledConv2dRule(Conv2d conv, IReadOnlyDictionary<string, Tensor> parameters, Tensor index, Tensor? channelScale)
    {
        this.conv = conv;
        weight = parameters.GetValueOrDefault("weight");
        bias = parameters.GetValueOrDefault("bias");
        this.index = index;
        this.channelScale = channelScale;
    }

    /// <summary>Whether the rule's kernel takes this layer: a plain convolution (<see cref="ConvolutionBackward.IsPlain"/>) with float32 weights on the CPU.</summary>
    public static bool Applies(Conv2d conv) =>
        ConvolutionBackward.IsPlain(conv) && conv.weight is { } w && w.dtype == ScalarType.Float32 && w.device_type == DeviceType.CPU;

    // δ at the pool's output as [O, rows, h, w], as the convolution's own rule lays it.
    public Tensor Arranged(Tensor delta) => delta.transpose(0, 1);

    public IEnumerable<(Tensor Parameter, Tensor PerTarget)> AllRows(Tensor a, Tensor arranged)
    {
        if (weight is not null)
            yield return (weight, MaxPooledWeightGradientKernel.Compute(a, index, arranged, channelScale, conv.kernel_size[0], conv.kernel_size[1],
                get_num_threads()));
        if (bias is null) yield break;
        // [m, O, N, h, w] summed over the cells, then over the rows with each row's scale.
        Tensor perRow = arranged.sum(new long[] { 3, 4 });
        yield return (bias, channelScale is null ? perRow.sum(2) : (perRow * channelScale.reshape(channelScale.shape[0], -1).t()).sum(2));
    }

    public void Dispose()
    {
        index.Dispose();
        channelScale?.Dispose();
    }
}
