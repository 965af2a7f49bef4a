using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>Bad input at Fit: each a clear exception naming the column (or row) and saying what to do.</summary>
[TestClass]
public class FitInputErrorTests
{
    private static MultiHeadNetworkTrainer.Options Options(params TaskDefinition[] tasks) => new()
    {
        FeatureColumnName = "Features", Tasks = tasks.ToList(), Trunk = TrunkSpec.Mlp(8), BatchSize = 4, MaxEpoch = 1, Seed = 1,
    };

    private sealed class KeyRow
    {
        [VectorType(3)]
        public float[] Features { get; set; } = Array.Empty<float>();

        [KeyType(3)]
        public uint Label { get; set; }

        public float Value { get; set; }

        public bool Flag { get; set; }
    }

    private static IDataView KeyRows(MLContext ml, params uint[] labels) =>
        ml.Data.LoadFromEnumerable(labels.Select((l, i) => new KeyRow { Features = new[] { i, 1f, -i }, Label = l, Value = i, Flag = i % 2 == 0 }).ToArray());

    [TestMethod]
    public void ALabelOutOfRangeNamesTaskRowAndColumn()
    {
        var ml = new MLContext(1);
        // LoadFromEnumerable stores a [KeyType] value v as key v + 1, so values 0, 1, 2 are keys 1..3; the task says 2 classes.
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label") { ClassCount = 2 })).Fit(KeyRows(ml, 0, 1, 1, 2, 0)));
        StringAssert.Contains(e.Message, "row 3");
        StringAssert.Contains(e.Message, "key 3");
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "2 classes");
    }

    [TestMethod]
    public void AMissingKeyLabelIsRejectedWhenTheTaskOptsOutOfSkipping()
    {
        // A value outside the key range is stored as key 0, ML.NET's missing key: skipped by default, an error on request.
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label") { MissingLabels = MissingLabelHandling.Error })).Fit(KeyRows(ml, 0, 3, 1)));
        StringAssert.Contains(e.Message, "missing label");
        StringAssert.Contains(e.Message, "row 1");
    }

    [TestMethod]
    [DataRow(TaskKind.Multiclass, "Value", "Key<UInt32>")]
    [DataRow(TaskKind.Binary, "Label", "Boolean")]
    [DataRow(TaskKind.Regression, "Flag", "Single")]
    public void AWrongLabelTypeFailsAtFitNamingTheColumn(TaskKind kind, string column, string expected)
    {
        var ml = new MLContext(1);
        var trainer = ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", column, kind)));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(KeyRows(ml, 1, 2, 3)));
        StringAssert.Contains(e.Message, $"'{column}'");
        StringAssert.Contains(e.Message, expected);
    }

    private sealed class VariableRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();

        [KeyType(2)]
        public uint Label { get; set; }
    }

    [TestMethod]
    public void AFeatureVectorOfUnknownSizeFailsAtFitNamingTheColumn()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new VariableRow { Features = new[] { 1f, 2f }, Label = 1 }, new VariableRow { Features = new[] { 3f }, Label = 2 } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label"))).Fit(data));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "known-size vector");
    }

    [TestMethod]
    public void AMissingFeatureColumnIsNamedWithTheColumnsThatExist()
    {
        var ml = new MLContext(1);
        var options = Options(new TaskDefinition("T", "Label"));
        options.FeatureColumnName = "Pixels";
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KeyRows(ml, 1, 2)));
        StringAssert.Contains(e.Message, "'Pixels'");
        StringAssert.Contains(e.Message, "Features");
    }

    [TestMethod]
    public void ANonFiniteFeatureNamesTheRowAndColumn()
    {
        var ml = new MLContext(1);
        var rows = new[] { new KeyRow { Features = new[] { 1f, 2f, 3f }, Label = 1 }, new KeyRow { Features = new[] { 1f, float.NaN, 3f }, Label = 2 } };
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label"))).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "row 1 of 'Features' contains a non-finite value (NaN)");
        StringAssert.Contains(e.Message, "Clean or impute the features first");
    }

    [TestMethod]
    public void ANonFiniteRegressionLabelNamesTheTaskRowAndColumn()
    {
        var ml = new MLContext(1);
        var rows = new[] { new KeyRow { Features = new[] { 1f, 2f, 3f }, Value = 1 }, new KeyRow { Features = new[] { 1f, 2f, 3f }, Value = float.PositiveInfinity } };
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("Size", "Value", TaskKind.Regression))).Fit(ml.Data.LoadFromEnumerable(rows)));
        StringAssert.Contains(e.Message, "Task 'Size': row 1 has a non-finite label");
        StringAssert.Contains(e.Message, "column 'Value'");
    }

    [TestMethod]
    public void AMulticlassTaskWithFewerThanTwoClassesIsRejected()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label") { ClassCount = 1 })).Fit(KeyRows(ml, 0, 0)));
        StringAssert.Contains(e.Message, "Task 'T' (label column 'Label') needs at least 2 classes, got 1");
    }

    private sealed class NoInput
    {
    }

    private sealed class ScalarRow
    {
        public float Features { get; set; }

        public bool Flag { get; set; }
    }

    [TestMethod]
    public void SchemaShapePropagationNamesMissingAndMistypedColumns()
    {
        var ml = new MLContext(1);
        // ML.NET keeps SchemaShape.Create internal: a custom mapping with no inputs makes a shape with these columns.
        SchemaShape shape = ml.Transforms.CustomMapping<NoInput, ScalarRow>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));

        var features = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Flag", TaskKind.Binary))).GetOutputSchema(shape));
        StringAssert.Contains(features.Message, "Feature column 'Features' must be a known-size vector of Single");

        var vectorShape = ml.Transforms.Concatenate("Pixels", "Features").GetOutputSchema(shape);
        var missing = Options(new TaskDefinition("T", "Label", TaskKind.Binary));
        missing.FeatureColumnName = "Pixels";
        var label = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(missing).GetOutputSchema(vectorShape));
        StringAssert.Contains(label.Message, "Label column of task 'T' 'Label' was not found");

        var mistyped = Options(new TaskDefinition("T", "Flag", TaskKind.Regression));
        mistyped.FeatureColumnName = "Pixels";
        var kind = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(mistyped).GetOutputSchema(vectorShape));
        StringAssert.Contains(kind.Message, "Label column 'Flag' of task 'T': a Regression task cannot use a");
    }

    [TestMethod]
    public void AugmentationNeedsImageShapedFeaturesAndAUsablePixelScale()
    {
        var ml = new MLContext(1);
        var flat = Options(new TaskDefinition("T", "Label"));
        flat.Augmentation = new Mtl.Transforms.Corruptions.CorruptionSampler(new[] { new Mtl.Transforms.Corruptions.ImageCorruption("gaussian_noise", 1) });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(flat).Fit(KeyRows(ml, 0, 1, 2)));
        StringAssert.Contains(e.Message, "Options.Augmentation needs image features shaped (C, H, W); feature column 'Features' is Vector<Single, 3>");

        var images = KindData.View(ml, 8, seed: 1);
        var scaled = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Image", Tasks = { new TaskDefinition("Mass", kind: TaskKind.Regression) }, Trunk = TrunkSpec.Mlp(4), BatchSize = 4, MaxEpoch = 1,
            Augmentation = flat.Augmentation, AugmentationPixelScale = 0,
        };
        // Refused when the trainer is created, before any data is read.
        var scale = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(scaled));
        StringAssert.Contains(scale.Message, "Options.AugmentationPixelScale must be finite and non-zero; got 0.");
    }

    [TestMethod]
    public void ScoringRowsOfAnotherSizeNamesTheShapeTheModelWasTrainedOn()
    {
        var ml = new MLContext(1);
        using var model = ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label"))).Fit(KeyRows(ml, 0, 1, 2, 1));
        IDataView wider = ml.Transforms.Concatenate("Features", "Features", "Value").Fit(KeyRows(ml, 0, 1)).Transform(KeyRows(ml, 0, 1));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Transform(wider));
        StringAssert.Contains(e.Message, "Feature column 'Features' has 4 values per row");
        StringAssert.Contains(e.Message, "trained on rows of shape (3) = 3 values");
    }

    [TestMethod]
    public void ANegativeGpuDeviceIdIsRejected()
    {
        var ml = new MLContext(1) { GpuDeviceId = -1 };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label"))).Fit(KeyRows(ml, 0, 1)));
        StringAssert.Contains(e.Message, "MLContext.GpuDeviceId must be a GPU index ≥ 0, or null for the CPU");
    }

    [TestMethod]
    public void AnImageTrunkOnFlatFeaturesSaysToUseTheMlpTrunk()
    {
        var ml = new MLContext(1);
        var options = Options(new TaskDefinition("T", "Label"));
        options.Trunk = TrunkSpec.MultiLeNet();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KeyRows(ml, 0, 1)));
        StringAssert.Contains(e.Message, "needs image features shaped (C, H, W)");
        StringAssert.Contains(e.Message, "Use TrunkSpec.Mlp(64) (or leave Options.Trunk null) for flat features");
    }

    [TestMethod]
    public void OptimizerOptionsOutOfRangeAreNamed()
    {
        var ml = new MLContext(1);
        string Fails(Action<MultiHeadNetworkTrainer.Options> change)
        {
            var options = Options(new TaskDefinition("T", "Label"));
            change(options);
            return Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KeyRows(ml, 0, 1))).Message;
        }
        StringAssert.Contains(Fails(o => o.Optimizer = new MtlOptimizerOptions.Sgd { Momentum = 1 }), "Options.Optimizer.Momentum must be in [0, 1); got 1");
        StringAssert.Contains(Fails(o => o.Optimizer = new MtlOptimizerOptions.Adam { WeightDecay = -0.1 }), "Options.Optimizer.WeightDecay must be a finite number ≥ 0; got -0.1");
    }
}
