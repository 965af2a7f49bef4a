namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class FashionMnistTests
{
    [TestMethod]
    public void MissingFileNamesTheDebianPackageAndBootstrap()
    {
        using var temp = new TempFolder();

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => FashionMnist.Load(DatasetSplit.Test, temp.Path));

        StringAssert.Contains(e.Message, "t10k-images-idx3-ubyte");
        StringAssert.Contains(e.Message, "dataset-fashion-mnist");
        StringAssert.Contains(e.Message, "scripts/bootstrap.sh");
        StringAssert.Contains(e.Message, temp.Path);
    }

    [TestMethod]
    public void ImageAndLabelCountMismatchIsReported()
    {
        using var temp = new TempFolder();
        temp.WriteBytes("t10k-images-idx3-ubyte.gz", TempFolder.Gzip(TempFolder.Idx([3, 28, 28], new byte[3 * 784])));
        temp.WriteBytes("t10k-labels-idx1-ubyte", TempFolder.Idx([2], [1, 2]));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => FashionMnist.Load(DatasetSplit.Test, temp.Path));

        StringAssert.Contains(e.Message, "holds 3 images");
        StringAssert.Contains(e.Message, "holds 2 labels");
    }

    [TestMethod]
    public void WrongImageSizeIsReported()
    {
        using var temp = new TempFolder();
        temp.WriteBytes("t10k-images-idx3-ubyte", TempFolder.Idx([2, 3, 3], new byte[18]));
        temp.WriteBytes("t10k-labels-idx1-ubyte", TempFolder.Idx([2], [1, 2]));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => FashionMnist.Load(DatasetSplit.Test, temp.Path));

        StringAssert.Contains(e.Message, "3x3 images");
    }

    [TestMethod]
    public void LoadsAGivenFolderWithRawOrGzipFiles()
    {
        using var temp = new TempFolder();
        var pixels = Enumerable.Range(0, 2 * 784).Select(i => (byte)(i % 256)).ToArray();
        temp.WriteBytes("t10k-images-idx3-ubyte", TempFolder.Idx([2, 28, 28], pixels));
        temp.WriteBytes("t10k-labels-idx1-ubyte.gz", TempFolder.Gzip(TempFolder.Idx([2], [9, 4])));

        var set = FashionMnist.Load(DatasetSplit.Test, temp.Path);

        Assert.AreEqual(2, set.Count);
        Assert.AreEqual(9, set.GetLabel(0));
        Assert.AreEqual(4, set.GetLabel(1));
        Assert.AreEqual("Ankle boot", set.ClassNames[set.GetLabel(0)]);
        CollectionAssert.AreEqual(pixels[784..], set.GetImage(1).ToArray());
    }

    [TestMethod]
    public void InstalledTestSplitHasTenThousandBalancedImages()
    {
        var test = FashionMnist.Load(DatasetSplit.Test);

        Assert.AreEqual(10_000, test.Count);
        var perClass = new int[10];
        foreach (var label in test.Labels)
            perClass[label]++;
        CollectionAssert.AreEqual(Enumerable.Repeat(1000, 10).ToArray(), perClass);
    }

    [TestMethod]
    public void TrainAndValidationAreTheFirst50kAndLast10kOfTheTrainingFile()
    {
        var file = FashionMnist.LoadTrainingFile();
        var train = FashionMnist.Load(DatasetSplit.Train);
        var validation = FashionMnist.Load(DatasetSplit.Validation);

        Assert.AreEqual(60_000, file.Count);
        Assert.AreEqual(50_000, train.Count);
        Assert.AreEqual(10_000, validation.Count);
        foreach (int i in new[] { 0, 12_345, 49_999 })
        {
            Assert.IsTrue(file.GetImage(i).SequenceEqual(train.GetImage(i)));
            Assert.AreEqual(file.GetLabel(i), train.GetLabel(i));
        }
        foreach (int i in new[] { 0, 5_000, 9_999 })
        {
            Assert.IsTrue(file.GetImage(50_000 + i).SequenceEqual(validation.GetImage(i)));
            Assert.AreEqual(file.GetLabel(50_000 + i), validation.GetLabel(i));
        }
    }

    [TestMethod]
    public void PixelStatisticsMatchTheDocumentedNormalisation()
    {
        double sum = 0, squares = 0;
        var file = FashionMnist.LoadTrainingFile();
        for (int i = 0; i < file.Count; i++)
        {
            foreach (byte b in file.GetImage(i))
            {
                double v = b / 255.0;
                sum += v;
                squares += v * v;
            }
        }
        double n = (double)file.Count * file.PixelCount, mean = sum / n;
        Assert.AreEqual(FashionMnist.PixelMean, mean, 5e-5);
        Assert.AreEqual(FashionMnist.PixelStd, Math.Sqrt(squares / n - mean * mean), 5e-5);
    }

    [TestMethod]
    public void RepeatedLoadsShareOneCopyOfASplit()
    {
        Assert.AreSame(FashionMnist.Load(DatasetSplit.Validation), FashionMnist.Load(DatasetSplit.Validation));
        Assert.AreSame(MnistDigits.Load(DatasetSplit.Train), MnistDigits.Load(DatasetSplit.Train));
        Assert.AreNotSame(FashionMnist.Load(DatasetSplit.Train), FashionMnist.Load(DatasetSplit.Validation));
    }

    [TestMethod]
    public void CopyImageNormalisesEachByte()
    {
        var set = new LabeledImageSet(1, 3, [0, 51, 255], [0], FashionMnist.ClassNames, "tiny");
        var values = new float[3];

        set.CopyImage(0, values, new ImageNormalization(0.5f, 0.25f));

        CollectionAssert.AreEqual(new[] { -2f, (0.2f - 0.5f) / 0.25f, 2f }, values);
    }

    [TestMethod]
    public void EnvironmentVariableSelectsTheFolder()
    {
        using var temp = new TempFolder();
        var previous = Environment.GetEnvironmentVariable(FashionMnist.DirectoryEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(FashionMnist.DirectoryEnvironmentVariable, temp.Path);
            Assert.AreEqual(temp.Path, FashionMnist.ResolveDirectory());
            var e = Assert.ThrowsExactly<FileNotFoundException>(() => FashionMnist.LoadTestFile());
            StringAssert.Contains(e.Message, temp.Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable(FashionMnist.DirectoryEnvironmentVariable, previous);
        }
        if (previous is null)
            Assert.AreEqual(FashionMnist.DefaultDirectory, FashionMnist.ResolveDirectory());
    }
}
