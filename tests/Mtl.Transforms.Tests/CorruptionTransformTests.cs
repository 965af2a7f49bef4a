using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

[TestClass]
public sealed class CorruptionTransformTests
{
    public sealed class ImageRow
    {
        public int Index;
        [VectorType(1, 28, 28)]
        public float[] Features = [];
    }

    public sealed class NoisyRow
    {
        public int Index;
        public float[] Noisy = [];
    }

    public sealed class FeaturesOut
    {
        public float[] Out = [];
    }

    public sealed class FeaturesIn
    {
        [VectorType(1, 28, 28)]
        public float[] Features = [];
    }

    private static ImageRow[] Rows(int count, bool identical = false) =>
        Enumerable.Range(0, count).Select(i => new ImageRow { Index = i, Features = TestImages.Make(1, 28, identical ? 0 : i).Data }).ToArray();

    private static Dictionary<int, float[]> ReadNoisy(MLContext ml, IDataView view) =>
        ml.Data.CreateEnumerable<NoisyRow>(view, reuseRowObject: false).ToDictionary(r => r.Index, r => r.Noisy);

    [TestMethod]
    public void CorruptionOnVectorsMatchesTheKernelAndKeepsTheType()
    {
        var ml = new MLContext(11);
        var data = ml.Data.LoadFromEnumerable(Rows(3));
        var output = ml.Transforms.Corruptions.Contrast("Noisy", "Features", severity: 4).Fit(data).Transform(data);
        Assert.AreEqual(data.Schema["Features"].Type, output.Schema["Noisy"].Type);
        var noisy = ReadNoisy(ml, output);
        for (int i = 0; i < 3; i++)
        {
            var expected = TestImages.Corrupt(TestImages.Make(1, 28, i), "contrast", 4, 0);
            CollectionAssert.AreEqual(expected.Data, noisy[i]);
        }
    }

