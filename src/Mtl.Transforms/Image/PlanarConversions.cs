using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Image;

/// <summary>Conversions between 8-bit <see cref="MLImage"/>s and float <see cref="PlanarImage"/>s in [0, 1].</summary>
public static class PlanarConversions
{
    /// <summary>Gray stays one channel; RGB and RGBA become three channels (alpha dropped); values / 255.</summary>
    /// <param name="image">The image.</param>
    public static PlanarImage ToPlanar(this MLImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int channels = image.PixelFormat == MLPixelFormat.Gray8 ? 1 : 3;
        var result = new PlanarImage(channels, image.Height, image.Width);
        int n = image.Width * image.Height, stride = image.Channels;
        var src = image.Pixels;
        var d = result.Data;
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < n; i++) d[c * n + i] = src[i * stride + c] / 255f;
        return result;
    }

    /// <summary>Rounds to bytes (clamped to [0, 1] first): one channel → Gray8, three → Rgb24.</summary>
    /// <param name="image">The image.</param>
    public static MLImage ToMLImage(this PlanarImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int n = image.PlaneSize, c = image.Channels;
        var bytes = new byte[n * c];
        var d = image.Data;
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < n; i++) bytes[i * c + ch] = ToByte(d[ch * n + i]);
        return new MLImage(image.Width, image.Height, c == 1 ? MLPixelFormat.Gray8 : MLPixelFormat.Rgb24, bytes);
    }

    /// <summary>A value in [0, 1] as a byte (rounded; NaN and values below 0 give 0).</summary>
    /// <param name="v">The value.</param>
    public static byte ToByte(float v) => v > 0f ? (v < 1f ? (byte)(v * 255f + 0.5f) : (byte)255) : (byte)0;
}
