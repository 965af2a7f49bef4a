using Microsoft.ML.Data;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

[TestClass]
public sealed class GalleryTests
{
    [TestMethod]
    public void GalleryIsAGridOfSeveritiesWithTheCleanImageInColumnZero()
    {
        var image = TestImages.Make(1, 28, 0);
        string[] rows = ["gaussian_noise", "contrast", "stripe"];
        var grid = CorruptionGallery.Render(image, rows, cellScale: 2);
        Assert.AreEqual(MLPixelFormat.Rgba32, grid.PixelFormat);
        // Layout: label column, 6 cells of 56 px with 4 px gaps, margins; header of one text line.
        int textScale = 2, labelW = BitmapFont.MeasureWidth("gaussian_noise", textScale) + 8, headerH = 7 * textScale + 8;
        Assert.AreEqual(labelW + 6 * 60 + 4, grid.Width);
        Assert.AreEqual(headerH + 3 * 60 + 4, grid.Height);
        // Column 0 of each row is the clean image, magnified 2×.
        for (int r = 0; r < rows.Length; r++)
            for (int y = 0; y < 56; y += 5)
                for (int x = 0; x < 56; x += 5)
                {
                    int gx = labelW + x, gy = headerH + r * 60 + y;
                    Assert.AreEqual(PlanarConversions.ToByte(image[0, y / 2, x / 2]), grid.Pixels[(gy * grid.Width + gx) * 4]);
                }
        // Stripe has one severity: its cells for severities 2–5 stay background.
        int stripeTop = headerH + 2 * 60, cell3Left = labelW + 3 * 60;
        Assert.AreEqual(32, grid.Pixels[((stripeTop + 10) * grid.Width + cell3Left + 10) * 4]);
        // The labels put ink into the label column.
        bool ink = false;
        for (int y = headerH; y < headerH + 56 && !ink; y++)
            for (int x = 0; x < labelW && !ink; x++) ink = grid.Pixels[(y * grid.Width + x) * 4] > 200;
        Assert.IsTrue(ink, "no label drawn");
    }

    [TestMethod]
    public void SaveWritesAReadablePng()
    {
        using var dir = new TempFolder();
        string path = dir.File("gallery.png");
        using var source = TestImages.Make(3, 32, 1).ToMLImage();
        CorruptionGallery.Save(source, path, ["fog", "frost"]);
        using var back = MLImage.CreateFromFile(path);
        Assert.IsGreaterThan(6 * 32, back.Width);
        // The file holds the rendered grid exactly (PNG is lossless); ML.NET may load it as Bgra32.
        using var grid = CorruptionGallery.Render(source.ToPlanar(), ["fog", "frost"]);
        Assert.AreEqual(grid.Width, back.Width);
        Assert.AreEqual(grid.Height, back.Height);
        var a = grid.ToPlanar();
        var b = back.ToPlanar();
        CollectionAssert.AreEqual(a.Data, b.Data);
        Assert.IsEmpty(Directory.GetFiles(dir.Path).Where(f => f != path).ToArray(), "no temporary file left behind");
        Assert.ThrowsExactly<ArgumentException>(() => CorruptionGallery.Save(TestImages.Make(1, 8, 0), dir.File("gallery.bmp"), ["fog"]));
        Assert.ThrowsExactly<ArgumentException>(() => CorruptionGallery.Render(TestImages.Make(1, 8, 0), []));
    }

    [TestMethod]
    public void FontHasGlyphsForEveryCorruptionName()
    {
        foreach (var name in CorruptionRegistry.Names)
            foreach (char c in name)
            {
                Assert.IsTrue(BitmapFont.HasGlyph(c), $"no glyph for '{c}' of {name}");
                int ink = 0;
                for (int y = 0; y < BitmapFont.GlyphHeight; y++)
                    for (int x = 0; x < BitmapFont.GlyphWidth; x++)
                        if (BitmapFont.IsInked(c, x, y)) ink++;
                Assert.IsTrue(ink is > 0 and < 30, $"glyph '{c}' of {name} has {ink} inked pixels");
            }
    }
}
