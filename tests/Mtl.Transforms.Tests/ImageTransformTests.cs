using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

[TestClass]
public sealed class ImageTransformTests
{
    public sealed class PathRow
    {
        public string Path = "";
    }

    public sealed class PixelRow
    {
        public float[] Pixels = [];
    }

    public sealed class VectorRow
    {
        [VectorType(3, 2, 2)]
        public float[] Pixels = [];
    }

    /// <summary>Reads an image column with a cursor (object mapping knows no image type).</summary>
    internal static List<MLImage> ReadImages(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<MLImage>(col);
        var result = new List<MLImage>();
        while (cursor.MoveNext())
        {
            MLImage image = null!;
            getter(ref image);
            result.Add(image);
        }
        return result;
    }

    private static MLImage Gradient(int w, int h)
    {
        var px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                px[i] = (byte)(10 * x); px[i + 1] = (byte)(10 * y); px[i + 2] = 77;
            }
        return new MLImage(w, h, MLPixelFormat.Rgb24, px);
    }

    private static float[][] ReadPixels(MLContext ml, IDataView view) =>
        ml.Data.CreateEnumerable<PixelRow>(view, reuseRowObject: false).Select(r => r.Pixels).ToArray();

    [TestMethod]
    public void LoadResizeExtractGivesPlanarAndInterleavedPixels()
    {
        using var dir = new TempFolder();
        Gradient(4, 3).SavePng(dir.File("g.png"));
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "g.png" } });
        var pipeline = ml.Transforms.LoadImages("Image", dir.Path, "Path")
            .Append(ml.Transforms.ResizeImages("Image", 4, 3, resizing: ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", offsetImage: 10f, scaleImage: 0.5f));
        var model = pipeline.Fit(data);
        var output = model.Transform(data);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3, 3, 4), output.Schema["Pixels"].Type);
        Assert.AreEqual(new ImageDataViewType(3, 4), output.Schema["Image"].Type);
        var planar = ReadPixels(ml, output)[0];
        // Planar: red plane first. Pixel (x = 2, y = 1): red 20, green 10, blue 77 → (v − 10)·0.5.
        Assert.AreEqual(5f, planar[0 * 12 + 1 * 4 + 2]);
        Assert.AreEqual(0f, planar[1 * 12 + 1 * 4 + 2]);
        Assert.AreEqual(33.5f, planar[2 * 12 + 1 * 4 + 2]);

        var interleaved = ml.Transforms.ExtractPixels("Pixels", "Image", ImagePixelExtractingEstimator.ColorBits.All,
            ImagePixelExtractingEstimator.ColorsOrder.ABGR, interleavePixelColors: true).Fit(output).Transform(output);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3, 4, 4), interleaved.Schema["Pixels"].Type);
        var abgr = ReadPixels(ml, interleaved)[0];
        int p = (1 * 4 + 2) * 4;
        CollectionAssert.AreEqual(new[] { 255f, 77f, 10f, 20f }, abgr[p..(p + 4)]);
    }

    [TestMethod]
    public void ResizingKindsProduceTheRequestedSizeWithPaddingOrCropping()
    {
        var wide = Gradient(20, 10);
        Array.ForEach(new[] { ImageResizingEstimator.ResizingKind.Fill, ImageResizingEstimator.ResizingKind.IsoPad, ImageResizingEstimator.ResizingKind.IsoCrop },
            kind =>
            {
                var r = ImageResizingTransformer.Resize(wide, 8, 8, kind, ImageResizingEstimator.Anchor.Center);
                Assert.AreEqual(8, r.Width);
                Assert.AreEqual(8, r.Height);
            });
        // IsoPad: the 20×10 image becomes 8×4 placed in the middle rows; rows 0–1 and 6–7 are black.
        var padded = ImageResizingTransformer.Resize(wide, 8, 8, ImageResizingEstimator.ResizingKind.IsoPad, ImageResizingEstimator.Anchor.Center);
        for (int x = 0; x < 8; x++)
        {
            Assert.AreEqual(0, padded.Pixels[(0 * 8 + x) * 3 + 2]);
            Assert.AreEqual(0, padded.Pixels[(7 * 8 + x) * 3 + 2]);
            Assert.AreEqual(77, padded.Pixels[(4 * 8 + x) * 3 + 2], 2);
        }
        // IsoCrop anchored left keeps the left end: red (10·x) stays small in the first column.
        var left = ImageResizingTransformer.Resize(wide, 8, 8, ImageResizingEstimator.ResizingKind.IsoCrop, ImageResizingEstimator.Anchor.Left);
        var right = ImageResizingTransformer.Resize(wide, 8, 8, ImageResizingEstimator.ResizingKind.IsoCrop, ImageResizingEstimator.Anchor.Right);
        Assert.IsLessThan(right.Pixels[0], left.Pixels[0]);
    }

    [TestMethod]
    public void ConvertToImageInvertsExtractPixels()
    {
        var ml = new MLContext(2);
        float[] values = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 1.0f, 0f, 0.25f];
        var data = ml.Data.LoadFromEnumerable(new[] { new VectorRow { Pixels = values } });
        var pipeline = ml.Transforms.ConvertToImage(2, 2, "Image", "Pixels", scaleImage: 255f)
            .Append(ml.Transforms.ExtractPixels("Back", "Image", scaleImage: 1 / 255f));
        var output = pipeline.Fit(data).Transform(data);
        var back = ml.Data.CreateEnumerable<BackRow>(output, false).Single().Back;
        for (int i = 0; i < values.Length; i++) Assert.AreEqual(values[i], back[i], 0.51f / 255);
    }

    public sealed class BackRow
    {
        public float[] Back = [];
    }

    [TestMethod]
    public void GrayscaleGivesGrayImagesWithLuma()
    {
        using var dir = new TempFolder();
        Gradient(3, 3).SavePng(dir.File("g.png"));
        var ml = new MLContext(3);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = dir.File("g.png") } });
        var output = ml.Transforms.LoadImages("Image", null, "Path")
            .Append(ml.Transforms.ConvertToGrayscale("Gray", "Image"))
            .Append(ml.Transforms.ResizeImages("Gray", 3, 3))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Gray", ImagePixelExtractingEstimator.ColorBits.Red))
            .Fit(data).Transform(data);
        var pixels = ReadPixels(ml, output)[0];
        Assert.HasCount(9, pixels);
        Assert.AreEqual(Math.Round(0.299 * 20 + 0.587 * 10 + 0.114 * 77), pixels[1 * 3 + 2]);
    }

    [TestMethod]
    public void BadImageFilesThrowNamingTheFileOrAreSkippedAndCounted()
    {
        using var dir = new TempFolder();
        Gradient(4, 4).SavePng(dir.File("good.png"));
        File.WriteAllText(dir.File("bad.png"), "not an image");
        var ml = new MLContext(4);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning) warnings.Add(e.RawMessage); };
        var rows = new[] { "good.png", "bad.png", "missing.png", "good.png" }.Select(p => new PathRow { Path = p }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);

        var strict = ml.Transforms.LoadImages("Image", dir.Path, "Path").Fit(data).Transform(data);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ReadImages(strict, "Image"));
        StringAssert.Contains(e.Message, "bad.png");

        var skipping = ml.Transforms.LoadImages("Image", dir.Path, "Path", ImageErrorHandling.SkipRow).Fit(data);
        var kept = ReadImages(skipping.Transform(data), "Image");
        Assert.HasCount(2, kept);
        Assert.IsTrue(kept.All(r => r is { Width: 4, Height: 4 }));
        Assert.AreEqual(2, skipping.SkippedRowCount);
        Assert.HasCount(2, warnings);
        StringAssert.Contains(warnings[0], "bad.png");
        StringAssert.Contains(warnings[1], "missing.png");
    }

    public sealed class BytesOut
    {
        public byte[] Bytes = [];
    }

    [TestMethod]
    public void RawImageBytesAreTheFileContents()
    {
        using var dir = new TempFolder();
        Gradient(5, 5).SavePng(dir.File("g.png"));
        var ml = new MLContext(5);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "g.png" } });
        var output = ml.Transforms.LoadRawImageBytes("Bytes", dir.Path, "Path").Fit(data).Transform(data);
        var bytes = ml.Data.CreateEnumerable<BytesOut>(output, false).Single().Bytes;
        CollectionAssert.AreEqual(File.ReadAllBytes(dir.File("g.png")), bytes);

        var two = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "gone.png" }, new PathRow { Path = "g.png" } });
        var strict = ml.Transforms.LoadRawImageBytes("Bytes", dir.Path, "Path").Fit(two).Transform(two);
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => ml.Data.CreateEnumerable<BytesOut>(strict, false).ToList()).Message, "gone.png");
        var skipping = ml.Transforms.LoadRawImageBytes("Bytes", dir.Path, "Path", ImageErrorHandling.SkipRow).Fit(two);
        Assert.HasCount(1, ml.Data.CreateEnumerable<BytesOut>(skipping.Transform(two), false).ToList());
        Assert.AreEqual(1, skipping.SkippedRowCount);
    }

    [TestMethod]
    public void SchemaErrorsNameTheColumn()
    {
        var ml = new MLContext(6);
        var data = ml.Data.LoadFromEnumerable(new[] { new VectorRow { Pixels = new float[12] } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ResizeImages("Out", 4, 4, "Pixels").Fit(data));
        StringAssert.Contains(e.Message, "Pixels");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.LoadImages("Image", null, "NoSuchColumn").Fit(data));
        StringAssert.Contains(missing.Message, "NoSuchColumn");
        var unsized = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "x.png" } });
        var extract = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Transforms.LoadImages("Image", null, "Path").Append(ml.Transforms.ExtractPixels("Pixels", "Image")).Fit(unsized));
        StringAssert.Contains(extract.Message, "ResizeImages");
    }

    [TestMethod]
    public void ImageStepsSaveAndLoadWithTheirParameters()
    {
        using var dir = new TempFolder();
        Gradient(6, 4).SavePng(dir.File("g.png"));
        var ml = new MLContext(7);
        var data = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "g.png" } });
        var model = ml.Transforms.LoadImages("Image", dir.Path, "Path")
            .Append(ml.Transforms.ResizeImages("Small", 3, 2, "Image", ImageResizingEstimator.ResizingKind.IsoPad, ImageResizingEstimator.Anchor.Top))
            .Append(ml.Transforms.ConvertToGrayscale("Small"))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Small", interleavePixelColors: true, scaleImage: 1 / 255f))
            .Append(ml.Transforms.ConvertToImage(2, 3, "Again", "Pixels", interleavedColors: true, scaleImage: 255f))
            .Append(ml.Transforms.LoadRawImageBytes("Bytes", dir.Path, "Path"))
            .Fit(data);
        string path = dir.File("model.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = new MLContext(8).Model.Load(path, out var schema);
        Assert.AreEqual(data.Schema.Count, schema.Count);
        var expected = ReadPixels(ml, model.Transform(data))[0];
        var actual = ReadPixels(ml, loaded.Transform(data))[0];
        CollectionAssert.AreEqual(expected, actual);
        Assert.AreEqual(new ImageDataViewType(2, 3), loaded.Transform(data).Schema["Again"].Type);
    }

    [TestMethod]
    public void AModelWhoseInputSchemaHasAnImageColumnSavesAndLoads()
    {
        using var dir = new TempFolder();
        Gradient(6, 4).SavePng(dir.File("g.png"));
        var ml = new MLContext(7);
        var paths = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "g.png" } });
        IDataView images = ml.Transforms.ResizeImages("Image", 3, 2, "Image").Fit(
            ml.Transforms.LoadImages("Image", dir.Path, "Path").Fit(paths).Transform(paths)).Transform(
            ml.Transforms.LoadImages("Image", dir.Path, "Path").Fit(paths).Transform(paths));
        Assert.AreEqual(new ImageDataViewType(2, 3), images.Schema["Image"].Type);
        var model = ml.Transforms.ExtractPixels("Pixels", "Image").Fit(images);
        string path = dir.File("image-input.zip");
        ml.Model.Save(model, images.Schema, path);
        new MLContext(8).Model.Load(path, out var schema);
        Assert.AreEqual(new ImageDataViewType(2, 3), schema["Image"].Type);
    }
}
