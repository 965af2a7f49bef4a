using Mtl.Transforms.Corruptions;
using SkiaSharp;

namespace Mtl.Transforms.Image;

/// <summary>
/// A real JPEG round trip through SkiaSharp's encoder and decoder (the codec ML.NET's ImageAnalytics
/// uses): gray images are encoded as one-channel JPEGs, RGB ones as colour JPEGs.
/// </summary>
public static class JpegCodec
{
    /// <summary>Encodes the image (rounded to bytes) as JPEG at <paramref name="quality"/> and returns the file bytes.</summary>
    /// <param name="image">Gray or RGB image in [0, 1].</param>
    /// <param name="quality">JPEG quality, 1 (worst) to 100 (best).</param>
    public static byte[] Encode(PlanarImage image, int quality)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (quality < 1 || quality > 100)
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality runs from 1 (worst) to 100 (best).");
        bool gray = image.Channels == 1;
        var info = new SKImageInfo(image.Width, image.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        int n = image.PlaneSize, bytesPerPixel = gray ? 1 : 4, rowBytes = bitmap.RowBytes;
        var d = image.Data;
        unsafe
        {
            byte* p = (byte*)bitmap.GetPixels();
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                {
                    byte* px = p + y * rowBytes + x * bytesPerPixel;
                    int i = y * image.Width + x;
                    if (gray) { px[0] = PlanarConversions.ToByte(d[i]); continue; }
                    for (int c = 0; c < 3; c++) px[c] = PlanarConversions.ToByte(d[c * n + i]);
                    px[3] = 255;
                }
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode a {image.Width}×{image.Height} {(gray ? "gray" : "RGB")} image as JPEG.");
        return data.ToArray();
    }

    /// <summary>Decodes JPEG bytes into an image of the given shape (gray or RGB), values / 255.</summary>
    /// <param name="jpeg">The file bytes.</param>
    /// <param name="destination">Image to fill; its size must match the JPEG's.</param>
    public static void Decode(ReadOnlySpan<byte> jpeg, PlanarImage destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        bool gray = destination.Channels == 1;
        var info = new SKImageInfo(destination.Width, destination.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var data = SKData.CreateCopy(jpeg);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException("The bytes are not a JPEG image SkiaSharp can read.");
        if (codec.Info.Width != destination.Width || codec.Info.Height != destination.Height)
            throw new InvalidDataException($"The JPEG is {codec.Info.Width}×{codec.Info.Height}; expected {destination.Width}×{destination.Height}.");
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"SkiaSharp could not decode the JPEG: {result}.");
        int n = destination.PlaneSize, bytesPerPixel = gray ? 1 : 4, rowBytes = bitmap.RowBytes;
        var d = destination.Data;
        unsafe
        {
            byte* p = (byte*)bitmap.GetPixels();
            for (int y = 0; y < destination.Height; y++)
                for (int x = 0; x < destination.Width; x++)
                {
                    byte* px = p + y * rowBytes + x * bytesPerPixel;
                    int i = y * destination.Width + x;
                    for (int c = 0; c < destination.Channels; c++) d[c * n + i] = px[c] / 255f;
                }
        }
    }

    /// <summary>Replaces the image by its JPEG round trip at <paramref name="quality"/>.</summary>
    /// <param name="image">Gray or RGB image in [0, 1], changed in place.</param>
    /// <param name="quality">JPEG quality, 1 to 100.</param>
    public static void RoundTrip(PlanarImage image, int quality) => Decode(Encode(image, quality), image);
}
