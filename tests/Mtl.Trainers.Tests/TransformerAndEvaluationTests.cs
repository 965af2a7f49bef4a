using Mtl.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Network;

namespace Mtl.Trainers.Tests;

[TestClass]
public class TransformerAndEvaluationTests
{
    private static IDataView Synthetic(int rows = 200) => new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
    {
        RowCount = rows, FeatureCount = 8, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 11,
    }).AsDataView();

    private static MultiHeadNetworkTrainer.Options Options() => new()
    {
        FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
        Tasks = { new TaskDefinition("A", kind: TaskKind.Regression), new TaskDefinition("B", kind: TaskKind.Regression) },
        Trunk = TrunkSpec.Mlp(16),
        BatchSize = 50,
        MaxEpoch = 2,
        Seed = 4,
    };

    private sealed class EmbeddingRow
    {
        [VectorType(16)]
        public float[] Embedding { get; set; } = Array.Empty<float>();

        [ColumnName("A.Score")]
        public float A { get; set; }
    }

    [TestMethod]
    public void TheEmbeddingColumnHoldsTheTrunkOutputOfEachRow()
    {
        var ml = new MLContext(1);
        var options = Options();
        options.OutputEmbedding = true;
        options.ScoringBatchSize = 64; // 200 rows: batches of 64, 64, 64, 8
        IDataView data = Synthetic();
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(data);
        IDataView scored = model.Transform(data);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 16), scored.Schema["Embedding"].Type);
        var rows = ml.Data.CreateEnumerable<EmbeddingRow>(scored, reuseRowObject: false).ToList();
        Assert.AreEqual(200, rows.Count);
        // ReLU trunk: non-negative, and rows differ.
        Assert.IsTrue(rows.All(r => r.Embedding.Length == 16 && r.Embedding.All(v => v >= 0)));
        Assert.IsFalse(rows[0].Embedding.SequenceEqual(rows[199].Embedding));
        // Batched scoring equals one-row-at-a-time scoring (the prediction engine path).
        var engine = ml.Model.CreatePredictionEngine<FeatureRow, EmbeddingRow>(model);
        var features = ml.Data.CreateEnumerable<FeatureRow>(data, reuseRowObject: false).ToList();
        foreach (int i in new[] { 0, 63, 64, 150, 199 })
        {
            EmbeddingRow single = engine.Predict(features[i]);
            Assert.AreEqual(rows[i].A, single.A, 1e-5f, $"row {i}");
            for (int k = 0; k < 16; k++) Assert.AreEqual(rows[i].Embedding[k], single.Embedding[k], 1e-5f, $"row {i} slot {k}");
        }
    }

    private sealed class FeatureRow
    {
        [VectorType(8)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void EvaluateReportsMlNetMetricsPerTask()
    {
        var ml = new MLContext(1);
        IDataView data = Synthetic();
        using var model = ml.MultiTask().Trainers.MultiHead(Options()).Fit(data);
        MultiTaskMetrics m = ml.MultiTask().Evaluate(model.Transform(data), model, new Dictionary<string, double> { ["A"] = 1.0, ["B"] = 1.0 });
        Assert.AreEqual(2, m.Tasks.Count);
        Assert.IsNotNull(m["A"].Regression);
        Assert.AreEqual(m["A"].Regression!.RootMeanSquaredError, m["A"].PrimaryMetric);
        Assert.IsTrue(m["B"].PrimaryMetric > 0);
        // Both are RMSEs (lower is better) against a baseline of 1: Δm = 100 · ½ Σ (1 − RMSE), positive = better.
        double expected = 100 * ((1.0 - m["A"].PrimaryMetric) + (1.0 - m["B"].PrimaryMetric)) / 2;
        Assert.AreEqual(expected, m.DeltaM!.Value, 1e-12);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Evaluate(data, model));
        StringAssert.Contains(e.Message, "A.Score");
        var unknown = Assert.ThrowsExactly<KeyNotFoundException>(() => m["C"]);
        StringAssert.Contains(unknown.Message, "No metrics for task 'C'. Tasks: A, B");
    }

    [TestMethod]
    public void TheScoredViewRefusesForeignAndInactiveColumns()
    {
        var ml = new MLContext(1);
        IDataView data = Synthetic(20);
        using var model = ml.MultiTask().Trainers.MultiHead(Options()).Fit(data);
        IDataView scored = model.Transform(data);
        var other = new DataViewSchema.Builder();
        other.AddColumn("Elsewhere", NumberDataViewType.Single);
        DataViewSchema.Column foreign = other.ToSchema()["Elsewhere"];

        var needed = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => scored.GetRowCursor([foreign]));
        StringAssert.Contains(needed.Message, "Column 'Elsewhere' does not belong to this schema");
        using DataViewRowCursor cursor = scored.GetRowCursor([scored.Schema["A.Score"]]);
        var read = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cursor.GetGetter<float>(foreign));
        StringAssert.Contains(read.Message, "Column 'Elsewhere' does not belong to this schema");
        var inactive = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(scored.Schema["B.Score"]));
        StringAssert.Contains(inactive.Message, "Column 'B.Score' is not active; ask for it in columnsNeeded");
    }

    [TestMethod]
    public void EarlyStoppingKeepsTheBestValidationEpoch()
    {
        var ml = new MLContext(1);
        var options = Options();
        options.MaxEpoch = 30;
        options.EarlyStopping = new EarlyStoppingOptions { Patience = 2 };
        options.Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.03 }; // a large step on 40 rows: the model overfits and validation turns worse
        options.BatchSize = 10;
        options.ValidationSet = ml.Data.SkipRows(Synthetic(), 100);
        var trainer = ml.MultiTask().Trainers.MultiHead(options);
        using var model = trainer.Fit(ml.Data.TakeRows(Synthetic(), 40));
        TrainingReport r = model.TrainingReport!;
        double best = r.Epochs.Max(e => e.SelectionScore);
        Assert.AreEqual(best, r.Epochs.Single(e => e.Epoch == r.SelectedEpoch).SelectionScore);
        Assert.IsTrue(r.StoppedEarly, $"expected early stopping; selection scores: {string.Join(", ", r.Epochs.Select(e => e.SelectionScore.ToString("F3")))}");
        Assert.IsTrue(r.Epochs.Count < 30);
        Assert.AreEqual(r.SelectedEpoch + 2, r.Epochs[^1].Epoch);
        // The kept weights reproduce the selected epoch's validation figures.
        MultiTaskMetrics m = ml.MultiTask().Evaluate(model.Transform(options.ValidationSet), model);
        EpochReport selected = r.Epochs.Single(e => e.Epoch == r.SelectedEpoch);
        Assert.AreEqual(selected.Tasks[0].ValidationMetric, m["A"].PrimaryMetric, 1e-4);
        Assert.AreEqual(selected.Tasks[1].ValidationMetric, m["B"].PrimaryMetric, 1e-4);
    }

    [TestMethod]
    public void TheTrainerRunsInsideAnMlNetPipelineAndSingleTaskTrainsOneHead()
    {
        var ml = new MLContext(1);
        IDataView data = Synthetic();
        // A real ML.NET pipeline: a built-in transform, then the multi-head trainer as an ordinary estimator.
        var pipeline = ml.Transforms.CopyColumns("Inputs", SyntheticMultiTaskRegression.FeaturesColumnName)
            .Append(ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
            {
                FeatureColumnName = "Inputs", Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) }, Trunk = TrunkSpec.Mlp(8), MaxEpoch = 1, Seed = 1,
            }));
        var model = pipeline.Fit(data);
        IDataView scored = model.Transform(data);
        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["A.Score"].Type);
        Assert.IsTrue(ml.Regression.Evaluate(scored, "A", "A.Score").RootMeanSquaredError > 0);
        model.LastTransformer.Dispose();

        var single = ml.MultiTask().Trainers.SingleTask(new TaskDefinition("B", kind: TaskKind.Regression), Options());
        using var one = single.Fit(data);
        Assert.AreEqual(1, one.Tasks.Count);
        Assert.AreEqual("B", one.Tasks[0].Name);
        Assert.AreEqual("ew", one.TrainingReport!.Method.ToLowerInvariant());
        Assert.IsNull(one.Transform(data).Schema.GetColumnOrNull("A.Score"));
    }

    [TestMethod]
    public void TheFlattenedOverloadBuildsMulticlassTasksNamedAfterTheirLabels()
    {
        var ml = new MLContext(1);
        IDataView data = Support.KindData.View(ml, 32, seed: 3);
        var trainer = ml.MultiTask().Trainers.MultiHead(new[] { "Shape" }, featureColumnName: "Image", batchSize: 16, maxEpoch: 1);
        using var model = trainer.Fit(data);
        Assert.AreEqual(TaskKind.Multiclass, model.Tasks.Single().Kind);
        Assert.AreEqual(4, model.Tasks.Single().ClassCount);
        CollectionAssert.AreEqual(Support.KindData.ShapeNames, model.ClassNames("Shape")!.ToArray());
    }

    [TestMethod]
    public void AShuffledCursorScoresEachRowLikeTheBatchedCursor()
    {
        var ml = new MLContext(1);
        var options = Options();
        options.ScoringBatchSize = 32;
        IDataView data = ml.Data.Cache(Synthetic(100));
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(data);
        IDataView scored = model.Transform(data);
        Dictionary<ulong, float> Scores(Random? rand)
        {
            var result = new Dictionary<ulong, float>();
            DataViewSchema.Column score = scored.Schema["A.Score"];
            using DataViewRowCursor cursor = scored.GetRowCursor(new[] { score }, rand);
            ValueGetter<float> get = cursor.GetGetter<float>(score);
            ValueGetter<DataViewRowId> id = cursor.GetIdGetter();
            float v = 0;
            DataViewRowId rowId = default;
            while (cursor.MoveNext())
            {
                get(ref v);
                id(ref rowId);
                result.Add(rowId.Low, v);
            }
            return result;
        }
        Dictionary<ulong, float> batched = Scores(null), shuffled = Scores(new Random(5));
        Assert.AreEqual(100, batched.Count);
        CollectionAssert.AreEquivalent(batched.Keys.ToArray(), shuffled.Keys.ToArray());
        foreach ((ulong row, float value) in batched) Assert.AreEqual(value, shuffled[row], 1e-6f, $"row {row}");
    }
}
