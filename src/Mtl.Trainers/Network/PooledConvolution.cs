using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>
/// A convolution whose output only a 2×2 max pool reads, optionally through a channel dropout (MultiLeNet's stages: conv →
/// [Dropout2d] → maxpool → ReLU), as one step a recorder can tap as a whole.
/// <para>
/// Parameters mode's layer taps (Engine/LayerTaps) need every task's gradient δ at a shared convolution's output. Behind
/// a max pool three quarters of it are zeros — only each window's maximum receives a gradient, times the dropout's
/// channel scale — so the taps ask for δ at the pool's output instead: the weight gradients then need only the input
/// patches under the maxima (the pool's index says which), a quarter of the products, and none for dropped channels.
/// </para>
/// </summary>
internal static class PooledConvolution
{
    /// <summary>What records pooled convolutions during a forward (the layer taps).</summary>
    internal interface IRecorder
    {
        /// <summary>Whether this layer's calls are recorded (a layer the recorder does not take runs as usual).</summary>
        bool Records(Conv2d conv);

        /// <summary>
        /// Records one call: the layer, its input, the flattened position of each window's maximum in the convolution's
        /// output plane (N×O×h×w) and the dropout's channel scale between them (N×O×1×1; null: none). Returns the tensor
        /// the forward goes on with: <paramref name="pooled"/> with anything the recorder adds that leaves its value unchanged.
        /// </summary>
        Tensor Recorded(Conv2d conv, Tensor input, Tensor index, Tensor? channelScale, Tensor pooled);
    }

    [ThreadStatic] private static IRecorder? recorder;

    /// <summary>While the returned scope is open, <see cref="Apply"/> on this thread reports to <paramref name="recording"/>.</summary>
    public static IDisposable Recording(IRecorder recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        if (recorder is not null)
            throw new InvalidOperationException("Pooled convolutions are already being recorded on this thread; one recorder at a time.");
        recorder = recording;
        return new Scope(recording);
    }

    /// <summary>
    /// The 2×2 max pool (<see cref="MaxPool.Pool2"/>) of <paramref name="conv"/> applied to <paramref name="x"/>, through
    /// <paramref name="dropout"/> when given.
    /// </summary>
    public static Tensor Apply(Conv2d conv, Dropout2d? dropout, Tensor x)
    {
        using var scope = NewDisposeScope();
        if (recorder is not { } r || !is_grad_enabled() || !r.Records(conv))
        {
            Tensor c = ConvolutionBackward.Apply(conv, x);
            return MaxPool.Pool2(dropout is null ? c : dropout.call(c)).MoveToOuterDisposeScope();
        }
        // The layer's own forward without Module.call (a forward hook there would tap δ at the convolution's output), and
        // the dropout with its mask in hand: Dropout2d's values and random draws (ChannelDropout).
        Tensor convolved = F.conv2d(x, conv.weight!, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups);
        Tensor? mask = dropout is null ? null : ChannelDropout.Mask(dropout, convolved);
        (Tensor pooled, Tensor index) = MaxPool.WithIndex(ChannelDropout.Apply(convolved, mask));
        return r.Recorded(conv, x, index, mask, pooled).MoveToOuterDisposeScope();
    }

    private sealed class Scope(IRecorder recording) : IDisposable
    {
        public void Dispose()
        {
            if (ReferenceEquals(recorder, recording)) recorder = null;
        }
    }
}
