using Mtl.Datasets.DataViews;
using Mtl.Datasets.Idx;

namespace Mtl.Datasets.Tests;

/// <summary>
/// Bad input to the dataset types fails with an exception that names what is wrong and where: damaged IDX headers,
/// inconsistent image sets, wrong buffer sizes, out-of-range rows and generator options.
/// </summary>
[TestClass]
public sealed class InputErrorTests
{
    private static LabeledImageSet Images(int count, int classes, int size = 28) =>
        new(size, size, new byte[count * size * size], Enumerable.Range(0, count).Select(i => (byte)(i % classes)).ToArray(),
            Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray(), "test images");

    [TestMethod]
    public void AnImageFileReadAsLabelsSaysItHasTooManyDimensions()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("images-as-labels", TempFolder.Idx([2, 2, 2], new byte[8]));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "has 3 dimensions [2, 2, 2]");
        StringAssert.Contains(e.Message, "Is this an image file?");
    }

    [TestMethod]
    [DataRow((byte)0)]
    [DataRow((byte)17)]
    public void AHeaderDeclaringNoneOrTooManyDimensionsIsReported(byte dimensionCount)
    {
        using var temp = new TempFolder();
        var bytes = TempFolder.Idx([1], [7]);
        bytes[3] = dimensionCount;
        var path = temp.WriteBytes("dimensions", bytes);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, $"declares {dimensionCount} dimensions");
        StringAssert.Contains(e.Message, "expected 1 to");
    }

    [TestMethod]
    public void ANegativeDimensionSizeIsReportedAsADamagedHeader()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("negative", TempFolder.Idx([-1, 2], []));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "dimension 0 has a negative size -1");
        StringAssert.Contains(e.Message, "header is damaged");
    }

    [TestMethod]
    public void DimensionsBeyondTheLargestArrayAreReportedBeforeAnyAllocation()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("huge", TempFolder.Idx([int.MaxValue, int.MaxValue], []));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "exceed the largest supported array");
    }

    [TestMethod]
    public void DamagedGzipDataIsReportedNamingTheFile()
    {
        using var temp = new TempFolder();
        var gzip = TempFolder.Gzip(TempFolder.Idx([4, 4], new byte[16]));
        for (int i = 10; i < gzip.Length - 8; i++)
            gzip[i] = 0xFF; // the deflate stream is garbage; the gzip header still says gzip
        var path = temp.WriteBytes("damaged.gz", gzip);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "could not be decompressed");
        StringAssert.Contains(e.Message, "damaged or truncated");
    }

    [TestMethod]
    public void AnIdxArrayChecksItsDimensionsAgainstItsData()
    {
        var negative = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new IdxArray([2, -3], []));
        StringAssert.Contains(negative.Message, "non-negative; got -3");
        var mismatch = Assert.ThrowsExactly<ArgumentException>(() => new IdxArray([2, 3], new byte[5]));
        StringAssert.Contains(mismatch.Message, "holds 5 values but the dimensions [2, 3] need 6");
        Assert.AreEqual("data", mismatch.ParamName);
    }

    [TestMethod]
    public void ALabeledImageSetRejectsInconsistentInput()
    {
        var noClasses = Assert.ThrowsExactly<ArgumentException>(() => new LabeledImageSet(2, 2, new byte[4], [0], [], "src"));
        StringAssert.Contains(noClasses.Message, "Between 1 and 256 class names");
        var counts = Assert.ThrowsExactly<InvalidDataException>(() => new LabeledImageSet(2, 2, new byte[12], [0, 0], ["a"], "my-source"));
        StringAssert.Contains(counts.Message, "my-source: 2 label(s) but 12 pixel bytes");
        StringAssert.Contains(counts.Message, "image and label counts must match");
        var label = Assert.ThrowsExactly<InvalidDataException>(() => new LabeledImageSet(2, 2, new byte[8], [0, 3], ["a", "b"], "my-source"));
        StringAssert.Contains(label.Message, "label 3 of image 1 is out of range; expected 0..1");
    }

    [TestMethod]
    public void ALabeledImageSetNamesBadIndicesRangesAndBufferSizes()
    {
        var set = Images(3, 2);
        var index = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => set.GetLabel(3));
        StringAssert.Contains(index.Message, "Image index 3 is outside 0..2 of test images");
        var range = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => set.Slice(2, 2, "tail"));
        StringAssert.Contains(range.Message, "Range [2, 2+2) is outside the 3 images of test images");
        var buffer = Assert.ThrowsExactly<ArgumentException>(() => set.CopyImage(0, new float[10], ImageNormalization.None));
        StringAssert.Contains(buffer.Message, "Expected 784 values, got 10");
    }

    [TestMethod]
    public void TheFashionAttributeSetNeedsTenClassesAndARightSizedBuffer()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new FashionAttributeSet(Images(4, 3), ImageNormalization.None));
        StringAssert.Contains(e.Message, "test images has 3 classes");
        StringAssert.Contains(e.Message, "needs the 10 Fashion-MNIST classes");

        var set = new FashionAttributeSet(Images(10, 10), ImageNormalization.None);
        var buffer = Assert.ThrowsExactly<ArgumentException>(() => set.WriteImage(0, new float[783]));
        StringAssert.Contains(buffer.Message, "Expected 784 values, got 783");
    }

    [TestMethod]
    public void AMultiImageSetNamesABadRowAndABadBuffer()
    {
        var images = Images(4, 2);
        var set = new MultiImageSet("Pairs/Test", images, images, seed: 1, ImageNormalization.None);
        var row = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => set.GetLeftLabel(4));
        StringAssert.Contains(row.Message, "Row 4 is outside 0..3 of Pairs/Test");
        var buffer = Assert.ThrowsExactly<ArgumentException>(() => set.WriteImage(0, new float[28]));
        StringAssert.Contains(buffer.Message, "got 28");
    }

    [TestMethod]
    public void TheSyntheticGeneratorNamesTheOptionOutOfRange()
    {
        static string Fails(Action<SyntheticMultiTaskRegression.Options> change)
        {
            var options = new SyntheticMultiTaskRegression.Options();
            change(options);
            return Assert.ThrowsExactly<ArgumentException>(() => new SyntheticMultiTaskRegression(options)).Message;
        }
        StringAssert.Contains(Fails(o => o.RowCount = -1), "RowCount must be non-negative; got -1");
        StringAssert.Contains(Fails(o => o.FeatureCount = 0), "FeatureCount must be at least 1; got 0");
        StringAssert.Contains(Fails(o => o.TaskCount = 0), "TaskCount must be at least 1; got 0");
        StringAssert.Contains(Fails(o => o.Nonlinearity = 1.5), "Nonlinearity must be in [0, 1]; got 1.5");
    }

    [TestMethod]
    public void TheSyntheticGeneratorNamesABadTaskRowOrBuffer()
    {
        var generator = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options { RowCount = 5, FeatureCount = 3, TaskCount = 2 });
        var task = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.GetTaskWeights(2));
        StringAssert.Contains(task.Message, "Task 2 is outside 0..1");
        var row = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => generator.WriteRow(5, new float[3], new float[2]));
        StringAssert.Contains(row.Message, "Row 5 is outside 0..4");
        var buffer = Assert.ThrowsExactly<ArgumentException>(() => generator.WriteRow(0, new float[4], new float[2]));
        StringAssert.Contains(buffer.Message, "Expected 3 features and 2 targets; got 4 and 2");
    }

    [TestMethod]
    public void ALazyViewRejectsDuplicateColumnNamesAndTooManyRows()
    {
        var duplicate = Assert.ThrowsExactly<ArgumentException>(() =>
            new LazyDataView(2, [LazyColumn.Single("X", _ => 0f), LazyColumn.Single("X", _ => 1f)]));
        StringAssert.Contains(duplicate.Message, "Column name 'X' appears 2 times");

        var view = new LazyDataView(() => (long)int.MaxValue + 1, [LazyColumn.Single("X", _ => 0f)]);
        var rows = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => view.GetRowCount());
        StringAssert.Contains(rows.Message, $"At most {int.MaxValue} rows are supported");
    }
}
