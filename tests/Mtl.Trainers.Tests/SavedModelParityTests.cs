using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>
/// Every trunk × task kind: the zip written through the ONNX route, reloaded with plain <c>mlContext.Model.Load</c>, gives
/// the fitted transformer's columns (same names and types) and values (ONNX Runtime vs TorchSharp ≤ 1e-5), the same
/// metrics from ML.NET's three evaluators, and the same PredictionEngine answers.
/// </summary>
[TestClass]
public class SavedModelParityTests
{
    private const float Tolerance = 1e-5f;

    private static TrunkSpec Trunk(string name) => name switch
    {
        "multilenet" => TrunkSpec.MultiLeNet(),
        "resnet" => TrunkSpec.ResNet(),
        "mlp" => TrunkSpec.Mlp(32, 16),
        "sequential" => TrunkSpec.Custom(_ => nn.Sequential(
            nn.Conv2d(1, 4, 3, stride: 2, padding: 1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * 7 * 7, 20), nn.LeakyReLU(0.05), nn.Dropout(0.3)), 20),
        _ => throw new ArgumentException(name),
    };

    private sealed class EmbeddingRow
    {
        [VectorType(16)]
        public float[] Embedding { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    [DataRow("multilenet")]
    [DataRow("resnet")]
    [DataRow("mlp")]
    [DataRow("sequential")]
    public void TheReloadedZipMatchesTheFittedModelForEveryTaskKind(string trunk)
    {
        var ml = new MLContext(3);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        IDataView train = KindData.View(ml, 96, seed: 1), test = KindData.View(ml, 40, seed: 2);
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = Trunk(trunk),
            BatchSize = 32, MaxEpoch = 2, Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 3e-3 }, ScoringBatchSize = 16, Seed = 9,
        };
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(train);
        string path = Path.Combine(temp.Path, "model.zip");
        ml.Model.Save(model, train.Schema, path);

        // A fresh context, as a consuming app would have.
        var consumer = new MLContext(0) { TempFilePath = temp.Path };
        ITransformer loaded = consumer.Model.Load(path, out DataViewSchema inputSchema);
        Assert.IsNotNull(inputSchema.GetColumnOrNull("Image"));
        IDataView fitted = model.Transform(test), reloaded = loaded.Transform(test);

        foreach (string column in new[] { "Shape.Score", "Shape.PredictedLabel", "Bright.Score", "Bright.Probability", "Bright.PredictedLabel", "Mass.Score" })
        {
            DataViewSchema.Column a = fitted.Schema[column], b = reloaded.Schema[column];
            Assert.AreEqual(a.Type, b.Type, $"{trunk}: type of {column}");
        }
        CollectionAssert.AreEqual(KindData.ShapeNames, KeyValues(fitted.Schema["Shape.PredictedLabel"]), "fitted key values");
        CollectionAssert.AreEqual(KindData.ShapeNames, KeyValues(reloaded.Schema["Shape.PredictedLabel"]), "reloaded key values");
        CollectionAssert.AreEqual(KindData.ShapeNames, SlotNames(fitted.Schema["Shape.Score"]), "fitted slot names");
        CollectionAssert.AreEqual(KindData.ShapeNames, SlotNames(reloaded.Schema["Shape.Score"]), "reloaded slot names");

        var x = ml.Data.CreateEnumerable<KindScores>(fitted, reuseRowObject: false).ToList();
        var y = consumer.Data.CreateEnumerable<KindScores>(reloaded, reuseRowObject: false).ToList();
        Assert.AreEqual(40, x.Count);
        Assert.AreEqual(40, y.Count);
        for (int i = 0; i < x.Count; i++)
        {
            for (int k = 0; k < 4; k++) Assert.AreEqual(x[i].ShapeScore[k], y[i].ShapeScore[k], Tolerance, $"{trunk}: row {i} Shape.Score[{k}]");
            Assert.AreEqual(1f, x[i].ShapeScore.Sum(), 1e-5f, "probabilities sum to 1");
            Assert.AreEqual(x[i].ShapePredicted, y[i].ShapePredicted, $"{trunk}: row {i} Shape.PredictedLabel");
            Assert.AreEqual(Array.IndexOf(x[i].ShapeScore, x[i].ShapeScore.Max()) + 1, (int)x[i].ShapePredicted, "predicted key = argmax + 1");
            Assert.AreEqual(x[i].BrightScore, y[i].BrightScore, Tolerance, $"{trunk}: row {i} Bright.Score");
            Assert.AreEqual(x[i].BrightProbability, y[i].BrightProbability, Tolerance, $"{trunk}: row {i} Bright.Probability");
            Assert.AreEqual(1 / (1 + Math.Exp(-x[i].BrightScore)), x[i].BrightProbability, 1e-6, "probability = sigmoid(score)");
            Assert.AreEqual(x[i].BrightPredicted, y[i].BrightPredicted, $"{trunk}: row {i} Bright.PredictedLabel");
            Assert.AreEqual(x[i].BrightScore > 0, x[i].BrightPredicted, "predicted = score > 0");
            Assert.AreEqual(x[i].MassScore, y[i].MassScore, Tolerance, $"{trunk}: row {i} Mass.Score");
        }

