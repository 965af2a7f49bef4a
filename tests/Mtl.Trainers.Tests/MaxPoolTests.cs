using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Tests;

/// <summary>The no-autograd pooling path gives F.max_pool2d's values bit for bit; with autograd it is F.max_pool2d.</summary>
[TestClass]
public class MaxPoolTests
{
    [TestMethod]
    [DataRow(3L, 4L, 24L, 24L)]
    [DataRow(2L, 3L, 7L, 5L)]   // odd sides: the last row and column are dropped
    [DataRow(1L, 1L, 2L, 9L)]
    public void WithoutAutogradEqualsMaxPool2d(long n, long c, long h, long w)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        Tensor x = randn(n, c, h, w);
        using (no_grad()) AssertSameValues(F.max_pool2d(x, 2), MaxPool.Pool2(x));
        AssertSameValues(F.max_pool2d(x, 2), MaxPool.Pool2(x)); // x does not require grad: the fast path here too
    }

    [TestMethod]
    public void TiesNaNsAndInfinitiesGiveMaxPool2dsValues()
    {
        using var scope = NewDisposeScope();
        // Integer values in a small range tie often; one window holds a NaN, one only −∞, one +∞ beside a NaN.
        torch.manual_seed(3);
        Tensor x = randint(-2, 3, new long[] { 2, 3, 6, 6 }).to_type(ScalarType.Float32);
        x[0, 0, 0, 1] = float.NaN;
        x[0, 1, TensorIndex.Slice(2, 4), TensorIndex.Slice(2, 4)] = float.NegativeInfinity;
        x[1, 2, 4, 4] = float.PositiveInfinity;
        x[1, 2, 5, 5] = float.NaN;
        using (no_grad()) AssertSameValues(F.max_pool2d(x, 2), MaxPool.Pool2(x));
        using (no_grad())
        {
            Tensor pooled = MaxPool.Pool2(x);
            Assert.IsTrue(float.IsNaN(pooled[0, 0, 0, 0].item<float>()), "a NaN in a window must win, as in F.max_pool2d");
            Assert.AreEqual(float.NegativeInfinity, pooled[0, 1, 1, 1].item<float>());
        }
    }

    [TestMethod]
    public void WithAutogradItIsMaxPool2dAndItsGradient()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        // Ties: the gradient goes to the window's first maximum, as F.max_pool2d sends it.
        Tensor x = randint(0, 2, new long[] { 2, 2, 4, 6 }).to_type(ScalarType.Float32).requires_grad_(true);
        Tensor g = randn(2, 2, 2, 3);
        Tensor expected = autograd.grad(new[] { F.max_pool2d(x, 2) }, new[] { x }, new[] { g })[0];
        Tensor pooled = MaxPool.Pool2(x);
        Assert.IsTrue(pooled.requires_grad);
        Tensor actual = autograd.grad(new[] { pooled }, new[] { x }, new[] { g })[0];
        Assert.IsTrue(SameShapeAndValues(expected, actual), "the gradient must be F.max_pool2d's");
    }

    [TestMethod]
    public void MultiLeNetScoresTheSameWithAndWithoutAutograd()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        using var trunk = new MultiLeNetTrunk(1, 28, 28);
        trunk.eval();
        Tensor x = rand(64, 1, 28, 28);
        x[TensorIndex.Ellipsis, TensorIndex.Slice(0, 6), TensorIndex.Colon] = 0; // a flat background: tied conv outputs
        Tensor withGraph = trunk.call(x);
        Assert.IsTrue(withGraph.requires_grad, "the reference forward must take the autograd path");
        Tensor scored;
        using (no_grad()) scored = trunk.call(x);
        Assert.IsTrue(SameShapeAndValues(withGraph.detach(), scored), "scoring (no autograd) must give the training forward's values bit for bit");
    }

    private static void AssertSameValues(Tensor expected, Tensor actual)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape);
        Assert.IsTrue(SameShapeAndValues(expected.isnan(), actual.isnan()), "NaN positions differ");
        Tensor finiteOrInf = expected.isnan().logical_not();
        Assert.IsTrue(SameShapeAndValues(expected.masked_select(finiteOrInf), actual.masked_select(finiteOrInf)), "values differ");
    }

    private static bool SameShapeAndValues(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
