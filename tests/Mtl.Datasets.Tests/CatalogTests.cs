using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class CatalogTests
{
    /// <summary>What <c>Mtl.SeedPolicy.ContextSeed(new MLContext(seed: 5))</c> gave when this test was written.</summary>
    private const int PinnedSeedOfContext5 = 1432114186;

    private static List<(uint Left, uint Right)> Labels(IDataView view)
    {
        var labels = new List<(uint, uint)>();
        var left = view.Schema["Left"];
        var right = view.Schema["Right"];
        using var cursor = view.GetRowCursor([left, right]);
        var getLeft = cursor.GetGetter<uint>(left);
        var getRight = cursor.GetGetter<uint>(right);
        uint l = 0, r = 0;
        while (cursor.MoveNext())
        {
            getLeft(ref l);
            getRight(ref r);
            labels.Add((l, r));
        }
        return labels;
    }

    [TestMethod]
    public void ContextSeedMakesLoadsReproducible()
    {
        var first = Labels(new MLContext(seed: 1).Data.LoadMultiMnist(DatasetSplit.Test));
        var again = Labels(new MLContext(seed: 1).Data.LoadMultiMnist(DatasetSplit.Test));
        var other = Labels(new MLContext(seed: 2).Data.LoadMultiMnist(DatasetSplit.Test));
        // An explicit seed wins over the context's: the same pairs whatever the context's seed.
        var explicitSeed = Labels(new MLContext(seed: 2).Data.LoadMultiMnist(DatasetSplit.Test, seed: 1));
        var explicitSeedOtherContext = Labels(new MLContext(seed: 3).Data.LoadMultiMnist(DatasetSplit.Test, seed: 1));
        var builder = Labels(MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 1).AsDataView());

        // Within one context too, whatever else has drawn from its random state in between.
        var context = new MLContext(seed: 1);
        var inContext = Labels(context.Data.LoadMultiMnist(DatasetSplit.Test));
        _ = Labels(context.Data.ShuffleRows(context.Data.LoadMultiMnist(DatasetSplit.Validation)));
        var inContextAgain = Labels(context.Data.LoadMultiMnist(DatasetSplit.Test));

        CollectionAssert.AreEqual(first, again);
        CollectionAssert.AreEqual(first, inContext);
        CollectionAssert.AreEqual(first, inContextAgain);
        CollectionAssert.AreNotEqual(first, other);
        CollectionAssert.AreEqual(builder, explicitSeed);
        CollectionAssert.AreEqual(builder, explicitSeedOtherContext);
        // Left labels follow the split's images, so only the right (partner) labels change with the seed.
        CollectionAssert.AreEqual(first.Select(p => p.Left).ToArray(), other.Select(p => p.Left).ToArray());
    }

    [TestMethod]
    public void ContextWithoutASeedGivesRepeatablePairsAsTrainTestSplitDoes()
    {
        var context = new MLContext();
        var first = Labels(context.Data.LoadMultiMnist(DatasetSplit.Test));
        var second = Labels(new MLContext().Data.LoadMultiMnist(DatasetSplit.Test));
        var seeded = Labels(new MLContext(seed: 1).Data.LoadMultiMnist(DatasetSplit.Test));

        // ML.NET's TrainTestSplit splits the same way in every unseeded context, and the loads follow it.
        CollectionAssert.AreEqual(first, second);
        CollectionAssert.AreNotEqual(first, seeded);
        var split = context.Data.TrainTestSplit(context.Data.LoadMultiMnist(DatasetSplit.Test), testFraction: 0.5);
        var splitAgain = new MLContext().Data.TrainTestSplit(new MLContext().Data.LoadMultiMnist(DatasetSplit.Test), testFraction: 0.5);
        CollectionAssert.AreEqual(Labels(split.TestSet), Labels(splitAgain.TestSet));
    }

    [TestMethod]
    public void ContextSeedIsTheSameInAnotherProcess()
    {
        // The seed a catalog derives from MLContext(seed: 5) is a fixed function of 5: pinned here so that a
        // change (in this library or in ML.NET's TrainTestSplit) that would change users' pairs is noticed.
        var labels = Labels(new MLContext(seed: 5).Data.LoadMultiMnist(DatasetSplit.Test));
        var explicitSeed = Labels(new MLContext().Data.LoadMultiMnist(DatasetSplit.Test, seed: Mtl.SeedPolicy.ContextSeed(new MLContext(seed: 5))));

        CollectionAssert.AreEqual(explicitSeed, labels);
        Assert.AreEqual(PinnedSeedOfContext5, Mtl.SeedPolicy.ContextSeed(new MLContext(seed: 5)));
    }

    [TestMethod]
    public void TrainTestSplitOfAMultiSetIsDisjointAndComplete()
    {
        var context = new MLContext(seed: 3);
        var view = context.Data.TakeRows(context.Data.LoadMultiFashionMnist(DatasetSplit.Test), 2000);

        var split = context.Data.TrainTestSplit(view, testFraction: 0.25);

        var trainIds = RowIds(split.TrainSet);
        var testIds = RowIds(split.TestSet);
        Assert.AreEqual(0, trainIds.Intersect(testIds).Count());
        Assert.AreEqual(2000, trainIds.Count + testIds.Count);
        Assert.IsTrue(testIds.Count is > 400 and < 600, $"{testIds.Count} test rows of 2000 at fraction 0.25");
    }

    [TestMethod]
    public void SyntheticRegressionLoadsThroughTheCatalog()
    {
        var view = new MLContext().Data.LoadSyntheticMultiTaskRegression(new() { RowCount = 64, FeatureCount = 3, TaskCount = 2, Seed = 1 });

        Assert.AreEqual(64L, view.GetRowCount());
        CollectionAssert.AreEqual(new[] { "Features", "Task0", "Task1" }, view.Schema.Select(c => c.Name).ToArray());
    }

    private static HashSet<ulong> RowIds(IDataView view)
    {
        var ids = new HashSet<ulong>();
        using var cursor = view.GetRowCursor([]);
        var getter = cursor.GetIdGetter();
        var id = default(DataViewRowId);
        while (cursor.MoveNext())
        {
            getter(ref id);
            Assert.IsTrue(ids.Add(id.Low), $"row {id.Low} seen twice");
        }
        return ids;
    }

    public sealed class MultiRow
    {
        [VectorType(1, 28, 28)]
        public float[] Image { get; set; } = [];

        [KeyType(10)]
        public uint Left { get; set; }

        [KeyType(10)]
        public uint Right { get; set; }
    }

    [TestMethod]
    public void CreateEnumerableReadsImagesAndKeys()
    {
        var context = new MLContext(seed: 4);
        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 4);
        var expected = new float[784];

        var rows = context.Data.CreateEnumerable<MultiRow>(context.Data.TakeRows(set.AsDataView(), 5), reuseRowObject: false).ToList();

        Assert.HasCount(5, rows);
        for (int i = 0; i < rows.Count; i++)
        {
            set.WriteImage(i, expected);
            CollectionAssert.AreEqual(expected, rows[i].Image);
            Assert.AreEqual((uint)set.GetLeftLabel(i) + 1, rows[i].Left);
            Assert.AreEqual((uint)set.GetRightLabel(i) + 1, rows[i].Right);
        }
    }
}