        // ML.NET's evaluators on both, with equal metrics.
        var m1 = ml.MulticlassClassification.Evaluate(fitted, "Shape", "Shape.Score", predictedLabelColumnName: "Shape.PredictedLabel");
        var m2 = consumer.MulticlassClassification.Evaluate(reloaded, "Shape", "Shape.Score", predictedLabelColumnName: "Shape.PredictedLabel");
        Assert.AreEqual(m1.MicroAccuracy, m2.MicroAccuracy, 1e-12);
        Assert.AreEqual(m1.MacroAccuracy, m2.MacroAccuracy, 1e-12);
        Assert.AreEqual(m1.LogLoss, m2.LogLoss, 1e-4);
        var b1 = ml.BinaryClassification.Evaluate(fitted, "Bright", "Bright.Score", "Bright.Probability", "Bright.PredictedLabel");
        var b2 = consumer.BinaryClassification.Evaluate(reloaded, "Bright", "Bright.Score", "Bright.Probability", "Bright.PredictedLabel");
        Assert.AreEqual(b1.Accuracy, b2.Accuracy, 1e-12);
        Assert.AreEqual(b1.AreaUnderRocCurve, b2.AreaUnderRocCurve, 1e-9);
        Assert.AreEqual(b1.LogLoss, b2.LogLoss, 1e-4);
        var r1 = ml.Regression.Evaluate(fitted, "Mass", "Mass.Score");
        var r2 = consumer.Regression.Evaluate(reloaded, "Mass", "Mass.Score");
        Assert.AreEqual(r1.RootMeanSquaredError, r2.RootMeanSquaredError, 1e-5);
        Assert.AreEqual(r1.MeanAbsoluteError, r2.MeanAbsoluteError, 1e-5);

        // PredictionEngine on both.
        var e1 = ml.Model.CreatePredictionEngine<KindData.Row, KindScores>(model);
        var e2 = consumer.Model.CreatePredictionEngine<KindData.Row, KindScores>(loaded);
        KindData.Row[] rows = KindData.Rows(40, seed: 2);
        foreach (int i in new[] { 0, 17, 39 })
        {
            KindScores p = e1.Predict(rows[i]), q = e2.Predict(rows[i]);
            for (int k = 0; k < 4; k++)
            {
                Assert.AreEqual(x[i].ShapeScore[k], p.ShapeScore[k], Tolerance, $"engine row {i}");
                Assert.AreEqual(p.ShapeScore[k], q.ShapeScore[k], Tolerance, $"engines row {i}");
            }
            Assert.AreEqual(p.ShapePredicted, q.ShapePredicted);
            Assert.AreEqual(p.BrightPredicted, q.BrightPredicted);
            Assert.AreEqual(p.MassScore, q.MassScore, Tolerance);
        }
        (loaded as IDisposable)?.Dispose();
    }

    private static string[] SlotNames(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetSlotNames(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    private static string[] KeyValues(DataViewSchema.Column column)
    {
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    [TestMethod]
    public void TheEmbeddingColumnSurvivesTheZip()
    {
        var ml = new MLContext(3);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        IDataView data = KindData.View(ml, 48, seed: 4);
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = TrunkSpec.Mlp(16), BatchSize = 16, MaxEpoch = 1, Seed = 2, OutputEmbedding = true,
        };
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(data);
        ITransformer loaded = ZipRoundTrip.SaveAndLoad(ml, model, data.Schema);
        var a = ml.Data.CreateEnumerable<EmbeddingRow>(model.Transform(data), reuseRowObject: false).ToList();
        var b = ml.Data.CreateEnumerable<EmbeddingRow>(loaded.Transform(data), reuseRowObject: false).ToList();
        Assert.AreEqual(48, b.Count);
        for (int i = 0; i < a.Count; i++)
            for (int k = 0; k < 16; k++) Assert.AreEqual(a[i].Embedding[k], b[i].Embedding[k], Tolerance, $"row {i} slot {k}");
        (loaded as IDisposable)?.Dispose();
    }
}
