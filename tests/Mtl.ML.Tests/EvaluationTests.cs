using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.ML.Tests;

[TestClass]
public sealed class EvaluationTests
{
    public sealed class MultiRow
    {
        [KeyType(3)] public uint Label { get; set; }
        [VectorType(3)] public float[] Score { get; set; } = [];
    }

    public sealed class BinaryRow
    {
        public bool Label { get; set; }
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    public sealed class RegressionRow
    {
        public float Label { get; set; }
        public float Score { get; set; }
    }

    [TestMethod]
    public void MulticlassMetricsMatchHandComputation()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(new[]
        {
            new MultiRow { Label = 1, Score = [0.7f, 0.2f, 0.1f] },
            new MultiRow { Label = 2, Score = [0.5f, 0.4f, 0.1f] },
            new MultiRow { Label = 3, Score = [0.2f, 0.2f, 0.6f] },
            new MultiRow { Label = 1, Score = [0.1f, 0.3f, 0.6f] },
            new MultiRow { Label = 0, Score = [0.1f, 0.3f, 0.6f] }, // missing label: skipped
        });
        var m = ctx.MulticlassClassification.Evaluate(data, topKPredictionCount: 2);

        Assert.AreEqual(0.5, m.MicroAccuracy, 1e-9);
        Assert.AreEqual(0.5, m.MacroAccuracy, 1e-9);
        double ll = -(Math.Log(0.7f) + Math.Log(0.4f) + Math.Log(0.6f) + Math.Log(0.1f)) / 4;
        Assert.AreEqual(ll, m.LogLoss, 1e-6);
        double prior = 1.5 * Math.Log(2);
        Assert.AreEqual((prior - ll) / prior, m.LogLossReduction, 1e-6);
        Assert.AreEqual(0.75, m.TopKAccuracy, 1e-9);
        CollectionAssert.AreEqual(new[] { 0.5, 0.75 }, m.TopKAccuracyForAllK.ToArray());
        Assert.AreEqual(-(Math.Log(0.7f) + Math.Log(0.1f)) / 2, m.PerClassLogLoss[0], 1e-6);
        Assert.AreEqual(-Math.Log(0.4f), m.PerClassLogLoss[1], 1e-6);
        Assert.AreEqual(1, m.ConfusionMatrix.GetCountForClassPair(predictedClassIndicatorIndex: 2, actualClassIndicatorIndex: 0));
        Assert.AreEqual(1, m.ConfusionMatrix.GetCountForClassPair(0, 1));
        CollectionAssert.AreEqual(new[] { 0.5, 0.0, 0.5 }, m.ConfusionMatrix.PerClassPrecision.ToArray());
        CollectionAssert.AreEqual(new[] { 0.5, 0.0, 1.0 }, m.ConfusionMatrix.PerClassRecall.ToArray());
        StringAssert.Contains(m.ConfusionMatrix.GetFormattedConfusionTable(), "Precision");
    }

    [TestMethod]
    public void MulticlassEvaluateNamesBadColumns()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(new[] { new MultiRow { Label = 1, Score = [1, 0, 0] } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.MulticlassClassification.Evaluate(data, scoreColumnName: "Scores"));
        StringAssert.Contains(e.Message, "'Scores'");
        var bad = ctx.Data.LoadFromEnumerable(new[] { new RegressionRow() });
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.MulticlassClassification.Evaluate(bad));
        StringAssert.Contains(e.Message, "'Score'");
    }

    [TestMethod]
    public void BinaryMetricsMatchHandComputation()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(new[]
        {
            new BinaryRow { Label = true, Score = 2, Probability = 0.9f, PredictedLabel = true },
            new BinaryRow { Label = true, Score = 0.5f, Probability = 0.6f, PredictedLabel = true },
            new BinaryRow { Label = true, Score = -1, Probability = 0.3f, PredictedLabel = false },
            new BinaryRow { Label = false, Score = 1, Probability = 0.7f, PredictedLabel = true },
            new BinaryRow { Label = false, Score = -0.5f, Probability = 0.4f, PredictedLabel = false },
            new BinaryRow { Label = false, Score = -2, Probability = 0.1f, PredictedLabel = false },
        });
        var m = ctx.BinaryClassification.Evaluate(data);
        Assert.AreEqual(4.0 / 6, m.Accuracy, 1e-9);
        Assert.AreEqual(2.0 / 3, m.PositivePrecision, 1e-9);
        Assert.AreEqual(2.0 / 3, m.PositiveRecall, 1e-9);
        Assert.AreEqual(2.0 / 3, m.NegativePrecision, 1e-9);
        Assert.AreEqual(2.0 / 3, m.NegativeRecall, 1e-9);
        Assert.AreEqual(2.0 / 3, m.F1Score, 1e-9);
        Assert.AreEqual(6.0 / 9, m.AreaUnderRocCurve, 1e-9);
        Assert.AreEqual(34.0 / 45, m.AreaUnderPrecisionRecallCurve, 1e-9);
        double ll = -2 * (Math.Log2(0.9f) + Math.Log2(1 - 0.4f) + Math.Log2(0.3f)) / 6;
        Assert.AreEqual(ll, m.LogLoss, 1e-6);
        Assert.AreEqual(1.0, m.Entropy, 1e-12);
        Assert.AreEqual(1 - ll, m.LogLossReduction, 1e-6);
        Assert.AreEqual(2, m.ConfusionMatrix.GetCountForClassPair(0, 0));
    }

    [TestMethod]
    public void RegressionMetricsMatchHandComputation()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(new[]
        {
            new RegressionRow { Label = 1, Score = 1.5f },
            new RegressionRow { Label = 2, Score = 2 },
            new RegressionRow { Label = 3, Score = 2 },
            new RegressionRow { Label = 4, Score = 5 },
        });
        var m = ctx.Regression.Evaluate(data);
        Assert.AreEqual(0.625, m.MeanAbsoluteError, 1e-12);
        Assert.AreEqual(0.5625, m.MeanSquaredError, 1e-12);
        Assert.AreEqual(0.75, m.RootMeanSquaredError, 1e-12);
        Assert.AreEqual(0.5625, m.LossFunction, 1e-12);
        Assert.AreEqual(0.55, m.RSquared, 1e-12);
    }
}
