using Microsoft.ML;
using Microsoft.ML.Data;
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
        var output = ml.Corruptions.Contrast("Noisy", "Features", severity: 4).Fit(data).Transform(data);
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
        var output = ml.Corruptions.Corrupt(new CorruptionEstimator.Options
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
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Corruptions.Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = "Noisy", Corruptions = ["contrast"], PixelScale = 0,
        }));
    }

    [TestMethod]
    public void RowsGetTheSameNoiseWhateverTheCursorOrderColumnsOrRepeats()
    {
        var ml = new MLContext(12);
        var data = ml.Data.LoadFromEnumerable(Rows(20));
        var view = ml.Corruptions.GaussianNoise("Noisy", "Features", severity: 3, seed: 5).Fit(data).Transform(data);
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
        var a = ReadNoisy(ml, new MLContext(13).Corruptions.ShotNoise("Noisy", "Features", 2, seed: 1).Fit(data).Transform(data));
        for (int i = 1; i < 5; i++) CollectionAssert.AreNotEqual(a[0], a[i], $"rows 0 and {i}");
        var b = ReadNoisy(ml, new MLContext(13).Corruptions.ShotNoise("Noisy", "Features", 2, seed: 2).Fit(data).Transform(data));
        CollectionAssert.AreNotEqual(a[0], b[0]);
        // An explicit step seed decides alone (SeedPolicy): equal for any context.
        var c = ReadNoisy(ml, new MLContext(14).Corruptions.ShotNoise("Noisy", "Features", 2, seed: 1).Fit(data).Transform(data));
        CollectionAssert.AreEqual(a[0], c[0]);
        // Without one, the context's seed decides — not the context's random state, which other steps advance.
        var used = new MLContext(13);
        _ = used.Data.ShuffleRows(data).Preview(2);
        _ = used.Corruptions.GaussianNoise("Other", "Features").Fit(data);
        var d = ReadNoisy(ml, new MLContext(13).Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Transform(data));
        var e = ReadNoisy(ml, used.Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Transform(data));
        var f = ReadNoisy(ml, new MLContext(14).Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Transform(data));
        CollectionAssert.AreEqual(d[0], e[0]);
        CollectionAssert.AreNotEqual(d[0], f[0]);
        // Two steps of one context without seeds draw different streams (the step's columns and corruption are in its seed).
        var context = new MLContext(13);
        Assert.AreNotEqual(context.Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Seed, context.Corruptions.GaussianNoise("Noisy", "Features", 2).Fit(data).Seed);
        Assert.AreNotEqual(context.Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Seed, context.Corruptions.ShotNoise("Other", "Features", 2).Fit(data).Seed);
        Assert.AreEqual(context.Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Seed, context.Corruptions.ShotNoise("Noisy", "Features", 2).Fit(data).Seed);
    }

    [TestMethod]
    public void RandomCorruptionDrawsFromTheGivenSetPerRow()
    {
        var ml = new MLContext(15);
        var data = ml.Data.LoadFromEnumerable(Rows(40));
        var view = ml.Corruptions.RandomCorruption("Noisy", "Features", ["brightness", "inverse"], [0, 2], seed: 9).Fit(data).Transform(data);
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

    public sealed class PathRow
    {
        public string Path = "";
    }

    private static List<MLImage> ReadImages(IDataView view, string column)
    {
        var col = view.Schema[column];
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<MLImage>(col);
        var images = new List<MLImage>();
        while (cursor.MoveNext())
        {
            MLImage image = null!;
            getter(ref image);
            images.Add(image);
        }
        return images;
    }

    [TestMethod]
    public void SeverityZeroStepLeavesImagesAndVectorsUnchanged()
    {
        using var dir = new TempFolder();
        var image = TestImages.Make(3, 20, 2).ToMLImage();
        image.Save(dir.File("x.png"));
        var ml = new MLContext(22);
        var paths = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "x.png" } });
        var images = ml.Transforms.LoadImages("Image", dir.Path, "Path")
            .Append(ml.Corruptions.Snow("Snowy", "Image", severity: 0)).Fit(paths).Transform(paths);
        var back = ReadImages(images, "Snowy").Single();
        Assert.AreEqual(MLPixelFormat.Rgba32, back.PixelFormat);
        CollectionAssert.AreEqual(image.Pixels.ToArray(), back.Pixels.ToArray());
        Assert.AreEqual(Path.Combine(dir.Path, "x.png"), back.Tag); // the loader's tag (the file) is kept

        var data = ml.Data.LoadFromEnumerable(Rows(2));
        var noisy = ReadNoisy(ml, ml.Corruptions.RandomCorruption("Noisy", "Features", severities: [0]).Fit(data).Transform(data));
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
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Corruptions.Corrupt("fuzz", "Out", "Features")).Message, "fuzz");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Corruptions.GaussianNoise("Out", "Features", severity: 6));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Corruptions.Corrupt("stripe", "Out", "Features", severity: 2));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Corruptions.Fog("Out", "Index").Fit(data));
        StringAssert.Contains(e.Message, "'Index'");
        StringAssert.Contains(e.Message, "Int32");
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Corruptions.Fog("Out", "Pixels").Fit(data));
        StringAssert.Contains(missing.Message, "'Pixels'");
        StringAssert.Contains(missing.Message, "Features"); // lists the columns that are there
        // The same checks on schemas alone: the transformer's and the estimator's (SchemaShape) output schema.
        var fog = ml.Corruptions.Fog("Out", "Features");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => fog.Fit(data).GetOutputSchema(
            ml.Data.LoadFromEnumerable(new[] { new NoisyRow() }).Schema)).Message, "'Features'");
        var unsized = ml.Data.LoadFromEnumerable(new[] { new NoisyRow { Noisy = new float[784] } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Corruptions.Fog("Out", "Noisy").Fit(unsized)).Message, "VectorType(1, 28, 28)");
        // (ML.NET keeps SchemaShape.Create internal, so only an empty shape can be made here.)
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => fog.GetOutputSchema(new SchemaShape([]))).Message, "'Features'");
        Assert.ThrowsExactly<ArgumentException>(() => ml.Corruptions.RandomCorruption("Out", corruptions: []));
        Assert.ThrowsExactly<ArgumentException>(() => ml.Corruptions.RandomCorruption("Out", severities: []));
        Assert.ThrowsExactly<ArgumentException>(() => ml.Corruptions.GaussianNoise(""));
        // Inactive columns and wrong getter types are clear errors too.
        var view = fog.Fit(data).Transform(data);
        using var cursor = view.GetRowCursor([view.Schema["Index"]]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(view.Schema["Out"])).Message, "not active");
        using var active = view.GetRowCursor([view.Schema["Out"]]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => active.GetGetter<MLImage>(view.Schema["Out"])).Message, "'Out'");
    }

    /// <summary>An estimator that records the rows it is fitted on, standing in for a trainer.</summary>
    private sealed class RecordingEstimator(MLContext ml) : IEstimator<ITransformer>
    {
        public float[][] Seen = [];

        public ITransformer Fit(IDataView input)
        {
            Seen = input.GetColumn<float[]>("Features").ToArray();
            return ml.Transforms.CopyColumns("Seen", "Features").Fit(input);
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => ml.Transforms.CopyColumns("Seen", "Features").GetOutputSchema(inputSchema);
    }

    [TestMethod]
    public void AugmentCorruptsWhatLaterEstimatorsAreFittedOnAndNothingAtScoring()
    {
        var ml = new MLContext(18);
        var rows = Rows(4);
        var data = ml.Data.LoadFromEnumerable(rows);
        var recorder = new RecordingEstimator(ml);
        var pipeline = new EstimatorChain<ITransformer>()
            .Augment(ml.Corruptions.GaussianNoise("Features", severity: 5, seed: 4))
            .Append(recorder)
            .Append(ml.Corruptions.Corrupt("inverse", "Out", "Features"));
        var model = pipeline.Fit(data);
        Assert.HasCount(3, model);
        // While fitting, the later steps (a trainer's place) saw the noisy features: exactly the step's own output.
        var noise = (CorruptionTransformer)model.First();
        var noisy = noise.Transform(data).GetColumn<float[]>("Features").ToArray();
        Assert.HasCount(4, recorder.Seen);
        for (int i = 0; i < rows.Length; i++)
        {
            CollectionAssert.AreNotEqual(rows[i].Features, recorder.Seen[i], $"row {i} was fitted on clean features");
            CollectionAssert.AreEqual(noisy[i], recorder.Seen[i], $"row {i}");
        }
        // The fitted model (ML.NET applies only its scoring part) and the scoring chain leave the features clean.
        var scoring = model.GetModelFor(TransformerScope.Scoring);
        Assert.HasCount(2, scoring); // the training-only noise is left out
        Assert.AreEqual("inverse", scoring.OfType<CorruptionTransformer>().Single().Choices.Single().Name);
        var transformed = ml.Data.CreateEnumerable<FeaturesOut>(model.Transform(data), false).ToArray();
        var engine = ml.Model.CreatePredictionEngine<FeaturesIn, FeaturesOut>(scoring);
        for (int i = 0; i < rows.Length; i++)
        {
            var cleanInverse = rows[i].Features.Select(v => 1 - v).ToArray();
            var predicted = engine.Predict(new FeaturesIn { Features = rows[i].Features }).Out;
            for (int k = 0; k < predicted.Length; k++)
            {
                Assert.AreEqual(cleanInverse[k], predicted[k], 1e-6f);
                Assert.AreEqual(cleanInverse[k], transformed[i].Out[k], 1e-6f);
            }
        }
        var outOfPlace = ml.Corruptions.GaussianNoise("Noisy", "Features");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new EstimatorChain<ITransformer>().Augment(outOfPlace)).Message, "in place");
    }

    [TestMethod]
    public void SavingAChainWithACorruptionThrowsNamingTheSupportedWaysWhileItsScoringPartSaves()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(19);
        var data = ml.Data.LoadFromEnumerable(Rows(6));
        var pipeline = new EstimatorChain<ITransformer>()
            .Augment(ml.Corruptions.RandomCorruption("Features", corruptions: ["gaussian_noise", "snow", "jpeg_compression"], severities: [1, 3, 5], seed: 8))
            .Append(ml.Corruptions.Corrupt("inverse", "Out", "Features"))
            .Append(ml.Transforms.CopyColumns("Copy", "Out"));
        var model = pipeline.Fit(data);
        // The whole chain: the corruption steps refuse, naming both supported ways.
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, data.Schema, dir.File("all.zip")));
        StringAssert.Contains(e.Message, "Options.Augmentation");
        StringAssert.Contains(e.Message, "GetModelFor(TransformerScope.Scoring)");
        var single = ml.Corruptions.GaussianNoise("Noisy", "Features").Fit(data);
        Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(single, data.Schema, dir.File("one.zip")));

        // A pipeline whose corruptions are all augmentation: the whole chain refuses, its scoring part saves and reloads.
        var augmented = new EstimatorChain<ITransformer>()
            .Augment(ml.Corruptions.GaussianNoise("Features", severity: 5, seed: 4))
            .Append(ml.Transforms.CopyColumns("Copy", "Features"))
            .Fit(data);
        var scoring = augmented.GetModelFor(TransformerScope.Scoring);
        Assert.IsFalse(scoring.OfType<CorruptionTransformer>().Any());
        Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(augmented, data.Schema, dir.File("augmented.zip")));
        string path = dir.File("scoring.zip");
        ml.Model.Save(scoring, data.Schema, path);
        var loaded = new MLContext(99).Model.Load(path, out _);
        var copies = ml.Data.CreateEnumerable<CopyRow>(loaded.Transform(data), false).ToArray();
        Assert.HasCount(6, copies);
        for (int i = 0; i < copies.Length; i++) CollectionAssert.AreEqual(TestImages.Make(1, 28, i).Data, copies[i].Copy, $"row {i}: clean at scoring");
    }

    public sealed class CopyRow
    {
        public float[] Copy = [];
    }
}

