using System.Runtime.InteropServices;

namespace Mtl.Torch.Native;

/// <summary>Turns the C ABI's failure values into <see cref="TorchException"/>s carrying libtorch's message.</summary>
internal static class Check
{
    internal static IntPtr Handle(IntPtr handle)
    {
        if (handle == IntPtr.Zero) ThrowLastError();
        return handle;
    }

    internal static int Status(int rc)
    {
        if (rc < 0) ThrowLastError();
        return rc;
    }

    /// <summary>For calls whose return value cannot signal failure (e.g. item): throws if an error was recorded.</summary>
    internal static void NoError()
    {
        if (NativeMethods.mt_last_error() != IntPtr.Zero) ThrowLastError();
    }

    internal static void ThrowLastError()
    {
        IntPtr p = NativeMethods.mt_last_error();
        string message = p == IntPtr.Zero ? "libtorch reported a failure without a message" : Marshal.PtrToStringUTF8(p)!;
        NativeMethods.mt_clear_error();
        throw new TorchException(message.Trim());
    }
}
