using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.ML.Tests;

[TestClass]
public sealed class DataOperationsTests
{
    private static int[] Ids(IDataView data) => TestUtil.Column<int>(data, "Id");

    [TestMethod]
    public void TrainTestSplitIsDisjointCompleteAndReproducible()
    {
        var ctx = new MLContext(3);
        var data = ctx.Data.LoadFromEnumerable(TestUtil.Examples(1000));
        var split = ctx.Data.TrainTestSplit(data, testFraction: 0.2, seed: 42);
        var train = Ids(split.TrainSet);
        var test = Ids(split.TestSet);

        Assert.AreEqual(0, train.Intersect(test).Count());
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToArray(), train.Concat(test).ToArray());
        Assert.IsTrue(test.Length is > 150 and < 250, $"test size {test.Length} is far from 20% of 1000");

        var again = new MLContext(99).Data.TrainTestSplit(data, testFraction: 0.2, seed: 42);
        CollectionAssert.AreEqual(test, Ids(again.TestSet));
        var other = ctx.Data.TrainTestSplit(data, testFraction: 0.2, seed: 43);
        CollectionAssert.AreNotEqual(test, Ids(other.TestSet));
    }

    [TestMethod]
    public void TrainTestSplitWithoutSeedFollowsTheContextSeed()
    {
        var data = new MLContext(0).Data.LoadFromEnumerable(TestUtil.Examples(300));
        var a = Ids(new MLContext(5).Data.TrainTestSplit(data).TestSet);
        var b = Ids(new MLContext(5).Data.TrainTestSplit(data).TestSet);
        CollectionAssert.AreEqual(a, b);
    }

    [TestMethod]
    public void SamplingKeyKeepsGroupsTogether()
    {
        var ctx = new MLContext(3);
        var data = ctx.Data.LoadFromEnumerable(TestUtil.Examples(400));
        var split = ctx.Data.TrainTestSplit(data, 0.5, samplingKeyColumnName: "Category", seed: 7);
        var trainCats = TestUtil.Column<ReadOnlyMemory<char>>(split.TrainSet, "Category").Select(c => c.ToString()).ToHashSet();
        var testCats = TestUtil.Column<ReadOnlyMemory<char>>(split.TestSet, "Category").Select(c => c.ToString()).ToHashSet();
        Assert.AreEqual(0, trainCats.Intersect(testCats).Count());
        Assert.AreEqual(3, trainCats.Count + testCats.Count);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.Data.TrainTestSplit(data, 0.5, samplingKeyColumnName: "Nope"));
        StringAssert.Contains(e.Message, "'Nope'");
    }

    [TestMethod]
    public void ShuffleRowsIsAReproduciblePermutation()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(TestUtil.Examples(200));
        var a = Ids(ctx.Data.ShuffleRows(data, seed: 5));
        var b = Ids(ctx.Data.ShuffleRows(data, seed: 5));
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 200).ToArray(), a);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 200).ToArray(), a);
        // Without an explicit seed the context's seed decides.
        CollectionAssert.AreEqual(Ids(new MLContext(8).Data.ShuffleRows(data)), Ids(new MLContext(8).Data.ShuffleRows(data)));
    }

    [TestMethod]
    public void ShuffleOfAStreamingSourceUsesThePoolAndLosesNothing()
    {
        var ctx = new MLContext(1);
        var streaming = ctx.Data.LoadFromEnumerable(TestUtil.Examples(500).Select(x => x));
        Assert.IsFalse(streaming.CanShuffle);
        var shuffled = ctx.Data.ShuffleRows(streaming, seed: 9, shufflePoolSize: 50);
        var ids = Ids(shuffled);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 500).ToArray(), ids);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 500).ToArray(), ids);
        CollectionAssert.AreEqual(ids, Ids(shuffled));
        // Vectors travel with their row through the pool.
        var features = TestUtil.Vectors(shuffled, "Features");
        for (int i = 0; i < ids.Length; i++) Assert.AreEqual(2f * ids[i], features[i][1]);
    }

    [TestMethod]
    public void TakeSkipAndFilterSelectTheExpectedRows()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(TestUtil.Examples(20));
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, Ids(ctx.Data.TakeRows(data, 3)));
        CollectionAssert.AreEqual(new[] { 17, 18, 19 }, Ids(ctx.Data.SkipRows(data, 17)));
        Assert.AreEqual(3L, ctx.Data.TakeRows(data, 3).GetRowCount());
        Assert.AreEqual(0, Ids(ctx.Data.SkipRows(data, 50)).Length);
        CollectionAssert.AreEqual(new[] { 5, 6, 7 }, Ids(ctx.Data.FilterRowsByColumn(data, "Id", 5, 8)));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.Data.FilterRowsByColumn(data, "Category", 0, 1));
        StringAssert.Contains(e.Message, "'Category'");
    }

    [TestMethod]
    public void CacheReadsTheSourceOncePerColumnAndShuffles()
    {
        var ctx = new MLContext(1);
        var source = new CountingDataView(50);
        var cached = ctx.Data.Cache(source);
        Assert.AreEqual(50, TestUtil.Column<float>(cached, "X").Length);
        long computed = source.ValuesComputed;
        Assert.AreEqual(50L, computed);
        TestUtil.Column<float>(cached, "X");
        Assert.AreEqual(computed, source.ValuesComputed, "a cached column must not be recomputed");
        Assert.IsTrue(cached.CanShuffle);
        using var cursor = cached.GetRowCursor(cached.Schema, new Random(3));
        var g = cursor.GetGetter<float>(cached.Schema["X"]);
        var seen = new List<float>();
        while (cursor.MoveNext()) { float v = 0; g(ref v); seen.Add(v); }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).Select(i => (float)i).ToArray(), seen);
        Assert.AreEqual(100L, source.ValuesComputed, "Y is computed once, when first needed");
    }
}
