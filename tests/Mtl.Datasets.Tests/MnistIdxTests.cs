namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class MnistIdxTests
{
    /// <summary>A folder with MNIST-named IDX files: a 3-image t10k pair and a 4-image training pair.</summary>
    private static void WriteFolder(TempFolder temp)
    {
        temp.WriteBytes("t10k-images-idx3-ubyte.gz", TempFolder.Gzip(TempFolder.Idx([3, 28, 28], Enumerable.Range(0, 3 * 784).Select(i => (byte)(i / 784 * 50)).ToArray())));
        temp.WriteBytes("t10k-labels-idx1-ubyte.gz", TempFolder.Gzip(TempFolder.Idx([3], [7, 2, 1])));
        temp.WriteBytes("train-images-idx3-ubyte", TempFolder.Idx([4, 28, 28], new byte[4 * 784]));
        temp.WriteBytes("train-labels-idx1-ubyte", TempFolder.Idx([4], [5, 0, 4, 1]));
    }

    [TestMethod]
    public void LoadsTheTestFileWithDigitNames()
    {
        using var temp = new TempFolder();
        WriteFolder(temp);

        var test = MnistIdx.Load(DatasetSplit.Test, temp.Path);

        Assert.IsTrue(MnistIdx.ContainsFiles(temp.Path));
        Assert.AreEqual(3, test.Count);
        CollectionAssert.AreEqual(new byte[] { 7, 2, 1 }, test.Labels.ToArray());
        Assert.AreEqual(100, test.GetImage(2)[0]);
        Assert.AreEqual("7", test.ClassNames[7]);
    }

    [TestMethod]
    public void TooSmallTrainingFileCannotBeSplit()
    {
        using var temp = new TempFolder();
        WriteFolder(temp);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MnistIdx.Load(DatasetSplit.Validation, temp.Path));

        StringAssert.Contains(e.Message, "holds 4 images; the train/validation split needs more than 50000");
    }

    [TestMethod]
    public void MissingFileExplainsHowToProvideIt()
    {
        using var temp = new TempFolder();
        temp.WriteBytes("train-images-idx3-ubyte", TempFolder.Idx([1, 28, 28], new byte[784]));

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => MnistIdx.Load(DatasetSplit.Test, temp.Path));

        StringAssert.Contains(e.Message, "t10k-images-idx3-ubyte");
        StringAssert.Contains(e.Message, MnistIdx.DirectoryEnvironmentVariable);
    }

    [TestMethod]
    public void MultiMnistUsesIdxFilesWhenTheFolderHoldsThem()
    {
        using var temp = new TempFolder();
        WriteFolder(temp);

        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 1, mnistDirectory: temp.Path);

        Assert.AreEqual(3, set.Count);
        Assert.AreEqual(7, set.GetLeftLabel(0));
        Assert.AreNotEqual(0, set.GetPartner(0));
    }

    [TestMethod]
    public void EnvironmentVariableSwitchesDefaultMnistLoadsToIdx()
    {
        using var temp = new TempFolder();
        WriteFolder(temp);
        var previous = Environment.GetEnvironmentVariable(MnistIdx.DirectoryEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(MnistIdx.DirectoryEnvironmentVariable, temp.Path);
            Assert.AreEqual(3, MultiTaskDatasets.LoadMnist(DatasetSplit.Test).Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MnistIdx.DirectoryEnvironmentVariable, previous);
        }
        if (previous is null)
            Assert.AreEqual(1000, MultiTaskDatasets.LoadMnist(DatasetSplit.Test).Count, "without the variable the npm digits are used");
    }
}
