using System.Globalization;
using Microsoft.ML;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>A saved zip scored by an app that references only Microsoft.ML, OnnxTransformer and OnnxRuntime.</summary>
[TestClass]
public class ConsumingAppTests
{
    [TestMethod]
    public void AnAppWithOnlyMlNetPackagesScoresAndEvaluatesTheZipLikeTheFittedModel()
    {
        var ml = new MLContext(5);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        IDataView train = KindData.View(ml, 64, seed: 7);
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = TrunkSpec.MultiLeNet(), BatchSize = 16, MaxEpoch = 2, Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 3e-3 }, Seed = 4,
        };
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(train);
        string zip = Path.Combine(temp.Path, "model.zip");
        ml.Model.Save(model, train.Schema, zip);

        KindData.Row[] rows = KindData.Rows(30, seed: 8);
        string csv = Path.Combine(temp.Path, "rows.csv");
        File.WriteAllLines(csv, rows.Select(r => string.Join(",",
            new[] { Array.IndexOf(KindData.ShapeNames, r.ShapeName).ToString(CultureInfo.InvariantCulture), r.Bright ? "1" : "0", r.Mass.ToString("R", CultureInfo.InvariantCulture) }
                .Concat(r.Image.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))));
        string[] lines = Probes.Run("ConsumerProbe", zip, csv, temp.Path);
        Assert.AreEqual(rows.Length + 2, lines.Length, string.Join("\n", lines));

        IDataView scored = model.Transform(KindData.View(ml, rows));
        var expected = ml.Data.CreateEnumerable<KindScores>(scored, reuseRowObject: false).ToList();
        for (int i = 0; i < rows.Length; i++)
        {
            double[] v = lines[i].Split(' ').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            for (int k = 0; k < 4; k++) Assert.AreEqual(expected[i].ShapeScore[k], v[k], 1e-5, $"row {i} Shape.Score[{k}]");
            Assert.AreEqual(expected[i].ShapePredicted, (uint)v[4], $"row {i} Shape.PredictedLabel");
            Assert.AreEqual(expected[i].BrightScore, v[5], 1e-5, $"row {i} Bright.Score");
            Assert.AreEqual(expected[i].BrightProbability, v[6], 1e-5, $"row {i} Bright.Probability");
            Assert.AreEqual(expected[i].BrightPredicted ? 1.0 : 0.0, v[7], $"row {i} Bright.PredictedLabel");
            Assert.AreEqual(expected[i].MassScore, v[8], 1e-5, $"row {i} Mass.Score");
        }
        double[] metrics = lines[^2].Split(' ').Skip(1).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        Assert.AreEqual(ml.MulticlassClassification.Evaluate(scored, "Shape", "Shape.Score", predictedLabelColumnName: "Shape.PredictedLabel").MicroAccuracy, metrics[0], 1e-12);
        var binary = ml.BinaryClassification.Evaluate(scored, "Bright", "Bright.Score", "Bright.Probability", "Bright.PredictedLabel");
        Assert.AreEqual(binary.Accuracy, metrics[1], 1e-12);
        Assert.AreEqual(binary.AreaUnderRocCurve, metrics[2], 1e-9);
        Assert.AreEqual(ml.Regression.Evaluate(scored, "Mass", "Mass.Score").RootMeanSquaredError, metrics[3], 1e-5);
        StringAssert.Contains(lines[^1], "Shape.PredictedLabel:Key<UInt32, 0-3>");
        StringAssert.Contains(lines[^1], "Bright.PredictedLabel:Boolean");
        StringAssert.Contains(lines[^1], "Mass.Score:Single");
    }
}