    [TestMethod]
    public void NormalizedVectorsAreMappedToPixelsAndBack()
    {
        // Multi-Fashion style: stored (x − μ)/σ.
        const float Mean = 0.286f, Std = 0.353f;
        var ml = new MLContext(21);
        var rows = Rows(2);
        foreach (var r in rows) r.Features = r.Features.Select(v => (v - Mean) / Std).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var output = ml.Transforms.Corruptions.Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = "Noisy", InputColumnName = "Features", Corruptions = ["contrast"], Severities = [5],
            PixelScale = Std, PixelOffset = Mean,
        }).Fit(data).Transform(data);
        var noisy = ReadNoisy(ml, output);
        for (int i = 0; i < 2; i++)
        {
            var expected = TestImages.Corrupt(TestImages.Make(1, 28, i), "contrast", 5, 0);
            for (int k = 0; k < expected.Data.Length; k++) Assert.AreEqual((expected.Data[k] - Mean) / Std, noisy[i][k], 1e-4f);
        }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Corruptions.Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = "Noisy", Corruptions = ["contrast"], PixelScale = 0,
        }));
    }

    [TestMethod]
    public void RowsGetTheSameNoiseWhateverTheCursorOrderColumnsOrRepeats()
    {
        var ml = new MLContext(12);
        var data = ml.Data.LoadFromEnumerable(Rows(20));
        var view = ml.Transforms.Corruptions.GaussianNoise("Noisy", "Features", severity: 3, seed: 5).Fit(data).Transform(data);
        var first = ReadNoisy(ml, view);
        var again = ReadNoisy(ml, view);
        var shuffled = ReadNoisy(ml, ml.Data.ShuffleRows(view, seed: 3));
        foreach (var (index, noisy) in first)
        {
            CollectionAssert.AreEqual(noisy, again[index], $"row {index}, repeated read");
            CollectionAssert.AreEqual(noisy, shuffled[index], $"row {index}, shuffled read");
        }
        // Only the noisy column active (no Index, no Features requested by the consumer).
        var noisyColumn = view.Schema["Noisy"];
        using var cursor = view.GetRowCursor([noisyColumn]);
        var getter = cursor.GetGetter<VBuffer<float>>(noisyColumn);
        int row = 0;
        while (cursor.MoveNext())
        {
            VBuffer<float> v = default;
            getter(ref v);
            CollectionAssert.AreEqual(first[row], v.DenseValues().ToArray(), $"row {row}, column subset");
            row++;
        }
        Assert.AreEqual(20, row);
    }

    [TestMethod]
    public void IdenticalImagesInDifferentRowsGetDifferentNoiseAndSeedsMatter()
    {
        var ml = new MLContext(13);
        var data = ml.Data.LoadFromEnumerable(Rows(5, identical: true));
        var a = ReadNoisy(ml, ml.Transforms.Corruptions.ShotNoise("Noisy", "Features", 2, seed: 1).Fit(data).Transform(data));
        for (int i = 1; i < 5; i++) CollectionAssert.AreNotEqual(a[0], a[i], $"rows 0 and {i}");
        var b = ReadNoisy(ml, ml.Transforms.Corruptions.ShotNoise("Noisy", "Features", 2, seed: 2).Fit(data).Transform(data));
        CollectionAssert.AreNotEqual(a[0], b[0]);
        var c = ReadNoisy(new MLContext(13), new MLContext(13).Transforms.Corruptions.ShotNoise("Noisy", "Features", 2, seed: 1).Fit(data).Transform(data));
        CollectionAssert.AreEqual(a[0], c[0]); // same context seed and step seed → same numbers
        var d = ReadNoisy(new MLContext(14), new MLContext(14).Transforms.Corruptions.ShotNoise("Noisy", "Features", 2, seed: 1).Fit(data).Transform(data));
        CollectionAssert.AreNotEqual(a[0], d[0]); // the context seed takes part
    }

    [TestMethod]
    public void RandomCorruptionDrawsFromTheGivenSetPerRow()
    {
        var ml = new MLContext(15);
        var data = ml.Data.LoadFromEnumerable(Rows(40));
        var view = ml.Transforms.Corruptions.RandomCorruption("Noisy", "Features", ["brightness", "inverse"], [0, 2], seed: 9).Fit(data).Transform(data);
        var noisy = ReadNoisy(ml, view);
        int clean = 0, bright = 0, inverse = 0;
        for (int i = 0; i < 40; i++)
        {
            var image = TestImages.Make(1, 28, i);
            if (noisy[i].AsSpan().SequenceEqual(image.Data)) clean++;
            else if (noisy[i].AsSpan().SequenceEqual(TestImages.Corrupt(image, "brightness", 2, 0).Data)) bright++;
            else if (noisy[i].AsSpan().SequenceEqual(TestImages.Corrupt(image, "inverse", 1, 0).Data)) inverse++;
            else Assert.Fail($"row {i} is none of clean, brightness 2, inverse");
        }
        // Expected shares: clean ½ (severity 0), brightness ¼, inverse ¼ (inverse has only severity 1: 2 is capped to 1).
        Assert.IsGreaterThan(8, clean);
        Assert.IsGreaterThan(3, bright);
        Assert.IsGreaterThan(3, inverse);
        CollectionAssert.AreEqual(noisy.Values.ToList(), ReadNoisy(ml, view).Values.ToList());
    }

    [TestMethod]
    public void CorruptionWorksOnImageColumnsInAPipeline()
    {
        using var dir = new TempFolder();
        var image = TestImages.Make(3, 32, 1).ToMLImage();
        image.SavePng(dir.File("x.png"));
        var ml = new MLContext(16);
        var data = ml.Data.LoadFromEnumerable(new[] { new ImageTransformTests.PathRow { Path = "x.png" } });
        var model = ml.Transforms.LoadImages("Image", dir.Path, "Path")
            .Append(ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(ml.Transforms.Corruptions.Pixelate("Image", severity: 5))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", scaleImage: 1 / 255f))
            .Fit(data);
        var pixels = ml.Data.CreateEnumerable<PixelsRow>(model.Transform(data), false).Single().Pixels;
        var expected = TestImages.Corrupt(image.ToPlanar(), "pixelate", 5, 0);
        for (int i = 0; i < pixels.Length; i++) Assert.AreEqual(expected.Data[i], pixels[i], 0.51f / 255);
    }

    [TestMethod]
    public void SeverityZeroStepLeavesImagesAndVectorsUnchanged()
    {
        using var dir = new TempFolder();
        var image = TestImages.Make(3, 20, 2).ToMLImage();
        image.SavePng(dir.File("x.png"));
        var ml = new MLContext(22);
        var paths = ml.Data.LoadFromEnumerable(new[] { new ImageTransformTests.PathRow { Path = "x.png" } });
        var images = ml.Transforms.LoadImages("Image", dir.Path, "Path")
            .Append(ml.Transforms.Corruptions.Snow("Snowy", "Image", severity: 0)).Fit(paths).Transform(paths);
        CollectionAssert.AreEqual(image.Pixels.ToArray(), ImageTransformTests.ReadImages(images, "Snowy").Single().Pixels.ToArray());

        var data = ml.Data.LoadFromEnumerable(Rows(2));
        var noisy = ReadNoisy(ml, ml.Transforms.Corruptions.RandomCorruption("Noisy", "Features", severities: [0]).Fit(data).Transform(data));
        for (int i = 0; i < 2; i++) CollectionAssert.AreEqual(TestImages.Make(1, 28, i).Data, noisy[i]);
    }

    [TestMethod]
    public void MnistCSuiteNamesValidCorruptionsAndSeverities()
    {
        Assert.HasCount(16, CorruptionRegistry.MnistCSuite);
        foreach (var (name, severity, settings) in CorruptionRegistry.MnistCSuite)
        {
            if (name == "identity") { Assert.AreEqual(0, severity); continue; }
            var corruption = CorruptionRegistry.Get(name);
            Assert.IsTrue(severity >= 1 && severity <= corruption.MaxSeverity, name);
            Assert.IsFalse(settings.ScaleToImageSize, name);
        }
        // Spot checks against the MNIST-C parameters: shot noise c = 3, impulse .17.
        Assert.AreEqual(3.0, ShotNoise.Photons(new CorruptionLevel(5, CorruptionTable.ImageNet, 1)));
        Assert.AreEqual(0.17, ImpulseNoise.Amount(new CorruptionLevel(4, CorruptionTable.ImageNet, 1)));
    }

    public sealed class PixelsRow
    {
        public float[] Pixels = [];
    }

    [TestMethod]
    public void BadInputsAreRejectedWithClearMessages()
    {
        var ml = new MLContext(17);
        var data = ml.Data.LoadFromEnumerable(Rows(1));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.Corruptions.Corrupt("fuzz", "Out", "Features")).Message, "fuzz");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Corruptions.GaussianNoise("Out", "Features", severity: 6));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Corruptions.Corrupt("stripe", "Out", "Features", severity: 2));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Corruptions.Fog("Out", "Index").Fit(data));
        StringAssert.Contains(e.Message, "Index");
    }

    [TestMethod]
    public void AugmentRunsOnlyWhileTrainingAndPredictionEngineSeesCleanFeatures()
    {
        var ml = new MLContext(18);
        var rows = Rows(4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = new EstimatorChain<ITransformer>()
            .Augment(ml.Transforms.Corruptions.GaussianNoise("Features", severity: 5, seed: 4))
            .Append(ml.Transforms.Corruptions.Corrupt("inverse", "Out", "Features"));
        var model = pipeline.Fit(data);
        Assert.AreEqual(TransformerScope.Training, model.Scopes[0]);

        var trained = ml.Data.CreateEnumerable<FeaturesOut>(model.Transform(data), false).ToArray();
        var engine = ml.Model.CreatePredictionEngine<FeaturesIn, FeaturesOut>(model);
        for (int i = 0; i < rows.Length; i++)
        {
            var cleanInverse = rows[i].Features.Select(v => 1 - v).ToArray();
            var predicted = engine.Predict(new FeaturesIn { Features = rows[i].Features }).Out;
            for (int k = 0; k < predicted.Length; k++) Assert.AreEqual(cleanInverse[k], predicted[k], 1e-6f);
            CollectionAssert.AreNotEqual(cleanInverse, trained[i].Out); // training data went through the noise
        }
        var outOfPlace = ml.Transforms.Corruptions.GaussianNoise("Noisy", "Features");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new EstimatorChain<ITransformer>().Augment(outOfPlace)).Message, "in place");
    }

    [TestMethod]
    public void CorruptionStepsSaveAndLoadWithTheirParameters()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(19);
        var data = ml.Data.LoadFromEnumerable(Rows(6));
        var model = ml.Transforms.Corruptions.RandomCorruption("Noisy", "Features", ["gaussian_noise", "snow", "jpeg_compression"], [1, 3, 5], seed: 8)
            .Append(ml.Transforms.Corruptions.ElasticTransform("Noisy", severity: 2, table: CorruptionTable.ImageNet))
            .Fit(data);
        string path = dir.File("corrupt.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = new MLContext(99).Model.Load(path, out _);
        var expected = ReadNoisy(ml, model.Transform(data));
        var actual = ReadNoisy(ml, loaded.Transform(data));
        foreach (var (i, v) in expected) CollectionAssert.AreEqual(v, actual[i], $"row {i}");
        var step = (CorruptionTransformer)((TransformerChain<ITransformer>)loaded).Last();
        Assert.AreEqual(CorruptionTable.ImageNet, step.Settings.Table);
        CollectionAssert.AreEqual(new[] { "elastic_transform" }, step.Corruptions.ToArray());
        CollectionAssert.AreEqual(new[] { 2 }, step.Severities.ToArray());
    }
}

