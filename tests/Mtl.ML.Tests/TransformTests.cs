using Mtl.ML;
using Mtl.ML.Data;
using Mtl.ML.Transforms;

namespace Mtl.ML.Tests;

public sealed class Pair
{
    public float A { get; set; }
    public float B { get; set; }
    [VectorType(2)]
    public float[] V { get; set; } = [];
    public string Color { get; set; } = "";
}

[TestClass]
public sealed class TransformTests
{
    private static IDataView Pairs(MLContext ctx) => ctx.Data.LoadFromEnumerable(new[]
    {
        new Pair { A = 1, B = 10, V = [0, 5], Color = "red" },
        new Pair { A = 2, B = 20, V = [1, 6], Color = "blue" },
        new Pair { A = 3, B = 30, V = [2, 7], Color = "red" },
        new Pair { A = 6, B = -40, V = [3, 8], Color = "green" },
    });

    [TestMethod]
    public void ConcatenateJoinsScalarsAndVectorsInOrder()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        var output = ctx.Transforms.Concatenate("Features", "A", "V", "B").Fit(data).Transform(data);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), output.Schema["Features"].Type);
        CollectionAssert.AreEqual(new[] { 2f, 1f, 6f, 20f }, TestUtil.Vectors(output, "Features")[1]);
        Assert.IsFalse(output.Schema["Features"].HasSlotNames());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.Transforms.Concatenate("F", "A", "Color").Fit(data));
        StringAssert.Contains(e.Message, "'Color'");
    }

    [TestMethod]
    public void CopySelectAndDropShapeTheSchema()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        var copied = ctx.Transforms.CopyColumns("A2", "A").Fit(data).Transform(data);
        CollectionAssert.AreEqual(TestUtil.Column<float>(data, "A"), TestUtil.Column<float>(copied, "A2"));

        var selected = ctx.Transforms.SelectColumns("B", "A").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { "B", "A" }, selected.Schema.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { 10f, 20f, 30f, -40f }, TestUtil.Column<float>(selected, "B"));

        var dropped = ctx.Transforms.DropColumns("V", "Color").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { "A", "B" }, dropped.Schema.Select(c => c.Name).ToArray());
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.Transforms.DropColumns("Missing").Fit(data));
        StringAssert.Contains(e.Message, "'Missing'");
    }

    [TestMethod]
    public void ValueToKeyAndBackRoundTrips()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        var model = ctx.Transforms.Conversion.MapValueToKey("Key", "Color")
            .Append(ctx.Transforms.Conversion.MapKeyToValue("Back", "Key")).Fit(data);
        var output = model.Transform(data);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), output.Schema["Key"].Type);
        CollectionAssert.AreEqual(new uint[] { 1, 2, 1, 3 }, TestUtil.Column<uint>(output, "Key"));
        CollectionAssert.AreEqual(new[] { "red", "blue", "red", "green" },
            TestUtil.Column<ReadOnlyMemory<char>>(output, "Back").Select(x => x.ToString()).ToArray());

        var byValue = ctx.Transforms.Conversion.MapValueToKey("Key", "Color", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new uint[] { 3, 1, 3, 2 }, TestUtil.Column<uint>(byValue, "Key"));

        var unseen = ctx.Data.LoadFromEnumerable(new[] { new Pair { Color = "purple", V = [0, 0] } });
        CollectionAssert.AreEqual(new uint[] { 0 }, TestUtil.Column<uint>(model.Transform(unseen), "Key"));
    }

    [TestMethod]
    public void NormalizersMatchHandComputedValues()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        // A = 1, 2, 3, 6: min 1, max 6, mean 3, population variance (4+1+0+9)/4 = 3.5.
        var minMax = ctx.Transforms.NormalizeMinMax("N", "A", fixZero: false).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { 0f, 0.2f, 0.4f, 1f }, TestUtil.Column<float>(minMax, "N"));
        Assert.IsTrue(minMax.Schema["N"].IsNormalized());

        var minMaxZero = ctx.Transforms.NormalizeMinMax("N", "B").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { 0.25f, 0.5f, 0.75f, -1f }, TestUtil.Column<float>(minMaxZero, "N"));

        var meanVar = ctx.Transforms.NormalizeMeanVariance("N", "A", fixZero: false).Fit(data).Transform(data);
        var expected = new[] { 1.0, 2, 3, 6 }.Select(x => (x - 3) / Math.Sqrt(3.5)).ToArray();
        var actual = TestUtil.Column<float>(meanVar, "N");
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], actual[i], 1e-6);

        var rms = ctx.Transforms.NormalizeMeanVariance("N", "A").Fit(data).Transform(data);
        double scale = 1 / Math.Sqrt(9 + 3.5);
        Assert.AreEqual(6 * scale, TestUtil.Column<float>(rms, "N")[3], 1e-6);

        var vector = ctx.Transforms.NormalizeMinMax("N", "V", fixZero: false).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { 1f / 3, 1f / 3 }, TestUtil.Vectors(vector, "N")[1]);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.Transforms.NormalizeMinMax("N", "Color").Fit(data));
        StringAssert.Contains(e.Message, "'Color'");
    }

    public sealed class CustomIn { public float A { get; set; } public float B { get; set; } }
    public sealed class CustomOut { public float Sum { get; set; } public float Product { get; set; } }

    [TestMethod]
    public void CustomMappingRunsOncePerRowForSeveralOutputs()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        int calls = 0;
        var output = ctx.Transforms.CustomMapping<CustomIn, CustomOut>((i, o) => { calls++; o.Sum = i.A + i.B; o.Product = i.A * i.B; }, null)
            .Fit(data).Transform(data);
        var columns = new[] { output.Schema["Sum"], output.Schema["Product"] };
        using var cursor = output.GetRowCursor(columns);
        var sum = cursor.GetGetter<float>(columns[0]);
        var product = cursor.GetGetter<float>(columns[1]);
        var results = new List<(float, float)>();
        while (cursor.MoveNext())
        {
            float s = 0, p = 0;
            sum(ref s);
            product(ref p);
            results.Add((s, p));
        }
        CollectionAssert.AreEqual(new[] { (11f, 10f), (22f, 40f), (33f, 90f), (-34f, -240f) }, results);
        Assert.AreEqual(4, calls);
    }

    [TestMethod]
    public void FitFailsFastNamingTheMissingColumn()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        var pipeline = ctx.Transforms.CopyColumns("A2", "A")
            .Append(ctx.Transforms.NormalizeMinMax("N", "DoesNotExist"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(data));
        StringAssert.Contains(e.Message, "'DoesNotExist'");
        var shape = ctx.Transforms.CopyColumns("A2", "A").GetOutputSchema(SchemaShape.Create(data.Schema));
        Assert.IsTrue(shape.TryFindColumn("A2", out var a2));
        Assert.AreEqual(NumberDataViewType.Single, a2.ItemType);
    }

    [TestMethod]
    public void WrongTypedColumnIsRejectedByTheTransformer()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ScaleTransformer(ctx, 2, ("S", "Color")).Transform(data));
        StringAssert.Contains(e.Message, "'Color'");
        StringAssert.Contains(e.Message, "String");
    }

    [TestMethod]
    public void ScopesSelectTheStepsOfAModel()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        var model = ctx.Transforms.CopyColumns("A2", "A")
            .Append(ctx.Transforms.CopyColumns("LabelCopy", "B"), TransformerScope.TrainTest)
            .Fit(data);
        Assert.AreEqual(2, model.Count());
        var scoring = model.GetModelFor(TransformerScope.Scoring);
        Assert.AreEqual(1, scoring.Count());
        Assert.IsNull(scoring.Transform(data).Schema.GetColumnOrNull("LabelCopy"));
        Assert.IsNotNull(model.GetModelFor(TransformerScope.Training).Transform(data).Schema.GetColumnOrNull("LabelCopy"));
    }

    public sealed class PredictIn { public float A { get; set; } }
    public sealed class PredictOut { public float A2 { get; set; } public float Doubled { get; set; } }

    [TestMethod]
    public void PredictionEngineSkipsTrainingOnlySteps()
    {
        var ctx = new MLContext(1);
        var data = Pairs(ctx);
        // The training-only step needs column B, which prediction inputs do not have.
        var model = ctx.Transforms.CopyColumns("A2", "A")
            .Append(ctx.Transforms.CopyColumns("B2", "B"), TransformerScope.Training)
            .Append(new TrivialOneToOneEstimator<ScaleTransformer>(ctx, new ScaleTransformer(ctx, 2, ("Doubled", "A"))))
            .Fit(data);
        using var engine = ctx.Model.CreatePredictionEngine<PredictIn, PredictOut>(model);
        var p = engine.Predict(new PredictIn { A = 4 });
        Assert.AreEqual(4f, p.A2);
        Assert.AreEqual(8f, p.Doubled);
        Assert.AreEqual(-6f, engine.Predict(new PredictIn { A = -3 }).Doubled);
    }
}
