using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Mtl.Trainers.Tests;

[TestClass]
public class SmallTableDefaultsTests
{
    private const int FeatureCount = 8;

    private sealed class Row
    {
        [VectorType(FeatureCount)] public float[] Features { get; set; } = [];
        public string Species { get; set; } = "";
        public bool Heavy { get; set; }
        public float Grams { get; set; }
    }

    /// <summary>A mixed-kind table: three species from the features' leading directions, a threshold and a mass in grams, with noise.</summary>
    private static IDataView Table(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        string[] species = ["adelie", "chinstrap", "gentoo"];
        var list = new List<Row>();
        for (int i = 0; i < rows; i++)
        {
            float[] x = Enumerable.Range(0, FeatureCount).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            double[] logits = [x[0] + 0.5 * x[1], -x[0] + 0.5 * x[2], x[1] - x[2]];
            int k = Array.IndexOf(logits, logits.Max());
            if (random.NextDouble() < 0.05) k = random.Next(3);
            list.Add(new Row
            {
                Features = x, Species = species[k], Heavy = x[3] + 0.5 * x[4] + 0.1 * (random.NextDouble() - 0.5) > 0,
                Grams = (float)(4000 + 600 * (2 * x[5] - x[6] + 0.5 * x[0] * x[1]) + 60 * (random.NextDouble() - 0.5)),
            });
        }
        IDataView raw = ml.Data.LoadFromEnumerable(list);
        return ml.Transforms.Conversion.MapValueToKey("Species").Fit(raw).Transform(raw);
    }

    [TestMethod]
    public void DefaultOptionsLearnAThreeHundredRowMixedTableAndSayWhatTheyChose()
    {
        var ml = new MLContext(1);
        var log = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Info && e.Message.Contains("is automatic", StringComparison.Ordinal)) lock (log) log.Add(e.Message); };
        IDataView all = Table(ml, 300, 7);
        IDataView train = ml.Data.TakeRows(all, 240), test = ml.Data.SkipRows(all, 240);

        // Nothing but the data's shape: features and one task per label column.
        var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            Tasks =
            {
                new TaskDefinition("Species", kind: TaskKind.Multiclass),
                new TaskDefinition("Heavy", kind: TaskKind.Binary),
                new TaskDefinition("Grams", kind: TaskKind.Regression),
            },
        });
        using MultiHeadNetworkTransformer model = trainer.Fit(train);
        IDataView scored = model.Transform(test);

        double species = ml.MulticlassClassification.Evaluate(scored, "Species", "Species.Score", predictedLabelColumnName: "Species.PredictedLabel").MicroAccuracy;
        double heavy = ml.BinaryClassification.EvaluateNonCalibrated(scored, "Heavy", "Heavy.Score", "Heavy.PredictedLabel").Accuracy;
        RegressionMetrics grams = ml.Regression.Evaluate(scored, "Grams", "Grams.Score");
        Assert.IsTrue(species > 0.75, $"species accuracy {species:F3} (chance ≈ 0.33)");
        Assert.IsTrue(heavy > 0.85, $"heavy accuracy {heavy:F3} (chance ≈ 0.5)");
        // A target in grams (mean 4000) next to the classifiers: the standardised target keeps it from swamping them.
        Assert.IsTrue(grams.RSquared > 0.5, $"grams R² {grams.RSquared:F3} (predicting the mean gives 0)");

        // Every automatic choice is logged on the trainer's channel.
        string text = string.Join("\n", log);
        StringAssert.Contains(text, "Options.Trunk is automatic: Mlp [64]");
        StringAssert.Contains(text, "Options.Dropout is automatic: 0");
        StringAssert.Contains(text, "Options.BatchSize is automatic: 16 for 240 training rows");
        StringAssert.Contains(text, "Options.MaxEpoch is automatic: 67 epochs (15 steps each)");
        Assert.AreEqual(67, model.TrainingReport!.Epochs.Count);
    }

    [TestMethod]
    [DataRow(100L, 16, 143)]
    [DataRow(300L, 18, 59)]
    [DataRow(4_000L, 250, 63)]
    [DataRow(60_000L, 256, 10)]
    [DataRow(5L, 16, 200)]
    public void AutomaticBatchAndEpochsFollowTheRowCount(long rows, int batch, int epochs)
    {
        Assert.AreEqual(batch, AutomaticChoices.BatchSize(rows));
        Assert.AreEqual(epochs, AutomaticChoices.Epochs(rows, batch));
    }

    [TestMethod]
    public void EarlyStoppingIsOnByDefaultOnlyWithValidationData()
    {
        var ml = new MLContext(1);
        IDataView all = Table(ml, 200, 3);
        var options = new MultiHeadNetworkTrainer.Options
        {
            Tasks = { new TaskDefinition("Species", kind: TaskKind.Multiclass) },
            MaxEpoch = 60,
            // A large step on few rows overfits, so the validation score stops improving.
            Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.05 },
            ValidationSet = ml.Data.SkipRows(all, 100),
        };
        using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(options).Fit(ml.Data.TakeRows(all, 100));
        TrainingReport r = model.TrainingReport!;
        Assert.IsTrue(r.StoppedEarly, $"stopped after {r.Epochs.Count} epochs");
        // 100 rows → batch 16, 7 steps per epoch: a patience of ⌈250 / 7⌉ = 36 epochs.
        Assert.AreEqual(36, AutomaticChoices.Patience(100, 16));
        Assert.AreEqual(r.SelectedEpoch + AutomaticChoices.Patience(100, 16), r.Epochs[^1].Epoch);
    }
}
