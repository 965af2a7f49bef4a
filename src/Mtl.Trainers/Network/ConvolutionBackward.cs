using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>
/// A faster CPU backward for the LeNet convolutions (stride 1, no padding, no dilation, one group), used by the training
/// step's forward (<see cref="Fast"/>).
/// <para>
/// libtorch 2.10's CPU kernel for a convolution's weight gradient is slow for these shapes: MultiLeNet's first layer
/// (one input channel, 5×5) takes about half of a whole EW step there (docs/benchmarks.md, "op by op"). The same gradient
/// is a convolution in its own right, ∂L/∂W[o,i] = Σ_b x[b,i] ⋆ g[b,o] (cross-correlation), i.e. a forward convolution of
/// the input with the batch as channels and the output gradient as the kernel, and libtorch runs that forward several
/// times faster. The input gradient is the transposed convolution of the output gradient, as libtorch computes it.
/// Results equal libtorch's up to the order of the float sums (relative ≈ 1e-6).
/// </para>
/// <para>
/// Outside <see cref="Fast"/> every convolution runs through <c>Module.call</c>, so forward hooks (the per-sample gradient
/// engine's) see it; inside, a layer whose weight needs no gradient, a non-CPU tensor or another geometry also does.
/// </para>
/// </summary>
internal static class ConvolutionBackward
{
    [ThreadStatic] private static int fastDepth;

    /// <summary>While the returned scope is open, <see cref="Apply"/> on this thread records the faster backward.</summary>
    public static IDisposable Fast() => new FastScope();

    /// <summary>Whether a <see cref="Fast"/> scope is open on this thread.</summary>
    public static bool IsFast => fastDepth > 0;

    /// <summary><paramref name="conv"/> applied to <paramref name="x"/>, with the faster backward where it applies.</summary>
    public static Tensor Apply(Conv2d conv, Tensor x)
    {
        Tensor weight = conv.weight!;
        bool applies = fastDepth > 0 && is_grad_enabled() && weight.requires_grad && x.device_type == DeviceType.CPU && x.dim() == 4
                       && IsPlain(conv);
        return applies ? Conv2dWeightGradientAsConvolution.apply(x, weight, conv.bias) : conv.call(x);
    }

    /// <summary>Whether <paramref name="conv"/> is a plain convolution: stride 1, no padding, no dilation, one group (LeNet's).</summary>
    public static bool IsPlain(Conv2d conv) =>
        conv.stride is [1, 1] && conv.padding is [0, 0] && conv.dilation is [1, 1] && conv.groups == 1
        && conv.padding_type is null && conv.padding_mode == PaddingModes.Zeros;

    /// <summary>
    /// The weight gradients of a stride-1 convolution for m stacked targets, as one forward convolution: the input
    /// <paramref name="input"/> [N, C, H, W] read with the rows as channels, by the targets' output gradients as kernels,
    /// <paramref name="kernels"/> [m·O, N, h, w] (zero <paramref name="padding"/> as the layer's); returns [m·O, C, kh, kw].
    /// This backward uses it with one target; the layer taps (Engine/LayerRules) with one per task.
    /// </summary>
    internal static Tensor WeightGradientsAsConvolution(Tensor input, Tensor kernels, long[] padding)
    {
        using Tensor byInputChannel = F.conv2d(input.transpose(0, 1), kernels, padding: padding); // [C, m·O, kh, kw]
        return byInputChannel.transpose(0, 1);
    }

    private sealed class FastScope : IDisposable
    {
        private bool disposed;

        public FastScope() => fastDepth++;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            fastDepth--;
        }
    }

    /// <summary>The autograd function: forward is F.conv2d; backward as described on <see cref="ConvolutionBackward"/>.</summary>
    internal sealed class Conv2dWeightGradientAsConvolution : autograd.SingleTensorFunction<Conv2dWeightGradientAsConvolution>
    {
        public override string Name => "MtlConv2d";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var weight = (Tensor)vars[1];
            var bias = vars[2] as Tensor;
            ctx.save_for_backward([x, weight]);
            ctx.save_data("input", x.requires_grad);
            ctx.save_data("bias", bias is not null && bias.requires_grad);
            return F.conv2d(x, weight, bias);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
        {
            List<Tensor> saved = ctx.get_saved_variables();
            using Tensor x = saved[0], weight = saved[1];
            Tensor? gradInput = (bool)ctx.get_data("input") ? F.conv_transpose2d(gradOutput, weight) : null;
            // With one input channel the transposed input is a free view.
            using Tensor kernelByChannel = gradOutput.transpose(0, 1).contiguous();
            using Tensor weightByOutput = WeightGradientsAsConvolution(x, kernelByChannel, [0, 0]);
            Tensor gradWeight = weightByOutput.contiguous();
            Tensor? gradBias = (bool)ctx.get_data("bias") ? gradOutput.sum([0, 2, 3]) : null;
            return [gradInput!, gradWeight, gradBias!];
        }
    }
}
