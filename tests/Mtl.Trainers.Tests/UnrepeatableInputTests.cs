using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>
/// The scored view reads its input through one cursor, keeping a batch of rows while it scores them, so an input that
/// gives its rows in another order to every cursor is still scored row for row (it once needed a cache: two cursors).
/// </summary>
[TestClass]
public sealed class UnrepeatableInputTests
{
    /// <summary>A view over a shufflable view that hands every cursor a different order: an IDataView that breaks repeatability.</summary>
    private sealed class NewOrderEveryCursor(IDataView inner) : IDataView
    {
        private int cursors;

        public bool CanShuffle => false;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            inner.GetRowCursor(columnsNeeded, new Random(Interlocked.Increment(ref cursors)));

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    [TestMethod]
    public void AViewWhoseCursorsDisagreeOnTheOrderIsScoredRowForRow()
    {
        IDataView data = SmallRegression.Data(rows: 96, features: 6, seed: 3);
        var ml = new MLContext(1);
        using var model = SmallRegression.Fit(data, scoringBatchSize: 16);

        // Each row keeps its own score: compare by row id with the scores of the plain (repeatable) view. The batches hold
        // other rows, and a batched product may round a row's last bit differently with other neighbours: 1e-5 relative.
        var expected = ScoresById(model.Transform(data));
        var unrepeatable = ScoresById(model.Transform(new NewOrderEveryCursor(data)));
        Assert.HasCount(96, unrepeatable);
        foreach ((DataViewRowId id, float score) in expected)
            Assert.AreEqual(score, unrepeatable[id], 1e-5f * Math.Max(1f, Math.Abs(score)), $"row {id}");

        // The same view cached first scores fine.
        IDataView cached = ml.Data.Cache(new NewOrderEveryCursor(data));
        Assert.AreEqual(96, model.Transform(cached).GetColumn<float>("A.Score").Count(float.IsFinite));
    }

    private static Dictionary<DataViewRowId, float> ScoresById(IDataView scored)
    {
        var column = scored.Schema["A.Score"];
        using DataViewRowCursor cursor = scored.GetRowCursor(new[] { column });
        ValueGetter<float> getter = cursor.GetGetter<float>(column);
        ValueGetter<DataViewRowId> ids = cursor.GetIdGetter();
        var result = new Dictionary<DataViewRowId, float>();
        float value = 0;
        DataViewRowId id = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            ids(ref id);
            result.Add(id, value);
        }
        return result;
    }
}
