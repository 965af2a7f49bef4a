using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>A scored view reads every input row once (a lazy upstream is computed once), and its pass-through columns are the input's values.</summary>
[TestClass]
public sealed class ScoredViewReadsOnceTests
{
    /// <summary>Counts how often each row's feature value is produced: what a lazy upstream would compute.</summary>
    private sealed class CountingView(IDataView inner, string column) : IDataView
    {
        public int FeatureReads;

        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new Counting(inner.GetRowCursor(columnsNeeded, rand), this, inner.Schema[column].Index);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };

        private sealed class Counting(DataViewRowCursor inner, CountingView owner, int counted) : DataViewRowCursor
        {
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override DataViewSchema Schema => inner.Schema;
            public override bool MoveNext() => inner.MoveNext();
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                ValueGetter<TValue> getter = inner.GetGetter<TValue>(column);
                if (column.Index != counted) return getter;
                return (ref TValue value) =>
                {
                    Interlocked.Increment(ref owner.FeatureReads);
                    getter(ref value);
                };
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    [TestMethod]
    public void EveryInputRowIsReadOnceAndPassThroughColumnsKeepTheirValues()
    {
        IDataView data = SmallRegression.Data(rows: 100, features: 5, seed: 5);
        using var model = SmallRegression.Fit(data, scoringBatchSize: 32); // 100 rows: three full batches and a short one

        var counting = new CountingView(data, SyntheticMultiTaskRegression.FeaturesColumnName);
        IDataView scored = model.Transform(counting);
        DataViewSchema.Column features = scored.Schema[SyntheticMultiTaskRegression.FeaturesColumnName], a = scored.Schema["A.Score"], label = scored.Schema["A"];
        var seen = new List<(float[] Features, float Label, float Score)>();
        using (DataViewRowCursor cursor = scored.GetRowCursor(new[] { features, a, label }))
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
            var getScore = cursor.GetGetter<float>(a);
            var getLabel = cursor.GetGetter<float>(label);
            VBuffer<float> vector = default;
            float score = 0, target = 0;
            while (cursor.MoveNext())
            {
                getFeatures(ref vector);
                getScore(ref score);
                getLabel(ref target);
                seen.Add((vector.DenseValues().ToArray(), target, score));
            }
            Assert.IsFalse(cursor.MoveNext());
            Assert.ThrowsExactly<InvalidOperationException>(() => getScore(ref score), "no row after the end");
        }
        Assert.AreEqual(100, counting.FeatureReads, "one read of the feature column per input row");

        // Pass-through values are the input's, row for row; scores equal those of the unwrapped view.
        float[][] inputFeatures = data.GetColumn<VBuffer<float>>(SyntheticMultiTaskRegression.FeaturesColumnName).Select(v => v.DenseValues().ToArray()).ToArray();
        float[] labels = data.GetColumn<float>("A").ToArray();
        float[] plain = model.Transform(data).GetColumn<float>("A.Score").ToArray();
        Assert.HasCount(100, seen);
        for (int i = 0; i < seen.Count; i++)
        {
            CollectionAssert.AreEqual(inputFeatures[i], seen[i].Features, $"row {i}");
            Assert.AreEqual(labels[i], seen[i].Label, $"row {i}");
            // Same batches, but libtorch's threaded kernels may round the last bit differently from one call to the next.
            Assert.AreEqual(plain[i], seen[i].Score, 1e-5f * Math.Max(1f, Math.Abs(plain[i])), $"row {i}");
        }

        // Only input columns: the input's own cursor, nothing scored.
        counting.FeatureReads = 0;
        Assert.HasCount(100, model.Transform(counting).GetColumn<float>("A").ToArray());
        Assert.AreEqual(0, counting.FeatureReads);
    }
}