/// <summary>A user-defined corruption: adding one is writing a class and registering it.</summary>
public sealed class DarkenCorruption : Corruption
{
    private static readonly double[] Factor = [.9, .8, .7, .6, .5];

    public override string Name => "test_darken";
    public override CorruptionGroup Group => CorruptionGroup.Digital;
    public override string Description => "x · f";

    protected override void ApplyCore(PlanarImage image, CorruptionLevel level, ref CorruptionRandom random)
    {
        float f = (float)Factor[level.Severity - 1];
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] *= f;
    }
}

[TestClass]
public sealed class CustomCorruptionTests
{
    [TestMethod]
    public void ARegisteredCorruptionWorksInPipelinesAndModels()
    {
        CorruptionRegistry.Register(new DarkenCorruption(), replace: true);
        Assert.ThrowsExactly<InvalidOperationException>(() => CorruptionRegistry.Register(new DarkenCorruption()));
        using var dir = new TempFolder();
        var ml = new MLContext(30);
        var row = new CorruptionTransformTests.ImageRow { Index = 0, Features = TestImages.Make(1, 28, 0).Data };
        var data = ml.Data.LoadFromEnumerable(new[] { row });
        var model = ml.Transforms.Corruptions.Corrupt("test_darken", "Noisy", "Features", severity: 5).Fit(data);
        ml.Model.Save(model, data.Schema, dir.File("m.zip"));
        var loaded = ml.Model.Load(dir.File("m.zip"), out _);
        var noisy = ml.Data.CreateEnumerable<CorruptionTransformTests.NoisyRow>(loaded.Transform(data), false).Single().Noisy;
        for (int i = 0; i < noisy.Length; i++) Assert.AreEqual(row.Features[i] * 0.5f, noisy[i], 1e-6f);
    }
}
