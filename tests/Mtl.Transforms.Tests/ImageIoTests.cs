using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

[TestClass]
public sealed class ImageIoTests
{
    private static MLImage Pattern(MLPixelFormat format, int w, int h)
    {
        int c = (int)format;
        var px = new byte[w * h * c];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 7 % 251);
        return new MLImage(w, h, format, px);
    }

    [TestMethod]
    [DataRow(MLPixelFormat.Gray8)]
    [DataRow(MLPixelFormat.Rgb24)]
    [DataRow(MLPixelFormat.Rgba32)]
    public void PngRoundTripIsLossless(MLPixelFormat format)
    {
        using var dir = new TempFolder();
        var image = Pattern(format, 13, 9);
        string path = dir.File("a.png");
        image.SavePng(path);
        var back = MLImage.CreateFromFile(path);
        Assert.AreEqual(format, back.PixelFormat);
        Assert.AreEqual(13, back.Width);
        Assert.AreEqual(9, back.Height);
        CollectionAssert.AreEqual(image.Pixels.ToArray(), back.Pixels.ToArray());
        Assert.AreEqual(path, back.Tag);
    }

    [TestMethod]
    public void JpegAtQuality100DecodesCloseToTheOriginal()
    {
        var px = new byte[32 * 32 * 3];
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++) px[(y * 32 + x) * 3 + c] = (byte)(40 + 5 * x + 2 * y + 20 * c);
        var image = new MLImage(32, 32, MLPixelFormat.Rgb24, px);
        var back = MLImage.Decode(image.EncodeJpeg(100), "memory");
        Assert.AreEqual(MLPixelFormat.Rgb24, back.PixelFormat);
        double mean = 0;
        for (int i = 0; i < px.Length; i++) mean += Math.Abs(px[i] - back.Pixels[i]);
        Assert.IsLessThan(2.0, mean / px.Length);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => image.EncodeJpeg(0));
    }

    [TestMethod]
    public void HandWrittenBmpDecodes()
    {
        // 24-bit BMP, 2×2, rows bottom-up, BGR, rows padded to 4 bytes.
        using var dir = new TempFolder();
        byte[] pixels =
        [
            0, 0, 255, 0, 255, 0, 0, 0,       // bottom row: red, green, padding
            255, 0, 0, 255, 255, 255, 0, 0,   // top row: blue, white, padding
        ];
        var bmp = new List<byte>();
        void U16(int v) { bmp.Add((byte)v); bmp.Add((byte)(v >> 8)); }
        void U32(int v) { U16(v & 0xFFFF); U16(v >> 16); }
        bmp.Add((byte)'B'); bmp.Add((byte)'M'); U32(54 + pixels.Length); U32(0); U32(54);
        U32(40); U32(2); U32(2); U16(1); U16(24); U32(0); U32(pixels.Length); U32(2835); U32(2835); U32(0); U32(0);
        bmp.AddRange(pixels);
        string path = dir.File("x.bmp");
        File.WriteAllBytes(path, bmp.ToArray());
        var image = MLImage.CreateFromFile(path);
        Assert.AreEqual(MLPixelFormat.Rgb24, image.PixelFormat);
        CollectionAssert.AreEqual(new byte[] { 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 0 }, image.Pixels.ToArray());
    }

    [TestMethod]
    public void BadFilesGiveClearErrorsNamingTheFile()
    {
        using var dir = new TempFolder();
        string text = dir.File("notes.png");
        File.WriteAllText(text, "this is not an image");
        var e1 = Assert.ThrowsExactly<InvalidDataException>(() => MLImage.CreateFromFile(text));
        StringAssert.Contains(e1.Message, text);
        StringAssert.Contains(e1.Message, "PNG, JPEG or BMP");

        string empty = dir.File("empty.jpg");
        File.WriteAllBytes(empty, []);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => MLImage.CreateFromFile(empty)).Message, "empty");

        string truncated = dir.File("cut.png");
        var png = Pattern(MLPixelFormat.Rgb24, 20, 20).EncodePng();
        File.WriteAllBytes(truncated, png[..(png.Length / 2)]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => MLImage.CreateFromFile(truncated)).Message, truncated);

        string missing = dir.File("missing.png");
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => MLImage.CreateFromFile(missing)).Message, missing);
    }

    [TestMethod]
    public void ResizeKeepsAConstantImageAndCropPadConvertWork()
    {
        var px = Enumerable.Repeat((byte)120, 10 * 6 * 3).ToArray();
        var image = new MLImage(10, 6, MLPixelFormat.Rgb24, px);
        var resized = image.Resize(25, 15);
        Assert.AreEqual(25, resized.Width);
        Assert.AreEqual(15, resized.Height);
        foreach (byte b in resized.Pixels) Assert.AreEqual(120, b, 1);

        var pattern = Pattern(MLPixelFormat.Rgb24, 5, 4);
        var crop = pattern.Crop(1, 2, 3, 2);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                for (int c = 0; c < 3; c++)
                    Assert.AreEqual(pattern.Pixels[((2 + y) * 5 + 1 + x) * 3 + c], crop.Pixels[(y * 3 + x) * 3 + c]);
        var padded = pattern.Pad(7, 6, 1, 1);
        Assert.AreEqual(0, padded.Pixels[0]);
        Assert.AreEqual(pattern.Pixels[0], padded.Pixels[(1 * 7 + 1) * 3]);

        var rgb = new MLImage(1, 1, MLPixelFormat.Rgb24, [200, 100, 50]);
        var gray = rgb.ConvertTo(MLPixelFormat.Gray8);
        Assert.AreEqual((byte)Math.Round(0.299 * 200 + 0.587 * 100 + 0.114 * 50), gray.Pixels[0]);
        Assert.ThrowsExactly<ArgumentException>(() => new MLImage(2, 2, MLPixelFormat.Rgb24, new byte[5]));
    }
}
