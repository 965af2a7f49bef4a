namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class MultiImageCanvasTests
{
    // Distinct, overlapping value patterns so that a misplaced or swapped image shows.
    private static byte[] Pattern(int salt) => Enumerable.Range(0, 784).Select(i => (byte)((i * 37 + salt * 101) % 256)).ToArray();

    [TestMethod]
    public void NearestIndicesFollowFloorOfDTimes36Over28()
    {
        var expected = new[] { 0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 18, 19, 20, 21, 23, 24, 25, 27, 28, 29, 30, 32, 33, 34 };
        var actual = Enumerable.Range(0, 28).Select(d => MultiImageCanvas.NearestSourceIndex(d, 36, 28)).ToArray();
        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    public void CanvasIsTheMaxOfTheTwoPlacedImages()
    {
        var left = Pattern(1);
        var right = Pattern(2);
        var canvas = new byte[36 * 36];

        MultiImageCanvas.Compose(left, right, canvas);

        for (int y = 0; y < 36; y++)
        {
            for (int x = 0; x < 36; x++)
            {
                int fromLeft = y < 28 && x < 28 ? left[y * 28 + x] : 0;
                int fromRight = y >= 6 && y < 34 && x >= 6 && x < 34 ? right[(y - 6) * 28 + (x - 6)] : 0;
                Assert.AreEqual((byte)Math.Max(fromLeft, fromRight), canvas[y * 36 + x], $"canvas ({y}, {x})");
            }
        }
    }

    [TestMethod]
    public void CornersHoldOneImageAndTheBorderIsBlack()
    {
        var left = Enumerable.Repeat((byte)100, 784).ToArray();
        var right = Enumerable.Repeat((byte)200, 784).ToArray();
        var canvas = new byte[36 * 36];

        MultiImageCanvas.Compose(left, right, canvas);

        Assert.AreEqual(100, canvas[0]);                  // (0, 0): left only
        Assert.AreEqual(200, canvas[33 * 36 + 33]);       // (33, 33): right only
        Assert.AreEqual(200, canvas[10 * 36 + 10]);       // overlap: max(100, 200)
        Assert.AreEqual(0, canvas[35 * 36 + 35]);         // (35, 35): neither
        Assert.AreEqual(0, canvas[0 * 36 + 30]);          // (0, 30): right of left, above right
        Assert.AreEqual(0, canvas[30 * 36 + 2]);          // (30, 2): below left, left of right
    }

    [TestMethod]
    public void FusedComposeResizeEqualsComposeThenResize()
    {
        var left = Pattern(3);
        var right = Pattern(4);
        var canvas = new byte[36 * 36];
        var twoStep = new byte[784];
        var fused = new byte[784];

        MultiImageCanvas.Compose(left, right, canvas);
        MultiImageCanvas.ResizeNearest(canvas, 36, twoStep, 28);
        MultiImageCanvas.ComposeResized(left, right, fused);

        CollectionAssert.AreEqual(twoStep, fused);
        // Output (1, 4) reads canvas (1, 5); output (27, 27) reads canvas (34, 34).
        Assert.AreEqual(canvas[1 * 36 + 5], fused[1 * 28 + 4]);
        Assert.AreEqual(canvas[34 * 36 + 34], fused[27 * 28 + 27]);
    }

    [TestMethod]
    public void WrongBufferSizesAreRejected()
    {
        var image = new byte[784];
        Assert.ThrowsExactly<ArgumentException>(() => MultiImageCanvas.Compose(image, new byte[783], new byte[36 * 36]));
        Assert.ThrowsExactly<ArgumentException>(() => MultiImageCanvas.ComposeResized(image, image, new byte[36 * 36]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MultiImageCanvas.NearestSourceIndex(28, 36, 28));
    }

    [TestMethod]
    public void NormalisationTableMapsBytesToStandardisedValues()
    {
        var table = ImageNormalization.Mnist.CreateLookupTable();
        Assert.AreEqual(-0.1307f / 0.3081f, table[0], 1e-6f);
        Assert.AreEqual((1f - 0.1307f) / 0.3081f, table[255], 1e-6f);
        Assert.AreEqual(51f / 255f, ImageNormalization.None.CreateLookupTable()[51], 1e-7f);
        Assert.ThrowsExactly<ArgumentException>(() => new ImageNormalization(0, 0).CreateLookupTable());
    }

    [TestMethod]
    public void PooledNormalisationMatchesItsClosedForm()
    {
        var pooled = ImageNormalization.FashionAndMnist;
        // mean = (0.1307 + 0.2860) / 2; variance = mean of (σ² + μ²) minus mean².
        Assert.AreEqual(0.20835, pooled.Mean, 1e-6);
        double secondMoment = (0.3081 * 0.3081 + 0.1307 * 0.1307 + 0.3530 * 0.3530 + 0.2860 * 0.2860) / 2;
        Assert.AreEqual(Math.Sqrt(secondMoment - 0.20835 * 0.20835), pooled.Std, 1e-6);
    }
}
