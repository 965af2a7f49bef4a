using Mtl.Torch;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

[TestClass]
public class TensorBasicsTests
{
    [TestMethod]
    public void ArithmeticMatchesHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        var b = tensor(new float[] { 10, 20, 30, 40 }, new long[] { 2, 2 });
        CollectionAssert.AreEqual(new float[] { 11, 22, 33, 44 }, (a + b).ToArray<float>());
        CollectionAssert.AreEqual(new float[] { 70, 100, 150, 220 }, a.matmul(b).ToArray<float>());
        Assert.AreEqual(10f, a.sum().item<float>());
        CollectionAssert.AreEqual(new long[] { 2, 2 }, a.shape);
        Assert.AreEqual(ScalarType.Float32, a.dtype);
    }

    [TestMethod]
    public void ShapeMismatchThrowsTorchExceptionWithLibtorchMessage()
    {
        using var scope = NewDisposeScope();
        var a = zeros(new long[] { 2, 3 });
        var b = zeros(new long[] { 4, 5 });
        var e = Assert.ThrowsExactly<TorchException>(() => a.matmul(b));
        StringAssert.Contains(e.Message, "shapes cannot be multiplied");
        // The process is alive and the binding still works after the error.
        Assert.AreEqual(6L, a.numel());
    }

    [TestMethod]
    public void UseAfterDisposeThrowsObjectDisposedException()
    {
        var a = ones(3);
        a.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => a.sum());
    }

    [TestMethod]
    public void DisposeScopeDisposesItsTensorsButNotMovedOnes()
    {
        Tensor inner, kept;
        using (var outer = NewDisposeScope())
        {
            using (var scope = NewDisposeScope())
            {
                inner = ones(3);
                kept = zeros(2).MoveToOuterDisposeScope();
            }
            Assert.IsTrue(inner.IsInvalid);
            Assert.IsFalse(kept.IsInvalid);
            Assert.AreEqual(1, outer.DisposablesCount);
        }
        Assert.IsTrue(kept.IsInvalid);
    }

    [TestMethod]
    public void CudaIsReportedUnavailableWithAClearError()
    {
        if (cuda.is_available()) Assert.Inconclusive("This machine has CUDA; the error path cannot be exercised.");
        var e = Assert.ThrowsExactly<TorchException>(() => zeros(3, device: CUDA));
        StringAssert.Contains(e.Message, "CUDA");
    }

    [TestMethod]
    public void IntraOpThreadsDefaultToProcessorCount()
    {
        using var t = ones(1);
        Assert.AreEqual(Environment.ProcessorCount, get_num_threads());
    }
}

[TestClass]
public class FactoryAndOverloadTests
{
    [TestMethod]
    public void FactoriesHonourRequiresGrad()
    {
        using var scope = NewDisposeScope();
        Assert.IsTrue(zeros(new long[] { 3 }, requires_grad: true).requires_grad);
        Assert.IsTrue(ones(new long[] { 3 }, requires_grad: true).requires_grad);
        Assert.IsTrue(randn(new long[] { 3 }, requires_grad: true).requires_grad);
        Assert.IsTrue(tensor(2.0, requires_grad: true).requires_grad);
        Assert.IsTrue(arange(0, 3, 1, float32, requires_grad: true).requires_grad);
        Assert.IsFalse(zeros(new long[] { 3 }).requires_grad);
    }

    [TestMethod]
    public void InPlaceScalarOpsWorkOnIntegerTensors()
    {
        using var scope = NewDisposeScope();
        var counts = zeros(new long[] { 2 }, int64);
        counts.add_(3).mul_(2);
        CollectionAssert.AreEqual(new long[] { 6, 6 }, counts.ToArray<long>());
        counts.fill_(1);
        CollectionAssert.AreEqual(new long[] { 1, 1 }, counts.ToArray<long>());
    }

    [TestMethod]
    public void LiteralZeroInSumMeansDimensionZero()
    {
        using var scope = NewDisposeScope();
        var m = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        CollectionAssert.AreEqual(new float[] { 4, 6 }, m.sum(0).ToArray<float>());
        CollectionAssert.AreEqual(new float[] { 3, 7 }, m.sum(1).ToArray<float>());
        Assert.AreEqual(10.0, m.sum(ScalarType.Float64).item<double>());
    }
}
