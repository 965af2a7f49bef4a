using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>2×2 max pooling with stride 2 (<c>F.max_pool2d(x, 2)</c>) for the conv trunks.</summary>
/// <remarks>
/// libtorch's CPU kernel for max pooling an NCHW-contiguous tensor is slow next to the convolutions around it (in a
/// MultiLeNet forward of 512 rows it took about as long as both convolutions together). Its channels-last kernel does
/// the same work several times faster, and without autograd the maximum of the window's four strided views is faster
/// still. Below <see cref="GatherFromElements"/> input values the channels-last detour's extra ops cost more than they
/// save, and autograd takes <c>F.max_pool2d</c> itself. See docs/benchmarks.md ("pooling").
/// </remarks>
internal static class MaxPool
{
    /// <summary>
    /// The 2×2, stride-2 max pool of an N×C×H×W tensor (odd last rows and columns are dropped, as by
    /// <c>F.max_pool2d</c>). With autograd it gathers the input at the indices of <c>F.max_pool2d</c> run on a channels-last
    /// copy (<see cref="WithIndex"/>; below <see cref="GatherFromElements"/> values it is <c>F.max_pool2d</c>): the same
    /// values, gradient (to each window's first maximum) and second derivatives bit for bit.
    /// Without autograd (scoring, validation, evaluation) it is the element-wise maximum of the window's four strided views:
    /// equal values (a NaN in a window wins in both; at most the sign of a zero may differ).
    /// </summary>
    public static Tensor Pool2(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"MaxPool.Pool2 takes an N×C×H×W tensor; got {x.dim()} dimensions.", nameof(x));
        using var scope = NewDisposeScope();
        if (x.requires_grad && is_grad_enabled())
            return (x.numel() < GatherFromElements ? F.max_pool2d(x, new long[] { 2, 2 }) : WithIndex(x).Pooled).MoveToOuterDisposeScope();
        long h = x.shape[2] / 2 * 2, w = x.shape[3] / 2 * 2;
        Tensor Window(long row, long column) =>
            x[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(row, h, 2), TensorIndex.Slice(column, w, 2)];
        return maximum(maximum(Window(0, 0), Window(0, 1)), maximum(Window(1, 0), Window(1, 1))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Fewest input values for which <see cref="Pool2"/> with autograd gathers at the channels-last kernel's indices: forward
    /// and backward of a batch-8 MultiLeNet's second pool (10,240 values) took 128 µs that way against 75 µs for
    /// <c>F.max_pool2d</c>, equal at 46,080 and 92,160 values, and 293 against 438 µs at 81,920 (64 rows of it; scratch
    /// program, 2 threads). Both give the same values and gradients, so the choice changes no number.
    /// </summary>
    public const long GatherFromElements = 65_536;

    /// <summary>
    /// <see cref="Pool2"/>'s gathering autograd form and the position of each window's (first) maximum in the H×W plane, flattened
    /// (N×C×h×w, as <c>F.max_pool2d_with_indices</c> gives it; the pooled output is the input gathered there).
    /// </summary>
    public static (Tensor Pooled, Tensor Index) WithIndex(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"MaxPool.WithIndex takes an N×C×H×W tensor; got {x.dim()} dimensions.", nameof(x));
        using var scope = NewDisposeScope();
        Tensor index;
        using (no_grad())
        {
            // An NHWC-contiguous tensor seen through NCHW axes has channels-last strides, which selects that kernel. Its
            // indices (positions in the H×W plane) do not depend on the memory format.
            Tensor channelsLast = x.detach().permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            index = F.max_pool2d_with_indices(channelsLast, new long[] { 2, 2 }).indices.contiguous();
        }
        // Gathering the maxima keeps the backward a scatter into the NCHW input (the channels-last kernel's own backward
        // and the copies back cost more than they saved).
        long n = x.shape[0], c = x.shape[1];
        Tensor pooled = x.reshape(n, c, -1).gather(2, index.view(n, c, -1)).view(index.shape);
        return (pooled.MoveToOuterDisposeScope(), index.MoveToOuterDisposeScope());
    }
}
