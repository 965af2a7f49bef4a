using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Data;

namespace Mtl.Trainers.Tests;

/// <summary>
/// Reading a data view into tensors: every row's features and labels land where they belong, also when the view does not
/// know its row count (a filter: the rows are counted first, then written once into a tensor of that size).
/// </summary>
[TestClass]
public sealed class MaterializedDataTests
{
    private sealed class Row
    {
        [VectorType(3)] public float[] Features { get; set; } = [];
        public float Target { get; set; }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void AFilteredViewIsReadRowForRow_IntoExactlyItsRows(bool keepHostFeatures)
    {
        var ml = new MLContext(1);
        Row[] rows = Enumerable.Range(0, 50).Select(i => new Row { Features = [i, -i, i * 0.5f], Target = i % 4 == 0 ? float.NaN : i }).ToArray();
        IDataView filtered = ml.Data.FilterRowsByColumn(ml.Data.LoadFromEnumerable(rows), "Target", lowerBound: 10, upperBound: 40);
        Assert.IsNull(filtered.GetRowCount());
        Row[] kept = rows.Where(r => r.Target is >= 10 and < 40).ToArray();

        using MaterializedData data = MaterializedData.Read(filtered, "Features", [new TaskDefinition("Target", "Target", TaskKind.Regression)],
            withLabels: true, "test data", keepHostFeatures);
        Assert.AreEqual(kept.Length, data.Count);
        CollectionAssert.AreEqual(new long[] { kept.Length, 3 }, data.Features.shape);
        CollectionAssert.AreEqual(kept.SelectMany(r => r.Features).ToArray(), data.Features.data<float>().ToArray());
        CollectionAssert.AreEqual(kept.Select(r => r.Target).ToArray(), data.Labels[0].data<float>().ToArray());
    }
}
