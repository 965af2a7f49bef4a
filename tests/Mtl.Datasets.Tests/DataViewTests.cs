using Mtl.Datasets.DataViews;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class DataViewTests
{
    private static string[] KeyValues(DataViewSchema.Column column)
    {
        var values = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v.ToString()).ToArray();
    }

    [TestMethod]
    public void MultiFashionSchemaHasImageAndTwoKeyColumnsWithClassNames()
    {
        var view = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView();

        Assert.AreEqual(3, view.Schema.Count);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), view.Schema["Image"].Type);
        foreach (var name in new[] { "Left", "Right" })
        {
            var column = view.Schema[name];
            Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), column.Type);
            Assert.IsTrue(column.HasKeyValues(TextDataViewType.Instance));
            CollectionAssert.AreEqual(FashionMnist.ClassNames.ToArray(), KeyValues(column));
        }
        Assert.AreEqual(10_000L, view.GetRowCount());
    }

    [TestMethod]
    public void CursorValuesMatchTheBuilderWithOneBasedKeys()
    {
        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Validation, seed: 2);
        var view = set.AsDataView();
        var expected = new float[784];
        using var cursor = view.GetRowCursor(view.Schema);
        var image = cursor.GetGetter<VBuffer<float>>(view.Schema["Image"]);
        var left = cursor.GetGetter<uint>(view.Schema["Left"]);
        var right = cursor.GetGetter<uint>(view.Schema["Right"]);
        var value = default(VBuffer<float>);
        uint l = 0, r = 0;
        int rows = 0;
        while (cursor.MoveNext())
        {
            int row = (int)cursor.Position;
            left(ref l);
            right(ref r);
            Assert.AreEqual((uint)set.GetLeftLabel(row) + 1, l);
            Assert.AreEqual((uint)set.GetRightLabel(row) + 1, r);
            Assert.IsTrue(l is >= 1 and <= 10 && r is >= 1 and <= 10);
            if (row % 100 == 0)
            {
                image(ref value);
                set.WriteImage(row, expected);
                Assert.AreEqual(784, value.Length);
                CollectionAssert.AreEqual(expected, value.DenseValues().ToArray());
            }
            rows++;
        }
        Assert.AreEqual(1000, rows);
    }

    [TestMethod]
    public void OnlyRequestedColumnsAreComputed()
    {
        int computed = 0;
        var view = new LazyDataView(1_000_000,
        [
            LazyColumn.Vector("Expensive", [4], (row, values) => { computed++; values.Fill((float)row); }),
            LazyColumn.Single("Cheap", row => row),
        ]);
        var cheap = view.Schema["Cheap"];

        using var cursor = view.GetRowCursor([cheap]);
        var getter = cursor.GetGetter<float>(cheap);
        float value = 0;
        for (int i = 0; i < 3 && cursor.MoveNext(); i++)
            getter(ref value);

        Assert.AreEqual(2f, value);
        Assert.AreEqual(0, computed);
        Assert.IsFalse(cursor.IsColumnActive(view.Schema["Expensive"]));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(view.Schema["Expensive"]));
        StringAssert.Contains(e.Message, "Expensive");
    }

    [TestMethod]
    public void ReadingAsTheWrongTypeNamesTheColumn()
    {
        var view = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 1).AsDataView();
        using var cursor = view.GetRowCursor(view.Schema);

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(view.Schema["Left"]));

        StringAssert.Contains(e.Message, "Left");
    }

    [TestMethod]
    public void GetterBeforeMoveNextFails()
    {
        var view = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 1).AsDataView();
        using var cursor = view.GetRowCursor(view.Schema);
        var left = cursor.GetGetter<uint>(view.Schema["Left"]);
        uint value = 0;

        Assert.AreEqual(-1L, cursor.Position);
        Assert.ThrowsExactly<InvalidOperationException>(() => left(ref value));
    }

    [TestMethod]
    public void ShuffledCursorVisitsEveryRowOnceInAnotherOrder()
    {
        var view = new LazyDataView(500, [LazyColumn.Single("Row", row => row)]);
        var column = view.Schema["Row"];

        var seen = new List<int>();
        using (var cursor = view.GetRowCursor([column], new Random(4)))
        {
            var getter = cursor.GetGetter<float>(column);
            float value = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                seen.Add((int)value);
            }
        }

        CollectionAssert.AreEquivalent(Enumerable.Range(0, 500).ToArray(), seen);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 500).ToArray(), seen);
    }

    [TestMethod]
    public void CursorSetCoversEveryRowOnce()
    {
        var view = new LazyDataView(103, [LazyColumn.Single("Row", row => row)]);
        var column = view.Schema["Row"];

        var cursors = view.GetRowCursorSet([column], 4);
        var seen = new List<int>();
        foreach (var cursor in cursors)
        {
            using (cursor)
            {
                var id = cursor.GetIdGetter();
                var rowId = default(DataViewRowId);
                while (cursor.MoveNext())
                {
                    id(ref rowId);
                    seen.Add((int)rowId.Low);
                }
            }
        }

        Assert.HasCount(4, cursors);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 103).ToArray(), seen);
    }

    [TestMethod]
    public void AttributeSetHasThreeConsistentKeyColumns()
    {
        var set = MultiTaskDatasets.CreateFashionAttributes(DatasetSplit.Test);
        var view = set.AsDataView();

        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), view.Schema["Class"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 5), view.Schema["Coarse"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 2), view.Schema["UpperBody"].Type);
        CollectionAssert.AreEqual(new[] { "Top", "Bottom", "Dress", "Footwear", "Bag" }, KeyValues(view.Schema["Coarse"]));
        CollectionAssert.AreEqual(new[] { "No", "Yes" }, KeyValues(view.Schema["UpperBody"]));

        using var cursor = view.GetRowCursor([view.Schema["Class"], view.Schema["Coarse"], view.Schema["UpperBody"]]);
        var classGetter = cursor.GetGetter<uint>(view.Schema["Class"]);
        var coarseGetter = cursor.GetGetter<uint>(view.Schema["Coarse"]);
        var upperGetter = cursor.GetGetter<uint>(view.Schema["UpperBody"]);
        var coarseCounts = new int[5];
        uint c = 0, k = 0, u = 0;
        while (cursor.MoveNext())
        {
            classGetter(ref c);
            coarseGetter(ref k);
            upperGetter(ref u);
            Assert.AreEqual((uint)FashionAttributeSet.CoarseOf((int)c - 1) + 1, k);
            Assert.AreEqual((uint)FashionAttributeSet.UpperBodyOf((int)c - 1) + 1, u);
            coarseCounts[k - 1]++;
        }
        // 1,000 test images per class: 4 top classes, 1 bottom, 1 dress, 3 footwear, 1 bag.
        CollectionAssert.AreEqual(new[] { 4000, 1000, 1000, 3000, 1000 }, coarseCounts);
    }

    [TestMethod]
    public void AttributeMappingsFollowTheDocumentedGroups()
    {
        var coarse = Enumerable.Range(0, 10).Select(c => FashionAttributeSet.CoarseNames[FashionAttributeSet.CoarseOf(c)]).ToArray();
        CollectionAssert.AreEqual(
            new[] { "Top", "Bottom", "Top", "Dress", "Top", "Footwear", "Top", "Footwear", "Bag", "Footwear" }, coarse);
        var upper = Enumerable.Range(0, 10).Where(c => FashionAttributeSet.UpperBodyOf(c) == 1).Select(c => FashionMnist.ClassNames[c]).ToArray();
        CollectionAssert.AreEqual(new[] { "T-shirt/top", "Pullover", "Dress", "Coat", "Shirt" }, upper);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FashionAttributeSet.CoarseOf(10));
    }
}
