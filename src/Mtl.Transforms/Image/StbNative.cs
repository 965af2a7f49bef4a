using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Mtl.Transforms.Image;

/// <summary>P/Invoke declarations for Debian's libstb (stb_image, stb_image_write, stb_image_resize).</summary>
internal static unsafe partial class StbNative
{
    private const string Library = "libstb.so.0";

    [LibraryImport(Library, EntryPoint = "stbi_load_from_memory")]
    internal static partial byte* LoadFromMemory(byte* buffer, int length, out int width, out int height, out int channelsInFile, int desiredChannels);

    [LibraryImport(Library, EntryPoint = "stbi_image_free")]
    internal static partial void ImageFree(void* pixels);

    [LibraryImport(Library, EntryPoint = "stbi_failure_reason")]
    internal static partial IntPtr FailureReason();

    [LibraryImport(Library, EntryPoint = "stbi_write_png_to_func")]
    internal static partial int WritePngToFunc(delegate* unmanaged[Cdecl]<void*, void*, int, void> func, void* context, int width, int height, int components, byte* data, int strideInBytes);

    [LibraryImport(Library, EntryPoint = "stbi_write_jpg_to_func")]
    internal static partial int WriteJpgToFunc(delegate* unmanaged[Cdecl]<void*, void*, int, void> func, void* context, int width, int height, int components, byte* data, int quality);

    [LibraryImport(Library, EntryPoint = "stbir_resize_uint8")]
    internal static partial int ResizeUInt8(byte* input, int inputWidth, int inputHeight, int inputStride, byte* output, int outputWidth, int outputHeight, int outputStride, int channels);

    [LibraryImport(Library, EntryPoint = "stbir_resize_float")]
    internal static partial int ResizeFloat(float* input, int inputWidth, int inputHeight, int inputStride, float* output, int outputWidth, int outputHeight, int outputStride, int channels);

    /// <summary>The writer callback: appends the chunk to the <see cref="MemoryStream"/> behind the GC handle in <paramref name="context"/>.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    internal static void AppendToStream(void* context, void* data, int size)
    {
        var stream = (MemoryStream)GCHandle.FromIntPtr((IntPtr)context).Target!;
        stream.Write(new ReadOnlySpan<byte>(data, size));
    }

    internal static string LastFailure()
    {
        IntPtr p = FailureReason();
        return p == IntPtr.Zero ? "unknown reason" : Marshal.PtrToStringAnsi(p) ?? "unknown reason";
    }
}
