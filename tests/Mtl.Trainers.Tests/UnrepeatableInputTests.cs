using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;
using Mtl.Trainers.Network;

namespace Mtl.Trainers.Tests;

/// <summary>
/// The scored view reads its input through two cursors (one ahead, scoring whole batches); an input that gives its rows
/// in another order to each cursor cannot be scored that way, and must say so rather than mix up rows.
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
    public void ScoringAViewWhoseCursorsDisagreeOnTheOrderFailsNamingTheFix()
    {
        IDataView data = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = 96, FeatureCount = 6, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 3,
        }).AsDataView();
        var ml = new MLContext(1);
        using var model = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = { new TaskDefinition("A", kind: TaskKind.Regression), new TaskDefinition("B", kind: TaskKind.Regression) },
            Trunk = TrunkSpec.Mlp(8),
            BatchSize = 32,
            MaxEpoch = 1,
            Seed = 2,
            ScoringBatchSize = 16,
        }).Fit(data);

        IDataView scored = model.Transform(new NewOrderEveryCursor(data));
        var score = scored.Schema["A.Score"];
        using DataViewRowCursor cursor = scored.GetRowCursor(new[] { score });
        ValueGetter<float> getter = cursor.GetGetter<float>(score);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
        {
            float value = 0;
            while (cursor.MoveNext()) getter(ref value);
        });
        StringAssert.Contains(error.Message, "different orders");
        StringAssert.Contains(error.Message, "mlContext.Data.Cache");

        // The same view cached first scores fine.
        IDataView cached = ml.Data.Cache(new NewOrderEveryCursor(data));
        Assert.AreEqual(96, model.Transform(cached).GetColumn<float>("A.Score").Count(float.IsFinite));
    }
}
