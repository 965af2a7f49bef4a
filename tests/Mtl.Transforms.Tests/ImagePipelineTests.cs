using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

/// <summary>The corruption steps inside real ImageAnalytics pipelines, on PNG files written for the test.</summary>
[TestClass]
public sealed class ImagePipelineTests
{
    public sealed class PathRow
    {
        public int Index;
        public string Path = "";
    }

    public sealed class PixelsRow
    {
        public int Index;
        public float[] Pixels = [];
    }

    private static PathRow[] WritePngs(TempFolder dir, int channels, int size, int count)
    {
        var rows = new PathRow[count];
        for (int i = 0; i < count; i++)
        {
            string name = $"img{i}.png";
            using var image = TestImages.Make(channels, size, i).ToMLImage();
            image.Save(dir.File(name));
            rows[i] = new PathRow { Index = i, Path = name };
        }
        return rows;
    }

    private static Dictionary<int, float[]> Read(MLContext ml, IDataView view) =>
        ml.Data.CreateEnumerable<PixelsRow>(view, reuseRowObject: false).ToDictionary(r => r.Index, r => r.Pixels);

    private static IEstimator<ITransformer> Load(MLContext ml, string folder, int size) =>
        ml.Transforms.LoadImages("Image", folder, "Path").Append(ml.Transforms.ResizeImages("Image", size, size));

