using Microsoft.ML.Data;
using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Image;

/// <summary>
/// Conversions between ML.NET's 32-bit <see cref="MLImage"/>s (<see cref="MLPixelFormat.Rgba32"/> or
/// <see cref="MLPixelFormat.Bgra32"/>) and float <see cref="PlanarImage"/>s in [0, 1].
/// </summary>
public static class PlanarConversions
{
    /// <summary>
    /// The image as planar floats (value / 255). An image whose red, green and blue agree at every
    /// pixel (a gray image, e.g. after <c>ConvertToGrayscale</c>) becomes one channel, so that
    /// corruptions treat it as gray (no colour noise); any other becomes three channels R, G, B.
    /// Alpha is dropped.
    /// </summary>
    /// <param name="image">An Rgba32 or Bgra32 image.</param>
    /// <exception cref="NotSupportedException">The pixel format is neither Rgba32 nor Bgra32.</exception>
    public static PlanarImage ToPlanar(this MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (r, g, b) = ChannelOffsets(image.PixelFormat);
        var src = image.Pixels;
        int n = image.Width * image.Height;
        bool gray = true;
        for (int i = 0; i < n && gray; i++) gray = src[4 * i + r] == src[4 * i + g] && src[4 * i + g] == src[4 * i + b];
        var result = new PlanarImage(gray ? 1 : 3, image.Height, image.Width);
        var d = result.Data;
        int[] offsets = gray ? [r] : [r, g, b];
        for (int c = 0; c < offsets.Length; c++)
            for (int i = 0; i < n; i++) d[c * n + i] = src[4 * i + offsets[c]] / 255f;
        return result;
    }

    /// <summary>
    /// The image as an Rgba32 <see cref="MLImage"/>, values rounded to bytes (clamped to [0, 1] first);
    /// a one-channel image is written to red, green and blue alike.
    /// </summary>
    /// <param name="image">Gray or RGB image.</param>
    /// <param name="alphaFrom">An image of the same size whose alpha is kept (null = opaque).</param>
    public static MLImage ToMLImage(this PlanarImage image, MLImage? alphaFrom = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        int n = image.PlaneSize;
        if (alphaFrom is not null && (alphaFrom.Width != image.Width || alphaFrom.Height != image.Height))
            throw new ArgumentException($"The alpha source is {alphaFrom.Width}×{alphaFrom.Height}, the image {image.Width}×{image.Height}.", nameof(alphaFrom));
        var alpha = alphaFrom is null ? default : alphaFrom.Pixels;
        var bytes = new byte[4 * n];
        var d = image.Data;
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < 3; c++) bytes[4 * i + c] = ToByte(d[(image.Channels == 3 ? c : 0) * n + i]);
            bytes[4 * i + 3] = alphaFrom is null ? (byte)255 : alpha[4 * i + 3];
        }
        return MLImage.CreateFromPixels(image.Width, image.Height, MLPixelFormat.Rgba32, bytes);
    }

    /// <summary>A value in [0, 1] as a byte (rounded; NaN and values below 0 give 0).</summary>
    /// <param name="v">The value.</param>
    public static byte ToByte(float v) => v > 0f ? (v < 1f ? (byte)(v * 255f + 0.5f) : (byte)255) : (byte)0;

    private static (int R, int G, int B) ChannelOffsets(MLPixelFormat format) => format switch
    {
        MLPixelFormat.Rgba32 => (0, 1, 2),
        MLPixelFormat.Bgra32 => (2, 1, 0),
        _ => throw new NotSupportedException($"Images in pixel format {format} cannot be corrupted; ML.NET images are Rgba32 or Bgra32."),
    };
}
