using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Mtl.Datasets.Tests;

/// <summary>
/// The IDataView contract (dotnet/machinelearning docs/code/IDataViewImplementation.md) on the real views:
/// repeatable, shuffled with the cursor's Random, thread-safe, inactive getters throw, cursor bookkeeping.
/// </summary>
[TestClass]
public sealed class DataViewContractTests
{
    private static IDataView MultiMnistTest(bool includeImageObject = false) =>
        MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 11).AsDataView(includeImageObject);

    private static IEnumerable<object[]> Views()
    {
        yield return ["Multi-MNIST", MultiMnistTest()];
        yield return ["Fashion attributes", MultiTaskDatasets.CreateFashionAttributes(DatasetSplit.Test).AsDataView()];
        yield return ["synthetic regression", new SyntheticMultiTaskRegression(new() { RowCount = 300, FeatureCount = 5, TaskCount = 3, Seed = 4 }).AsDataView()];
    }

    /// <summary>Every row as text ("id: col=value; …"), in cursor order, reading every column.</summary>
    private static List<string> ReadAll(IDataView view, Random? rand = null, Action? afterEachRow = null)
    {
        var rows = new List<string>();
        using var cursor = view.GetRowCursor(view.Schema, rand);
        var readers = view.Schema.Select(c => ValueReader(cursor, c)).ToArray();
        var id = cursor.GetIdGetter();
        var rowId = default(DataViewRowId);
        while (cursor.MoveNext())
        {
            id(ref rowId);
            rows.Add($"{rowId.Low}: " + string.Join("; ", readers.Select((read, i) => $"{view.Schema[i].Name}={read()}")));
            afterEachRow?.Invoke();
        }
        return rows;
    }

    private static Func<string> ValueReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case VectorDataViewType:
            {
                var getter = cursor.GetGetter<VBuffer<float>>(column);
                var value = default(VBuffer<float>);
                return () => { getter(ref value); return string.Join(",", value.DenseValues().Select(v => v.ToString("R"))); };
            }
            case KeyDataViewType:
            {
                var getter = cursor.GetGetter<uint>(column);
                uint value = 0;
                return () => { getter(ref value); return value.ToString(); };
            }
            case NumberDataViewType:
            {
                var getter = cursor.GetGetter<float>(column);
                float value = 0;
                return () => { getter(ref value); return value.ToString("R"); };
            }
            case ImageDataViewType:
            {
                var getter = cursor.GetGetter<MLImage>(column);
                MLImage? value = null;
                return () =>
                {
                    getter(ref value!);
                    using var image = value;
                    return Convert.ToHexString(image.Pixels);
                };
            }
            default:
                throw new AssertFailedException($"The test cannot read column '{column.Name}' of type {column.Type}.");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Views))]
    public void TwoCursorsGiveTheSameRowsAndValues(string name, IDataView view)
    {
        var first = ReadAll(view);
        var second = ReadAll(view);

        Assert.AreEqual(view.GetRowCount(), (long?)first.Count, name);
        CollectionAssert.AreEqual(first, second, name);
    }

    [TestMethod]
    [DynamicData(nameof(Views))]
    public void ShufflingFollowsTheCursorsRandomAndKeepsEachRowsValues(string name, IDataView view)
    {
        var natural = ReadAll(view);
        var shuffled = ReadAll(view, new Random(21));
        var again = ReadAll(view, new Random(21));
        var other = ReadAll(view, new Random(22));

        Assert.IsTrue(view.CanShuffle);
        CollectionAssert.AreEqual(shuffled, again, $"{name}: the same Random seed must give the same order");
        CollectionAssert.AreNotEqual(shuffled, other, $"{name}: another Random seed must give another order");
        CollectionAssert.AreNotEqual(natural, shuffled, name);
        // A shuffle is a permutation: every row once, with the values (and id) it has in the natural order.
        CollectionAssert.AreEquivalent(natural, shuffled, name);
    }

    [TestMethod]
    public void ShuffledOrderIsThePermutationDrawnFromTheRandom()
    {
        var view = MultiMnistTest();
        var expected = Enumerable.Range(0, 1000).ToArray();
        new Random(3).Shuffle(expected);

        var visited = new List<int>();
        using (var cursor = view.GetRowCursor([], new Random(3)))
        {
            var id = cursor.GetIdGetter();
            var rowId = default(DataViewRowId);
            long position = -1;
            Assert.AreEqual(-1L, cursor.Position);
            while (cursor.MoveNext())
            {
                Assert.AreEqual(++position, cursor.Position, "Position counts rows in visit order");
                Assert.AreEqual(0L, cursor.Batch);
                id(ref rowId);
                visited.Add((int)rowId.Low);
            }
            Assert.AreEqual(-1L, cursor.Position, "after the end the cursor is on no row");
        }

        CollectionAssert.AreEqual(expected, visited);
    }

    [TestMethod]
    [DynamicData(nameof(Views))]
    public void CursorsOnTwoThreadsAtOnceGiveIdenticalValues(string name, IDataView view)
    {
        var expected = ReadAll(view);
        // Both threads wait for each other after every row, so their reads really interleave.
        using var barrier = new Barrier(2);
        var reads = Enumerable.Range(0, 2)
            .Select(_ => Task.Factory.StartNew(() => ReadAll(view, afterEachRow: () => barrier.SignalAndWait(TimeSpan.FromMinutes(1))),
                TaskCreationOptions.LongRunning))
            .ToArray();
        Task.WaitAll(reads);

        CollectionAssert.AreEqual(expected, reads[0].Result, name);
        CollectionAssert.AreEqual(expected, reads[1].Result, name);
    }

    [TestMethod]
    public void InactiveColumnsAreReportedAndTheirGettersThrow()
    {
        var view = MultiMnistTest(includeImageObject: true);
        var left = view.Schema[MultiTaskDatasets.LeftColumnName];
        using var cursor = view.GetRowCursor([left]);

        Assert.IsTrue(cursor.IsColumnActive(left));
        foreach (var name in new[] { MultiTaskDatasets.ImageColumnName, MultiTaskDatasets.RightColumnName, MultiTaskDatasets.ImageObjectColumnName })
        {
            var column = view.Schema[name];
            Assert.IsFalse(cursor.IsColumnActive(column), name);
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<uint>(column));
            StringAssert.Contains(e.Message, name);
            StringAssert.Contains(e.Message, "not active");
        }
    }

    [TestMethod]
    public void AColumnOfAnotherSchemaIsRejectedWithItsName()
    {
        var view = MultiMnistTest();
        var foreign = new SyntheticMultiTaskRegression(new() { RowCount = 3, Seed = 1 }).AsDataView().Schema["Task1"];

        var e = Assert.ThrowsExactly<ArgumentException>(() => view.GetRowCursor([foreign]));

        StringAssert.Contains(e.Message, "Task1");
        StringAssert.Contains(e.Message, "does not belong");
    }

    [TestMethod]
    public void ImageColumnIsADenseSingleVectorWithItsDimensions()
    {
        var type = (VectorDataViewType)MultiMnistTest().Schema[MultiTaskDatasets.ImageColumnName].Type;

        Assert.AreEqual(NumberDataViewType.Single, type.ItemType);
        CollectionAssert.AreEqual(new[] { 1, 28, 28 }, type.Dimensions.ToArray());
        Assert.AreEqual(784, type.Size);
        Assert.IsTrue(type.IsKnownSize);
    }

    [TestMethod]
    public void ImageObjectHoldsTheUnnormalisedPixelsAsGrayBgra()
    {
        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 11);
        var view = set.AsDataView(includeImageObject: true);
        var column = view.Schema[MultiTaskDatasets.ImageObjectColumnName];
        Assert.AreEqual(new ImageDataViewType(28, 28), column.Type);

        var expected = new byte[784];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<MLImage>(column);
        MLImage? image = null;
        for (int row = 0; row < 5 && cursor.MoveNext(); row++)
        {
            getter(ref image!);
            using (image)
            {
                set.WriteImageBytes(row, expected);
                Assert.AreEqual(28, image.Width);
                Assert.AreEqual(28, image.Height);
                Assert.AreEqual(MLPixelFormat.Bgra32, image.PixelFormat);
                var pixels = image.Pixels;
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.AreEqual(expected[i], pixels[4 * i], $"row {row} pixel {i} (blue)");
                    Assert.AreEqual(expected[i], pixels[4 * i + 1], $"row {row} pixel {i} (green)");
                    Assert.AreEqual(expected[i], pixels[4 * i + 2], $"row {row} pixel {i} (red)");
                    Assert.AreEqual((byte)255, pixels[4 * i + 3], $"row {row} pixel {i} (alpha)");
                }
            }
        }
    }

    [TestMethod]
    public void CursorSetPartsAreConsecutiveBatchesOfOneVisitOrder()
    {
        var view = MultiMnistTest();
        var single = new List<ulong>();
        using (var cursor = view.GetRowCursor([], new Random(8)))
        {
            var id = cursor.GetIdGetter();
            var rowId = default(DataViewRowId);
            while (cursor.MoveNext())
            {
                id(ref rowId);
                single.Add(rowId.Low);
            }
        }

        var combined = new List<ulong>();
        var cursors = view.GetRowCursorSet([], 3, new Random(8));
        Assert.HasCount(3, cursors);
        for (int batch = 0; batch < cursors.Length; batch++)
        {
            using var cursor = cursors[batch];
            var id = cursor.GetIdGetter();
            var rowId = default(DataViewRowId);
            while (cursor.MoveNext())
            {
                Assert.AreEqual((long)batch, cursor.Batch);
                Assert.AreEqual((long)combined.Count, cursor.Position, "positions continue across the set");
                id(ref rowId);
                combined.Add(rowId.Low);
            }
        }

        CollectionAssert.AreEqual(single, combined);
    }

    [TestMethod]
    public void DisposedCursorStopsAndItsGettersThrow()
    {
        var view = MultiMnistTest();
        var left = view.Schema[MultiTaskDatasets.LeftColumnName];
        var cursor = view.GetRowCursor([left]);
        var getter = cursor.GetGetter<uint>(left);
        Assert.IsTrue(cursor.MoveNext());

        cursor.Dispose();

        uint value = 0;
        Assert.IsFalse(cursor.MoveNext());
        Assert.ThrowsExactly<InvalidOperationException>(() => getter(ref value));
    }
}
