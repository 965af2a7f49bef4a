using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Network;

/// <summary>2×2 max pooling with stride 2 (<c>F.max_pool2d(x, 2)</c>) for the conv trunks.</summary>
/// <remarks>
/// libtorch's CPU kernel for NCHW max pooling is slow next to the convolutions around it (in a MultiLeNet forward of 512
/// rows it took more time than both convolutions). The same values come from the element-wise maximum of the window's four
/// strided views — a maximum is exact, and a NaN in a window wins in both — which costs a fraction of it.
/// </remarks>
internal static class MaxPool
{
    /// <summary>
    /// The 2×2, stride-2 max pool of an N×C×H×W tensor: <c>F.max_pool2d(x, 2)</c>'s values bit for bit (odd last rows and
    /// columns are dropped, as there), and with autograd its gradient bit for bit: the output is the input gathered at each
    /// window's first maximum in row-major order (a NaN counts as the maximum), the element <c>F.max_pool2d</c> sends the
    /// gradient to, so the backward is a scatter of the output's gradient to those elements. It stays twice differentiable.
    /// </summary>
    public static Tensor Pool2(Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"MaxPool.Pool2 takes an N×C×H×W tensor; got {x.dim()} dimensions.", nameof(x));
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], width = x.shape[3];
        long h = x.shape[2] / 2 * 2, w = width / 2 * 2;
        Tensor Window(long row, long column) =>
            x[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(row, h, 2), TensorIndex.Slice(column, w, 2)];
        Tensor topLeft = Window(0, 0), topRight = Window(0, 1), bottomLeft = Window(1, 0), bottomRight = Window(1, 1);
        if (!(x.requires_grad && is_grad_enabled()))
            return maximum(maximum(topLeft, topRight), maximum(bottomLeft, bottomRight)).MoveToOuterDisposeScope();

        Tensor index;
        using (no_grad())
        {
            Tensor max = maximum(maximum(topLeft, topRight), maximum(bottomLeft, bottomRight));
            Tensor Wins(Tensor v) => v.eq(max).logical_or_(v.isnan());
            // Offsets of the window's four elements in the flattened H×W plane, the first winner taken.
            Tensor Offset(long value) => tensor(value, ScalarType.Int64, x.device);
            Tensor offset = where(Wins(topLeft), Offset(0), where(Wins(topRight), Offset(1), where(Wins(bottomLeft), Offset(width), Offset(width + 1))));
            Tensor origin = arange(0, h, 2, ScalarType.Int64, x.device).view(-1, 1) * width + arange(0, w, 2, ScalarType.Int64, x.device).view(1, -1);
            index = (offset + origin).view(n, c, -1);
        }
        return x.reshape(n, c, -1).gather(2, index).view(n, c, h / 2, w / 2).MoveToOuterDisposeScope();
    }
}
