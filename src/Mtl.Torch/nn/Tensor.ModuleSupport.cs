using Mtl.Torch.Native;
using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

// Additions to Tensor that nn.Module needs (kept in nn/ so the core files stay untouched).
public partial class Tensor
{
    /// <summary>
    /// Makes this object refer to <paramref name="source"/>'s native tensor and invalidates <paramref name="source"/>.
    /// Modules use it to convert a parameter or buffer (dtype/device) while keeping the object that optimizers hold.
    /// </summary>
    internal void TakeNativeFrom(Tensor source)
    {
        if (ReferenceEquals(source, this)) return;
        source.OwningScope?.Remove(source);
        IntPtr incoming = Interlocked.Exchange(ref source.handle, IntPtr.Zero);
        if (incoming == IntPtr.Zero) throw new ObjectDisposedException(nameof(Tensor), "The source tensor was disposed.");
        GC.SuppressFinalize(source);
        IntPtr previous = Interlocked.Exchange(ref handle, incoming);
        if (previous != IntPtr.Zero) mt_free(previous);
    }

    /// <summary>A new tensor of the given type and shape holding a copy of raw row-major element bytes.</summary>
    internal static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType type, long[] shape)
    {
        long count = 1;
        foreach (long d in shape) count *= d;
        if (count * type.ElementSize() != bytes.Length)
            throw new ArgumentException($"{bytes.Length} bytes do not hold a {type} tensor of shape [{string.Join(", ", shape)}].", nameof(bytes));
        fixed (byte* p = bytes) fixed (long* s = shape)
            return Wrap(mt_from_blob(p, s, shape.Length, (int)type, 0));
    }

    /// <summary>The raw row-major element bytes (converted to contiguous CPU memory first).</summary>
    internal unsafe byte[] ToBytes()
    {
        IntPtr h = Handle;
        var bytes = new byte[checked(mt_numel(h) * mt_element_size(h))];
        fixed (byte* p = bytes) Check.Status(mt_copy_to(h, p, bytes.Length));
        return bytes;
    }
}