    [TestMethod]
    public void LoadResizeCorruptExtractMatchesTheKernelOnTheResizedImages()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(40);
        var data = ml.Data.LoadFromEnumerable(WritePngs(dir, 3, 40, 3));
        // Reference: the same pipeline without the corruption gives the resized images.
        var clean = Read(ml, Load(ml, dir.Path, 32).Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1 / 255f)).Fit(data).Transform(data));
        foreach (var name in new[] { "pixelate", "contrast", "jpeg_compression" })
        {
            var pipeline = Load(ml, dir.Path, 32)
                .Append(ml.Corruptions.Corrupt(name, "Image", severity: 5))
                .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1 / 255f));
            var corrupted = Read(ml, pipeline.Fit(data).Transform(data));
            for (int i = 0; i < 3; i++)
            {
                Assert.HasCount(3 * 32 * 32, corrupted[i]);
                var expected = TestImages.Corrupt(new PlanarImage(3, 32, 32, clean[i]), name, 5, 0);
                double differ = 0;
                for (int k = 0; k < expected.Data.Length; k++)
                {
                    // The corrupted image is stored as bytes again: at most half a level away.
                    Assert.AreEqual(PlanarConversions.ToByte(expected.Data[k]) / 255f, corrupted[i][k], 1e-6f, $"{name}, image {i}, value {k}");
                    differ += Math.Abs(clean[i][k] - corrupted[i][k]);
                }
                Assert.IsGreaterThan(0.01, differ / expected.Data.Length, $"{name} changed image {i}");
            }
        }
    }

    [TestMethod]
    public void GrayImagesStayGrayUnderColourNoise()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(41);
        var data = ml.Data.LoadFromEnumerable(WritePngs(dir, 1, 28, 2));
        var view = Load(ml, dir.Path, 28)
            .Append(ml.Corruptions.GaussianNoise("Image", severity: 5, seed: 3))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1 / 255f))
            .Fit(data).Transform(data);
        foreach (var (i, pixels) in Read(ml, view))
        {
            int n = 28 * 28;
            var gray = TestImages.Make(1, 28, i).Data;
            double change = 0;
            for (int k = 0; k < n; k++)
            {
                Assert.AreEqual(pixels[k], pixels[n + k], $"image {i}: red and green of pixel {k}");
                Assert.AreEqual(pixels[k], pixels[2 * n + k], $"image {i}: red and blue of pixel {k}");
                change += Math.Abs(pixels[k] - gray[k]);
            }
            Assert.IsGreaterThan(0.03, change / n, $"image {i} got noise");
        }
    }

    [TestMethod]
    public void ImageRowsDependOnTheirIdOnlyNotOnOrderOrWhichRowsAreRead()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(42);
        var data = ml.Data.LoadFromEnumerable(WritePngs(dir, 3, 24, 8));
        var corrupt = ml.Corruptions.RandomCorruption("Image", seed: 5);
        IDataView Pipeline(IDataView input) => Load(ml, dir.Path, 24).Append(corrupt)
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1 / 255f)).Fit(input).Transform(input);
        var all = Read(ml, Pipeline(data));
        Assert.HasCount(8, all);
        // Reading again, shuffled, or only some rows (the skipped rows keep their ids) gives the same pixels per row.
        var again = Read(ml, Pipeline(data));
        var shuffled = Read(ml, ml.Data.ShuffleRows(Pipeline(data), seed: 7));
        var tail = Read(ml, Pipeline(ml.Data.SkipRows(data, 5)));
        Assert.HasCount(3, tail);
        foreach (var (i, pixels) in all)
        {
            CollectionAssert.AreEqual(pixels, again[i], $"row {i} read twice");
            CollectionAssert.AreEqual(pixels, shuffled[i], $"row {i} shuffled");
            if (i >= 5) CollectionAssert.AreEqual(pixels, tail[i], $"row {i} after skipping");
        }
        // Parallel cursors see the same rows too.
        var view = Pipeline(data);
        var columns = new[] { view.Schema["Index"], view.Schema["Pixels"] };
        var cursors = view.GetRowCursorSet(columns, 3);
        int seen = 0;
        foreach (var cursor in cursors)
            using (cursor)
            {
                var index = cursor.GetGetter<int>(view.Schema["Index"]);
                var pixels = cursor.GetGetter<VBuffer<float>>(view.Schema["Pixels"]);
                int id = 0;
                VBuffer<float> value = default;
                while (cursor.MoveNext())
                {
                    index(ref id);
                    pixels(ref value);
                    CollectionAssert.AreEqual(all[id], value.DenseValues().ToArray(), $"row {id} in a parallel cursor");
                    seen++;
                }
            }
        Assert.AreEqual(8, seen);
        // A different step seed gives different images.
        var other = Read(ml, Load(ml, dir.Path, 24).Append(ml.Corruptions.RandomCorruption("Image", seed: 6))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1 / 255f)).Fit(data).Transform(data));
        Assert.IsTrue(all.Any(p => !p.Value.AsSpan().SequenceEqual(other[p.Key])), "seeds 5 and 6 gave identical images");
    }

    [TestMethod]
    public void ImageColumnsKeepTheirTypeAndTheCorruptedColumnIsAddedBesideTheInput()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(43);
        var data = ml.Data.LoadFromEnumerable(WritePngs(dir, 3, 16, 1));
        var model = Load(ml, dir.Path, 16).Append(ml.Corruptions.Fog("Foggy", "Image", severity: 3)).Fit(data);
        var view = model.Transform(data);
        Assert.AreEqual(new ImageDataViewType(16, 16), view.Schema["Foggy"].Type);
        Assert.AreEqual(new ImageDataViewType(16, 16), view.Schema["Image"].Type);
        Assert.AreEqual(view.Schema.Count, model.GetOutputSchema(data.Schema).Count);
        // Vectors from ExtractPixels of the corrupted column, and ConvertToImage back: a full round trip of the real stack.
        var back = ml.Transforms.ExtractPixels("Pixels", "Foggy")
            .Append(ml.Transforms.ConvertToImage(16, 16, "Again", "Pixels"))
            .Append(ml.Transforms.ExtractPixels("Pixels2", "Again"))
            .Fit(view).Transform(view);
        var p1 = back.GetColumn<VBuffer<float>>("Pixels").Single().DenseValues().ToArray();
        var p2 = back.GetColumn<VBuffer<float>>("Pixels2").Single().DenseValues().ToArray();
        CollectionAssert.AreEqual(p1, p2);
    }

    public sealed class GrayVectorRow
    {
        public int Index;
        [VectorType(12, 10)]
        public float[] Features = [];
    }

    public sealed class RgbVectorRow
    {
        public int Index;
        [VectorType(3, 12, 10)]
        public float[] Features = [];
    }

    public sealed class NoisyRow
    {
        public int Index;
        public float[] Noisy = [];
    }

    private static float[] Ramp(int length, int salt) => Enumerable.Range(0, length).Select(k => ((k * 37 + salt * 11) % 101) / 100f).ToArray();

    [TestMethod]
    public void VectorColumnsOfShapeHWAndCHWAreCorruptedAsGrayAndRgbImages()
    {
        var ml = new MLContext(44);
        var gray = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2).Select(i => new GrayVectorRow { Index = i, Features = Ramp(120, i) }).ToArray());
        var rgb = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 2).Select(i => new RgbVectorRow { Index = i, Features = Ramp(360, i) }).ToArray());
        foreach (var (view, channels) in new[] { (gray, 1), (rgb, 3) })
        {
            var output = ml.Corruptions.Brightness("Noisy", "Features", severity: 3).Fit(view).Transform(view);
            Assert.AreEqual(view.Schema["Features"].Type, output.Schema["Noisy"].Type);
            foreach (var row in ml.Data.CreateEnumerable<NoisyRow>(output, false))
            {
                var expected = TestImages.Corrupt(new PlanarImage(channels, 12, 10, Ramp(channels * 120, row.Index)), "brightness", 3, 0);
                CollectionAssert.AreEqual(expected.Data, row.Noisy, $"{channels} channel(s), row {row.Index}");
            }
        }
    }
}
