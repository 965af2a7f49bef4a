using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network;

/// <summary>
/// <see cref="Dropout2d"/>'s forward with its channel mask in hand. In training each (row, channel) is kept with
/// probability 1 − p and scaled by 1/(1 − p), drawn and applied as libtorch's feature dropout does it (the same random
/// draws and the same products), so the values equal <c>Dropout2d.call</c>'s bit for bit
/// (<c>MaxPooledWeightGradientTests.ChannelDropoutEqualsDropout2dBitForBit</c>). The layer taps need the mask to carry
/// the tasks' gradients from a max pool's output to the convolution below the dropout (<see cref="PooledConvolution"/>);
/// everywhere else the trunk calls the layer itself.
/// </summary>
internal static class ChannelDropout
{
    /// <summary>The mask (N×C×1×1, 0 or 1/(1 − p)) for an N×C×H×W input; null when the layer passes its input through (evaluation, p = 0).</summary>
    public static Tensor? Mask(Dropout2d dropout, Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"ChannelDropout takes an N×C×H×W tensor; got {x.dim()} dimensions.", nameof(x));
        double p = dropout.p;
        if (!dropout.training || p == 0 || x.numel() == 0) return null;
        long[] shape = [x.shape[0], x.shape[1], 1, 1];
        if (p == 1) return zeros(shape, x.dtype, x.device);
        using Tensor kept = empty(shape, x.dtype, x.device).bernoulli_(1 - p);
        using Scalar keptShare = (1 - p).ToScalar(); // held across the op: an implicit Scalar is freed by its finalizer (docs/architecture.md)
        return kept.div(keptShare);
    }

    /// <summary><paramref name="x"/> through the layer with <paramref name="mask"/> (<see cref="Mask"/>; null: unchanged).</summary>
    public static Tensor Apply(Tensor x, Tensor? mask) => mask is null ? x.alias() : x * mask;
}