/// <summary>A user-defined corruption: adding one is writing a class and registering it.</summary>
public sealed class DarkenCorruption(string name = "test_darken") : Corruption
{
    private static readonly double[] Factor = [.9, .8, .7, .6, .5];

    public override string Name => name;
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
    public void ARegisteredCorruptionWorksInPipelines()
    {
        if (!CorruptionRegistry.TryGet("test_darken", out _)) CorruptionRegistry.Register(new DarkenCorruption());
        var taken = Assert.ThrowsExactly<InvalidOperationException>(() => CorruptionRegistry.Register(new DarkenCorruption()));
        StringAssert.Contains(taken.Message, "never re-bound");
        Assert.ThrowsExactly<InvalidOperationException>(() => CorruptionRegistry.Register(new DarkenCorruption("GAUSSIAN_NOISE")));
        var ml = new MLContext(30);
        var row = new CorruptionTransformTests.ImageRow { Index = 0, Features = TestImages.Make(1, 28, 0).Data };
        var data = ml.Data.LoadFromEnumerable(new[] { row });
        var model = ml.Corruptions.Corrupt("test_darken", "Noisy", "Features", severity: 5).Fit(data);
        var noisy = ml.Data.CreateEnumerable<CorruptionTransformTests.NoisyRow>(model.Transform(data), false).Single().Noisy;
        for (int i = 0; i < noisy.Length; i++) Assert.AreEqual(row.Features[i] * 0.5f, noisy[i], 1e-6f);
        var sampled = new ImageCorruption("TEST_DARKEN", 2);
        var pixels = (float[])row.Features.Clone();
        sampled.Apply(pixels, 1, 28, 28, seed: 1);
        for (int i = 0; i < pixels.Length; i++) Assert.AreEqual(row.Features[i] * 0.8f, pixels[i], 1e-6f);
    }
}
