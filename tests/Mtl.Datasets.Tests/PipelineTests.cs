using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Datasets.Tests;

/// <summary>The views in real ML.NET pipelines: the catalog's operations, key transforms, evaluators, image transforms.</summary>
[TestClass]
public sealed class PipelineTests
{
    private static (MultiImageSet Set, IDataView View) MultiMnist() 
    {
        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 6);
        return (set, set.AsDataView());
    }

    [TestMethod]
    public void MapKeyToValueGivesTheClassNames()
    {
        var (set, view) = MultiMnist();
        var context = new MLContext(seed: 1);

        var mapped = context.Transforms.Conversion.MapKeyToValue("LeftName", MultiTaskDatasets.LeftColumnName).Fit(view).Transform(view);

        Assert.AreEqual(TextDataViewType.Instance, mapped.Schema["LeftName"].Type);
        var column = mapped.Schema["LeftName"];
        using var cursor = mapped.GetRowCursor([column]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        var name = default(ReadOnlyMemory<char>);
        int row = 0;
        while (cursor.MoveNext())
        {
            getter(ref name);
            Assert.AreEqual(set.Left.ClassNames[set.GetLeftLabel(row)], name.ToString(), $"row {row}");
            row++;
        }
        Assert.AreEqual(set.Count, row);
    }

    [TestMethod]
    public void MulticlassEvaluatorReadsTheKeyColumns()
    {
        var (set, view) = MultiMnist();
        var context = new MLContext(seed: 1);
        // Predict Left with the Right labels: one-hot scores of Right, PredictedLabel = Right (same key type).
        var scored = context.Transforms.Conversion.MapKeyToVector("Score", MultiTaskDatasets.RightColumnName)
            .Append(context.Transforms.CopyColumns("PredictedLabel", MultiTaskDatasets.RightColumnName))
            .Fit(view).Transform(view);

        var metrics = context.MulticlassClassification.Evaluate(scored, MultiTaskDatasets.LeftColumnName, "Score", predictedLabelColumnName: "PredictedLabel");

        double agree = Enumerable.Range(0, set.Count).Count(row => set.GetLeftLabel(row) == set.GetRightLabel(row)) / (double)set.Count;
        Assert.AreEqual(agree, metrics.MicroAccuracy, 1e-12);
        Assert.AreEqual(10, metrics.ConfusionMatrix.NumberOfClasses);
        Assert.IsLessThan(0.2, metrics.MicroAccuracy, "random partners agree with the left digit about one time in ten");
    }

    [TestMethod]
    public void ShuffleRowsKeepsEveryRowAndChangesTheOrder()
    {
        var (_, view) = MultiMnist();
        var context = new MLContext(seed: 2);

        var shuffled = context.Data.ShuffleRows(view, seed: 9);

        var before = ColumnValues.Read<uint>(view, MultiTaskDatasets.RightColumnName);
        var after = ColumnValues.Read<uint>(shuffled, MultiTaskDatasets.RightColumnName);
        CollectionAssert.AreEquivalent(before, after);
        CollectionAssert.AreNotEqual(before, after);
        CollectionAssert.AreEqual(after, ColumnValues.Read<uint>(context.Data.ShuffleRows(view, seed: 9), MultiTaskDatasets.RightColumnName));
    }

    [TestMethod]
    public void CacheServesTheSameValuesAsTheView()
    {
        var (set, view) = MultiMnist();
        var context = new MLContext(seed: 2);

        var cached = context.Data.Cache(view);

        CollectionAssert.AreEqual(ColumnValues.Read<uint>(view, MultiTaskDatasets.LeftColumnName), ColumnValues.Read<uint>(cached, MultiTaskDatasets.LeftColumnName));
        var rows = context.Data.CreateEnumerable<CatalogTests.MultiRow>(cached, reuseRowObject: false).ToList();
        var expected = new float[784];
        Assert.HasCount(set.Count, rows);
        foreach (int row in new[] { 0, 17, set.Count - 1 })
        {
            set.WriteImage(row, expected);
            CollectionAssert.AreEqual(expected, rows[row].Image);
            Assert.AreEqual((uint)set.GetRightLabel(row) + 1, rows[row].Right);
        }
    }

    [TestMethod]
    public void PreviewShowsTheColumnsAndValues()
    {
        var (set, view) = MultiMnist();

        var preview = view.Preview(maxRows: 4);

        Assert.HasCount(4, preview.RowView);
        CollectionAssert.AreEqual(new[] { "Image", "Left", "Right" }, preview.ColumnView.Select(c => c.Column.Name).ToArray());
        for (int row = 0; row < 4; row++)
        {
            var values = preview.RowView[row].Values.ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.AreEqual((uint)set.GetLeftLabel(row) + 1, (uint)values["Left"]);
            Assert.AreEqual((uint)set.GetRightLabel(row) + 1, (uint)values["Right"]);
        }
    }

    [TestMethod]
    public void ExtractPixelsOfTheImageObjectGivesTheBytes()
    {
        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 6);
        var view = set.AsDataView(includeImageObject: true);
        var context = new MLContext(seed: 1);

        var pixels = context.Transforms.ExtractPixels("Pixels", MultiTaskDatasets.ImageObjectColumnName,
                Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator.ColorBits.Red)
            .Fit(view).Transform(view);

        var column = pixels.Schema["Pixels"];
        var expected = new byte[784];
        using var cursor = pixels.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        for (int row = 0; row < 3 && cursor.MoveNext(); row++)
        {
            getter(ref value);
            set.WriteImageBytes(row, expected);
            CollectionAssert.AreEqual(expected.Select(b => (float)b).ToArray(), value.DenseValues().ToArray(), $"row {row}");
        }
    }
}
