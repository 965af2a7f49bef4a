using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>2×2 max pooling with stride 2 (<c>F.max_pool2d(x, 2)</c>) for the conv trunks.</summary>
internal static class MaxPool
{
    /// <summary>
    /// The 2×2, stride-2 max pool of an N×C×H×W tensor (odd rows and columns at the end are dropped, as
    /// <c>F.max_pool2d</c> drops them). Without autograd — scoring, validation, evaluation — it is the element-wise maximum
    /// of the window's four strided views: the same values bit for bit (a maximum is exact, and a NaN in a window wins in
    /// both), at a fraction of the cost of libtorch's NCHW pooling kernel on CPU, which dominated a scoring forward. With
    /// autograd it stays <c>F.max_pool2d</c>, whose backward sends the gradient to the window's first maximum.
    /// </summary>
    public static Tensor Pool2(Tensor x)
    {
        if (x.requires_grad && is_grad_enabled()) return F.max_pool2d(x, 2);
        using var scope = NewDisposeScope();
        long h = x.shape[^2] / 2 * 2, w = x.shape[^1] / 2 * 2;
        Tensor Window(long row, long column) =>
            x[TensorIndex.Ellipsis, TensorIndex.Slice(row, h, 2), TensorIndex.Slice(column, w, 2)];
        Tensor top = maximum(Window(0, 0), Window(0, 1));
        Tensor bottom = maximum(Window(1, 0), Window(1, 1));
        return maximum(top, bottom).MoveToOuterDisposeScope();
    }
}
