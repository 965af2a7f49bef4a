using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;
using TorchSharp;

namespace Mtl.Trainers.Tests;

/// <summary>
/// The fitted transformer's batched scoring on the CPU runs ONNX Runtime on the batched graph: its columns equal the
/// TorchSharp forward of the same rows (≤ 1e-5), the reloaded zip and a PredictionEngine, whatever the batch split (a
/// short last batch), the active columns and the cursor kind; a network with a layer that has no exporter scores with
/// TorchSharp.
/// </summary>
[TestClass]
public sealed class BatchedOnnxScoringTests
{
    private const float Tolerance = 1e-5f;

    private sealed class EmbeddingRow
    {
        [VectorType(16)]
        public float[] Embedding { get; set; } = [];
    }

    private static MultiHeadNetworkTransformer Fit(MLContext ml, IDataView train, TrunkSpec trunk, int scoringBatchSize, bool embedding) =>
        ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = trunk, BatchSize = 16, MaxEpoch = 1, Seed = 4,
            ScoringBatchSize = scoringBatchSize, OutputEmbedding = embedding,
        }).Fit(train);

    /// <summary>The TorchSharp forward of all rows of <paramref name="data"/> in one batch (the engine batched scoring used before).</summary>
    private static ScoreBatch TorchSharpScores(MultiHeadNetworkTransformer model, IDataView data, out int rows)
    {
        float[][] images = data.GetColumn<VBuffer<float>>("Image").Select(v => v.DenseValues().ToArray()).ToArray();
        rows = images.Length;
        var batch = new ScoreBatch();
        model.Score(images.SelectMany(i => i).ToArray(), rows, batch);
        return batch;
    }

    private static int TaskIndex(MultiHeadNetworkTransformer model, string name) => model.Tasks.Select(t => t.Name).ToList().IndexOf(name);

    [TestMethod]
    [DataRow("multilenet")]
    [DataRow("mlp")]
    public void TheBatchedOnnxScoresEqualTorchSharpTheZipAndThePredictionEngine(string trunk)
    {
        var ml = new MLContext(5);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        IDataView train = KindData.View(ml, 48, seed: 1), test = KindData.View(ml, 150, seed: 2);
        // 150 rows in batches of 100, each run as ONNX Runtime calls of (by default) 64 rows: a batch of 64 + 36 rows and a
        // short one of 50 (one short call).
        using MultiHeadNetworkTransformer model = Fit(ml, train, trunk == "mlp" ? TrunkSpec.Mlp(16) : TrunkSpec.MultiLeNet(), 100, embedding: trunk == "mlp");
        Assert.AreEqual("ONNX Runtime", model.BatchScoringEngine);

        ScoreBatch torch = TorchSharpScores(model, test, out int rows);
        var scored = ml.Data.CreateEnumerable<KindScores>(model.Transform(test), reuseRowObject: false).ToList();
        Assert.HasCount(rows, scored);
        int shape = TaskIndex(model, "Shape"), bright = TaskIndex(model, "Bright"), mass = TaskIndex(model, "Mass");
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < 4; k++) Assert.AreEqual(torch.Scores[shape][r * 4 + k], scored[r].ShapeScore[k], Tolerance, $"row {r} Shape.Score[{k}]");
            Assert.AreEqual(Array.IndexOf(scored[r].ShapeScore, scored[r].ShapeScore.Max()) + 1, (int)scored[r].ShapePredicted, $"row {r}: key = argmax + 1");
            Assert.AreEqual(torch.Scores[bright][r * 2], scored[r].BrightScore, Tolerance, $"row {r} Bright.Score");
            Assert.AreEqual(torch.Scores[bright][r * 2 + 1], scored[r].BrightProbability, Tolerance, $"row {r} Bright.Probability");
            Assert.AreEqual(scored[r].BrightScore > 0, scored[r].BrightPredicted, $"row {r} Bright.PredictedLabel");
            Assert.AreEqual(torch.Scores[mass][r], scored[r].MassScore, Tolerance * Math.Max(1, Math.Abs(scored[r].MassScore)), $"row {r} Mass.Score (target units)");
        }
        if (model.OutputEmbedding)
        {
            var embeddings = ml.Data.CreateEnumerable<EmbeddingRow>(model.Transform(test), reuseRowObject: false).ToList();
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < 16; k++) Assert.AreEqual(torch.Embedding![r * 16 + k], embeddings[r].Embedding[k], Tolerance, $"row {r} Embedding[{k}]");
        }

        // The reloaded zip (one ONNX Runtime call per row on the one-row graph) and a PredictionEngine give the same columns.
        ITransformer loaded = ZipRoundTrip.SaveAndLoad(ml, model, train.Schema);
        var reloaded = ml.Data.CreateEnumerable<KindScores>(loaded.Transform(test), reuseRowObject: false).ToList();
        var engine = ml.Model.CreatePredictionEngine<KindData.Row, KindScores>(model);
        KindData.Row[] inputRows = KindData.Rows(150, seed: 2);
        for (int r = 0; r < rows; r++)
        {
            KindScores single = engine.Predict(inputRows[r]);
            for (int k = 0; k < 4; k++)
            {
                Assert.AreEqual(reloaded[r].ShapeScore[k], scored[r].ShapeScore[k], Tolerance, $"row {r} zip Shape.Score[{k}]");
                Assert.AreEqual(single.ShapeScore[k], scored[r].ShapeScore[k], Tolerance, $"row {r} engine Shape.Score[{k}]");
            }
            Assert.AreEqual(reloaded[r].ShapePredicted, scored[r].ShapePredicted, $"row {r} zip Shape.PredictedLabel");
            Assert.AreEqual(reloaded[r].BrightProbability, scored[r].BrightProbability, Tolerance, $"row {r} zip Bright.Probability");
            Assert.AreEqual(reloaded[r].BrightPredicted, scored[r].BrightPredicted, $"row {r} zip Bright.PredictedLabel");
            Assert.AreEqual(reloaded[r].MassScore, scored[r].MassScore, Tolerance * Math.Max(1, Math.Abs(scored[r].MassScore)), $"row {r} zip Mass.Score");
        }
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void TheSavedGraphScoresOneRowAndTheBatchedGraphAnyNumber()
    {
        var ml = new MLContext(8);
        IDataView train = KindData.View(ml, 32, seed: 7);
        using MultiHeadNetworkTransformer model = Fit(ml, train, TrunkSpec.MultiLeNet(), 512, embedding: false);
        global::Onnx.ModelProto one = global::Onnx.ModelProto.Parser.ParseFrom(Onnx.NetworkOnnxExporter.Export(model).Model);
        global::Onnx.ModelProto batched = global::Onnx.ModelProto.Parser.ParseFrom(Onnx.NetworkOnnxExporter.Export(model, batched: true).Model);
        static string Shape(global::Onnx.ValueInfoProto v) =>
            string.Join(",", v.Type.TensorType.Shape.Dim.Select(d => string.IsNullOrEmpty(d.DimParam) ? d.DimValue.ToString() : d.DimParam));
        // The zip's graph: the row's own shape in, a reshape to a batch of one, fixed per-row vectors out.
        Assert.AreEqual("1,28,28", Shape(one.Graph.Input.Single()));
        Assert.AreEqual("Reshape", one.Graph.Node[0].OpType);
        CollectionAssert.AreEqual(new[] { "4", "1", "1", "1", "1" }, one.Graph.Output.Select(Shape).ToArray());
        // The batched graph: the same outputs with the batch dimension first, and the same nodes but the reshape.
        Assert.AreEqual("N,1,28,28", Shape(batched.Graph.Input.Single()));
        CollectionAssert.AreEqual(one.Graph.Output.Select(o => o.Name).ToArray(), batched.Graph.Output.Select(o => o.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "N,4", "N,1", "N,1", "N,1", "N,1" }, batched.Graph.Output.Select(Shape).ToArray());
        Assert.AreEqual(one.Graph.Node.Count(n => n.OpType == "Conv"), batched.Graph.Node.Count(n => n.OpType == "Conv"));
        Assert.AreEqual(one.Graph.Initializer.Where(i => i.DataType == 1).Sum(i => i.FloatData.Count), batched.Graph.Initializer.Where(i => i.DataType == 1).Sum(i => i.FloatData.Count));
    }

    [TestMethod]
    public void AnyColumnSubsetRowIdsAndCursorSetsServeTheSameRows()
    {
        var ml = new MLContext(6);
        IDataView train = KindData.View(ml, 32, seed: 3), test = KindData.View(ml, 23, seed: 4);
        using MultiHeadNetworkTransformer model = Fit(ml, train, TrunkSpec.MultiLeNet(), 10, embedding: false);
        IDataView scored = model.Transform(test);
        float[] mass = scored.GetColumn<float>("Mass.Score").ToArray();
        Assert.HasCount(23, mass);

        // One output column alone (the feature column inactive for the caller), with row ids: the input's ids, row for row.
        var inputIds = new List<DataViewRowId>();
        using (DataViewRowCursor cursor = test.GetRowCursor(test.Schema))
        {
            var id = cursor.GetIdGetter();
            DataViewRowId value = default;
            while (cursor.MoveNext())
            {
                id(ref value);
                inputIds.Add(value);
            }
        }
        DataViewSchema.Column massColumn = scored.Schema["Mass.Score"], brightLabel = scored.Schema["Bright.PredictedLabel"], image = scored.Schema["Image"];
        using (DataViewRowCursor cursor = scored.GetRowCursor([massColumn]))
        {
            Assert.IsFalse(cursor.IsColumnActive(image));
            Assert.IsFalse(cursor.IsColumnActive(brightLabel));
            Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<bool>(brightLabel), "an inactive column has no getter");
            var get = cursor.GetGetter<float>(massColumn);
            var id = cursor.GetIdGetter();
            float value = 0;
            DataViewRowId rowId = default;
            int r = 0;
            while (cursor.MoveNext())
            {
                Assert.AreEqual(r, cursor.Position);
                get(ref value);
                id(ref rowId);
                Assert.AreEqual(mass[r], value, $"row {r}");
                Assert.AreEqual(inputIds[r], rowId, $"row {r} id");
                r++;
            }
            Assert.AreEqual(23, r);
        }

        // Two cursors open at once, moved in turn (each has its own tensors; a disposed cursor's are reused by later ones).
        for (int round = 0; round < 2; round++)
        {
            using DataViewRowCursor first = scored.GetRowCursor([massColumn]), second = scored.GetRowCursor([massColumn]);
            var getFirst = first.GetGetter<float>(massColumn);
            var getSecond = second.GetGetter<float>(massColumn);
            float x = 0, y = 0;
            for (int r = 0; r < 23; r++)
            {
                // The second cursor moves every other row, so the two are in different batches of 10 much of the time.
                Assert.IsTrue(first.MoveNext());
                getFirst(ref x);
                Assert.AreEqual(mass[r], x, $"round {round} row {r}, first cursor");
                if (r % 2 != 0) continue;
                Assert.IsTrue(second.MoveNext());
                getSecond(ref y);
                Assert.AreEqual(mass[r / 2], y, $"round {round} row {r / 2}, second cursor");
            }
        }

        // A label column with a pass-through column, through GetRowCursorSet.
        bool[] bright = scored.GetColumn<bool>("Bright.PredictedLabel").ToArray();
        DataViewRowCursor[] set = scored.GetRowCursorSet([brightLabel, image], 2);
        int seen = 0;
        foreach (DataViewRowCursor cursor in set)
            using (cursor)
            {
                var getLabel = cursor.GetGetter<bool>(brightLabel);
                var getImage = cursor.GetGetter<VBuffer<float>>(image);
                var getId = cursor.GetIdGetter();
                bool label = false;
                VBuffer<float> pixels = default;
                DataViewRowId rowId = default;
                while (cursor.MoveNext())
                {
                    getId(ref rowId);
                    int r = inputIds.IndexOf(rowId);
                    getLabel(ref label);
                    getImage(ref pixels);
                    Assert.AreEqual(bright[r], label, $"row {r}");
                    Assert.AreEqual(784, pixels.Length);
                    seen++;
                }
            }
        Assert.AreEqual(23, seen);
    }

    [TestMethod]
    public void ANetworkWithoutAnExporterScoresBatchesWithTorchSharp()
    {
        var ml = new MLContext(7);
        IDataView train = KindData.View(ml, 32, seed: 5), test = KindData.View(ml, 19, seed: 6);
        using MultiHeadNetworkTransformer model = Fit(ml, train,
            TrunkSpec.Custom(_ => torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 12), torch.nn.GELU()), 12), 8, embedding: false);
        Assert.AreEqual("TorchSharp", model.BatchScoringEngine);
        ScoreBatch expected = TorchSharpScores(model, test, out int rows);
        var scored = ml.Data.CreateEnumerable<KindScores>(model.Transform(test), reuseRowObject: false).ToList();
        Assert.HasCount(rows, scored);
        int shape = TaskIndex(model, "Shape"), mass = TaskIndex(model, "Mass");
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < 4; k++) Assert.AreEqual(expected.Scores[shape][r * 4 + k], scored[r].ShapeScore[k], Tolerance, $"row {r} Shape.Score[{k}]");
            Assert.AreEqual(expected.Scores[mass][r], scored[r].MassScore, Tolerance * Math.Max(1, Math.Abs(scored[r].MassScore)), $"row {r} Mass.Score");
        }
    }

    [TestMethod]
    public void ABatchOfNoRowsOrMoreThanTheBuffersHoldIsRefusedSayingTheRange()
    {
        var ml = new MLContext(7);
        using MultiHeadNetworkTransformer model = Fit(ml, KindData.View(ml, 32, seed: 1), TrunkSpec.Mlp(8), 16, embedding: false);
        using Onnx.OnnxBatchScorer scorer = Onnx.OnnxBatchScorer.TryCreate(model, threads: 1)!;
        using Onnx.OnnxBatchScorer.Buffers buffers = scorer.CreateBuffers(10);
        var into = new ScoreBatch();
        foreach (int rows in new[] { 0, 11 })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => scorer.Score(buffers, rows, into));
            StringAssert.Contains(e.Message, $"1 to 10 rows, not {rows}");
        }
        scorer.Score(buffers, 10, into); // the whole range still scores
        Assert.HasCount(model.Tasks.Count, into.Scores);
    }

    /// <summary>
    /// Callers scoring at once on one scorer (a cursor set's cursors, each on its own buffers) get exactly what one caller
    /// alone gets, for full, short and one-row batches.
    /// </summary>
    [TestMethod]
    public void CallersScoringAtOnceGetWhatOneCallerAloneGets()
    {
        var ml = new MLContext(8);
        using MultiHeadNetworkTransformer model = Fit(ml, KindData.View(ml, 32, seed: 1), TrunkSpec.MultiLeNet(), 16, embedding: false);
        using var scorer = new Onnx.OnnxBatchScorer(Onnx.NetworkOnnxExporter.Export(model, batched: true), model, threads: 2, rowsPerRun: 8);
        var random = new Random(3);
        int rowSize = (int)model.RowShape.Aggregate(1L, (x, y) => x * y);
        foreach ((int capacity, int rows) in new[] { (40, 40), (40, 29), (40, 1), (6, 6) })
        {
            using Onnx.OnnxBatchScorer.Buffers alone = scorer.CreateBuffers(capacity), first = scorer.CreateBuffers(capacity), second = scorer.CreateBuffers(capacity);
            for (int k = 0; k < rows * rowSize; k++) alone.Features[k] = first.Features[k] = second.Features[k] = (float)random.NextDouble();
            ScoreBatch expected = new(), a = new(), b = new();
            scorer.Score(alone, rows, expected);
            Parallel.Invoke(() => { for (int i = 0; i < 20; i++) scorer.Score(first, rows, a); }, () => { for (int i = 0; i < 20; i++) scorer.Score(second, rows, b); });
            for (int t = 0; t < expected.Scores.Length; t++)
            {
                int n = rows * expected.Scores[t].Length / capacity;
                CollectionAssert.AreEqual(expected.Scores[t][..n], a.Scores[t][..n], $"capacity {capacity}, {rows} rows: task {t}'s scores, first caller");
                CollectionAssert.AreEqual(expected.Scores[t][..n], b.Scores[t][..n], $"capacity {capacity}, {rows} rows: task {t}'s scores, second caller");
            }
        }
    }

    /// <summary>
    /// A cursor's scoring batch gives its rented buffers back once, however often it is disposed (twice-returned buffers
    /// would be handed to two cursors at once), and one disposed after its transformer is released without error.
    /// </summary>
    [TestMethod]
    public void AScoringBatchReturnsItsBuffersOnceEvenWhenDisposedTwice()
    {
        var ml = new MLContext(9);
        MultiHeadNetworkTransformer model = Fit(ml, KindData.View(ml, 32, seed: 1), TrunkSpec.Mlp(8), 16, embedding: false);
        ScoringBatch returned = model.CreateScoringBatch();
        returned.Dispose();
        returned.Dispose();
        using ScoringBatch next = model.CreateScoringBatch(), other = model.CreateScoringBatch();
        Assert.AreSame(returned.Features, next.Features, "the next cursor reuses the returned buffers");
        Assert.AreNotSame(next.Features, other.Features, "returned once: a second cursor gets buffers of its own");
        ScoringBatch late = model.CreateScoringBatch();
        model.Dispose();
        late.Dispose(); // the scorer is gone: the buffers are released, not pooled
    }

    [TestMethod]
    public void NativeMemoryStaysFlatOverManyScoringPasses()
    {
        // Each cursor rents ONNX Runtime buffers and hands them back; short calls get tensors disposed at once. Thousands of
        // cursors (with short last batches) must not grow the process.
        var ml = new MLContext(6);
        using MultiHeadNetworkTransformer model = Fit(ml, KindData.View(ml, 32, seed: 1), TrunkSpec.MultiLeNet(), 50, embedding: false);
        IDataView test = ml.Data.Cache(KindData.View(ml, 70, seed: 2)); // batches of 50 + 20: a full call, a short call, a short batch
        void Passes(int count)
        {
            for (int i = 0; i < count; i++)
            {
                IDataView scored = model.Transform(test);
                using DataViewRowCursor cursor = scored.GetRowCursor(scored.Schema);
                ValueGetter<VBuffer<float>> score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Shape.Score"]);
                VBuffer<float> value = default;
                while (cursor.MoveNext()) score(ref value);
            }
        }
        Passes(200); // warm-up: ONNX Runtime's arena and the buffer pool reach their size
        long before = ResidentMemory.Settled();
        Passes(3000);
        long growth = ResidentMemory.Settled() - before;
        Assert.IsTrue(growth < 30L << 20, $"resident memory grew by {growth >> 20} MB over 3,000 scoring passes (210,000 rows)");
    }

}
