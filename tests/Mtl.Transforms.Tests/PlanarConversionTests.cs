using Microsoft.ML.Data;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

[TestClass]
public sealed class PlanarConversionTests
{
    [TestMethod]
    public void RgbaAndBgraImagesBecomePlanarRgbAndBackWithTheirAlpha()
    {
        // Two pixels: (R, G, B, A) = (10, 20, 30, 40) and (200, 100, 50, 255).
        using var rgba = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, new byte[] { 10, 20, 30, 40, 200, 100, 50, 255 });
        using var bgra = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Bgra32, new byte[] { 30, 20, 10, 40, 50, 100, 200, 255 });
        float[] expected = [10 / 255f, 200 / 255f, 20 / 255f, 100 / 255f, 30 / 255f, 50 / 255f];
        CollectionAssert.AreEqual(expected, rgba.ToPlanar().Data);
        CollectionAssert.AreEqual(expected, bgra.ToPlanar().Data);
        using var back = bgra.ToPlanar().ToMLImage(alphaFrom: rgba);
        Assert.AreEqual(MLPixelFormat.Rgba32, back.PixelFormat);
        CollectionAssert.AreEqual(new byte[] { 10, 20, 30, 40, 200, 100, 50, 255 }, back.Pixels.ToArray());
        using var other = MLImage.CreateFromPixels(1, 1, MLPixelFormat.Rgba32, new byte[4]);
        Assert.ThrowsExactly<ArgumentException>(() => rgba.ToPlanar().ToMLImage(alphaFrom: other));
    }

    [TestMethod]
    public void AnImageWithEqualChannelsIsGrayAndIsWrittenBackToAllThree()
    {
        using var image = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, new byte[] { 7, 7, 7, 255, 250, 250, 250, 255 });
        var planar = image.ToPlanar();
        Assert.AreEqual(1, planar.Channels);
        CollectionAssert.AreEqual(new[] { 7 / 255f, 250 / 255f }, planar.Data);
        planar.Data[0] = 0.5f;
        using var back = planar.ToMLImage();
        CollectionAssert.AreEqual(new byte[] { 128, 128, 128, 255, 250, 250, 250, 255 }, back.Pixels.ToArray());
        // One differing channel anywhere makes it colour.
        using var colour = MLImage.CreateFromPixels(2, 1, MLPixelFormat.Rgba32, new byte[] { 7, 7, 7, 255, 250, 250, 251, 255 });
        Assert.AreEqual(3, colour.ToPlanar().Channels);
    }

    [TestMethod]
    public void ToByteRoundsAndClamps()
    {
        Assert.AreEqual(0, PlanarConversions.ToByte(float.NaN));
        Assert.AreEqual(0, PlanarConversions.ToByte(-1f));
        Assert.AreEqual(128, PlanarConversions.ToByte(0.5f));
        Assert.AreEqual(255, PlanarConversions.ToByte(2f));
        Assert.AreEqual(2, PlanarConversions.ToByte(1.6f / 255));
        Assert.AreEqual(1, PlanarConversions.ToByte(1.4f / 255));
    }

    [TestMethod]
    public void JpegEncodesRealJpegFilesAndRejectsBadQualities()
    {
        var rgb = TestImages.Make(3, 32, 1);
        var file = JpegCodec.Encode(rgb, 80);
        Assert.AreEqual(0xFF, file[0]);
        Assert.AreEqual(0xD8, file[1]); // JPEG start-of-image marker
        Assert.IsLessThan(file.Length, JpegCodec.Encode(rgb, 10).Length, "lower quality, smaller file");
        Assert.IsLessThan(JpegCodec.Encode(rgb, 95).Length, file.Length);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => JpegCodec.Encode(rgb, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => JpegCodec.Encode(rgb, 101));
        Assert.ThrowsExactly<InvalidDataException>(() => JpegCodec.Decode(new byte[] { 1, 2, 3 }, rgb));
        Assert.ThrowsExactly<InvalidDataException>(() => JpegCodec.Decode(file, new PlanarImage(3, 16, 16)));
    }
}
