namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class MultiImageSetTests
{
    private static readonly byte[] s_oneCanvas = new byte[36 * 36];

    [TestMethod]
    public void SameSeedGivesIdenticalRowsDifferentSeedDifferentPairs()
    {
        var a = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 7);
        var b = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 7);
        var c = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 8);

        int differentPartners = 0;
        var imageA = new float[784];
        var imageB = new float[784];
        for (int row = 0; row < a.Count; row++)
        {
            Assert.AreEqual(a.GetPartner(row), b.GetPartner(row));
            Assert.AreEqual(a.GetRightLabel(row), b.GetRightLabel(row));
            if (a.GetPartner(row) != c.GetPartner(row))
                differentPartners++;
        }
        foreach (int row in new[] { 0, 1, 4321, a.Count - 1 })
        {
            a.WriteImage(row, imageA);
            b.WriteImage(row, imageB);
            CollectionAssert.AreEqual(imageA, imageB);
        }
        // Two independent uniform draws over 9,999 partners agree with probability 1/9,999.
        Assert.IsGreaterThan(a.Count * 99 / 100, differentPartners);
    }

    [TestMethod]
    public void PartnersAreTheSameInEveryProcess()
    {
        var set = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1);

        // Pinned when this test was written: the draws depend only on this library's SplitMix64 streams,
        // never on HashCode or System.Random, so any process on any runtime must give these partners.
        CollectionAssert.AreEqual(PinnedPartnersOfMultiFashionTestSeed1, Enumerable.Range(0, 6).Select(set.GetPartner).ToArray());
    }

    private static readonly int[] PinnedPartnersOfMultiFashionTestSeed1 = [9524, 8353, 1357, 6912, 9928, 8257];

    [TestMethod]
    public void SplitsDrawIndependentPartners()
    {
        var validation = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Validation, seed: 7);
        var test = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 7);

        int same = Enumerable.Range(0, test.Count).Count(row => validation.GetPartner(row) == test.GetPartner(row));

        Assert.IsLessThan(test.Count / 100, same);
    }

    [TestMethod]
    public void PartnersComeFromTheSameSplitAndAreNeverTheRowItself()
    {
        var set = MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 3);

        Assert.AreSame(set.Left, set.Right);
        Assert.AreEqual(1000, set.Count);
        var used = new HashSet<int>();
        for (int row = 0; row < set.Count; row++)
        {
            int partner = set.GetPartner(row);
            Assert.AreNotEqual(row, partner);
            Assert.IsTrue(partner is >= 0 and < 1000);
            Assert.AreEqual(set.Right.GetLabel(partner), set.GetRightLabel(row));
            Assert.AreEqual(set.Left.GetLabel(row), set.GetLeftLabel(row));
            used.Add(partner);
        }
        // 1,000 uniform draws cover about 1 − 1/e ≈ 63% of the images.
        Assert.IsTrue(used.Count is > 580 and < 690, $"{used.Count} distinct partners");
    }

    [TestMethod]
    [DataRow("MultiMnist")]
    [DataRow("MultiFashion")]
    [DataRow("MultiFashionMnist")]
    public void EveryCanvasIsExactlyTheMaxOfTheTwoPlacedImages(string kind)
    {
        var set = kind switch
        {
            "MultiMnist" => MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, seed: 11),
            "MultiFashion" => MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 11),
            _ => MultiTaskDatasets.CreateMultiFashionMnist(DatasetSplit.Test, seed: 11),
        };
        var canvas = new byte[36 * 36];
        int overlapsWhereRightWins = 0;
        for (int row = 0; row < set.Count; row += 7)
        {
            var left = set.Left.GetImage(row);
            var right = set.Right.GetImage(set.GetPartner(row));
            set.WriteCanvas(row, canvas);
            for (int y = 0; y < 36; y++)
            {
                for (int x = 0; x < 36; x++)
                {
                    int l = y < 28 && x < 28 ? left[y * 28 + x] : 0;
                    int r = y is >= 6 and < 34 && x is >= 6 and < 34 ? right[(y - 6) * 28 + x - 6] : 0;
                    if (canvas[y * 36 + x] != Math.Max(l, r))
                        Assert.Fail($"row {row}, canvas ({y}, {x}): {canvas[y * 36 + x]}, expected max({l}, {r})");
                    if (r > l && l > 0)
                        overlapsWhereRightWins++;
                }
            }
        }
        Assert.IsGreaterThan(0, overlapsWhereRightWins, "the sample never exercised a real overlap");
    }

    [TestMethod]
    public void ImageIsTheNormalisedResizeOfTheCanvas()
    {
        var set = MultiTaskDatasets.CreateMultiFashionMnist(DatasetSplit.Test, seed: 5);
        var canvas = new byte[36 * 36];
        var image = new float[784];
        var norm = ImageNormalization.FashionAndMnist;

        foreach (int row in new[] { 0, 17, 9_999 })
        {
            set.WriteCanvas(row, canvas);
            set.WriteImage(row, image);
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    byte source = canvas[y * 36 / 28 * 36 + x * 36 / 28];
                    Assert.AreEqual((source / 255f - norm.Mean) / norm.Std, image[y * 28 + x], 1e-6f);
                }
            }
        }
    }

    [TestMethod]
    public void FashionMnistPairsAFashionItemWithADigit()
    {
        var set = MultiTaskDatasets.CreateMultiFashionMnist(DatasetSplit.Test, seed: 5);

        Assert.AreEqual(10_000, set.Count);
        Assert.AreEqual("Ankle boot", set.Left.ClassNames[9]);
        Assert.AreEqual("9", set.Right.ClassNames[9]);
        Assert.AreEqual(1000, set.Right.Count);
        Assert.IsTrue(Enumerable.Range(0, set.Count).All(r => set.GetPartner(r) is >= 0 and < 1000));
    }

    [TestMethod]
    public void TooSmallOrWrongSizedSourcesAreRejected()
    {
        var one = new LabeledImageSet(28, 28, new byte[784], [0], MnistDigits.ClassNames, "one image");
        var small = new LabeledImageSet(3, 3, new byte[18], [0, 1], MnistDigits.ClassNames, "3x3 images");

        Assert.ThrowsExactly<ArgumentException>(() => new MultiImageSet("x", one, one, 0, ImageNormalization.None));
        Assert.ThrowsExactly<ArgumentException>(() => new MultiImageSet("x", small, small, 0, ImageNormalization.None));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MultiTaskDatasets.CreateMultiMnist(DatasetSplit.Test, 0).WriteCanvas(1000, s_oneCanvas));
    }

    [TestMethod]
    public void LabelOutOfRangeInASourceIsReported()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(
            () => new LabeledImageSet(28, 28, new byte[2 * 784], [3, 10], MnistDigits.ClassNames, "bad labels"));

        StringAssert.Contains(e.Message, "label 10 of image 1 is out of range");
    }
}
