using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Tests;

/// <summary>MaxPool.Pool2 against F.max_pool2d: equal values without autograd; values, gradients and second derivatives bit for bit with it.</summary>
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
        // Pool2 on a tensor this small takes F.max_pool2d itself; the gathering form is checked directly.
        foreach ((string form, Tensor pooled) in new[] { ("Pool2", MaxPool.Pool2(x)), ("the gathering form", MaxPool.WithIndex(x).Pooled) })
        {
            Assert.IsTrue(pooled.requires_grad, form);
            Assert.IsTrue(SameShapeAndValues(F.max_pool2d(x, 2).detach(), pooled.detach()), $"{form}: the values must be F.max_pool2d's");
            Tensor actual = autograd.grad(new[] { pooled }, new[] { x }, new[] { g })[0];
            Assert.IsTrue(SameShapeAndValues(expected, actual), $"{form}: the gradient must be F.max_pool2d's");
        }
    }

    [TestMethod]
    public void SecondDerivativesAreMaxPool2ds()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        // Curvature probes differentiate a gradient again: d/dg <∂(pool·g)/∂x, v> is the pool's own selection applied to v.
        Tensor x = randint(-1, 2, new long[] { 2, 3, 6, 5 }).to_type(ScalarType.Float32).requires_grad_(true);
        Tensor v = randn(2, 3, 6, 5);
        Tensor SecondDerivative(Func<Tensor, Tensor> pool)
        {
            Tensor g = ones(2, 3, 3, 2).requires_grad_(true);
            Tensor gx = autograd.grad(new[] { pool(x) }, new[] { x }, new[] { g }, create_graph: true)[0];
            return autograd.grad(new[] { (gx * v).sum() }, new[] { g })[0];
        }
        Assert.IsTrue(SameShapeAndValues(SecondDerivative(t => F.max_pool2d(t, 2)), SecondDerivative(MaxPool.Pool2)));
        Assert.IsTrue(SameShapeAndValues(SecondDerivative(t => F.max_pool2d(t, 2)), SecondDerivative(t => MaxPool.WithIndex(t).Pooled)));
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

    [TestMethod]
    public void MultiLeNetTrainsAsWithMaxPool2d()
    {
        // The same trunk written with F.max_pool2d, stepped beside ours from the same weights on the same batches and
        // dropout draws: every weight stays equal bit for bit (the numbers training gave before this pooling).
        using var scope = NewDisposeScope();
        torch.manual_seed(2);
        using var ours = new MultiLeNetTrunk(1, 28, 28);
        using var reference = new ReferenceMultiLeNet();
        reference.load_state_dict(ours.state_dict());
        using var ourSgd = optim.SGD(ours.parameters(), 0.05);
        using var referenceSgd = optim.SGD(reference.parameters(), 0.05);
        for (int step = 0; step < 5; step++)
        {
            using var stepScope = NewDisposeScope();
            Tensor x = rand(16, 1, 28, 28);
            x[TensorIndex.Ellipsis, TensorIndex.Slice(0, 5), TensorIndex.Colon] = 0; // flat background: ties in the windows
            Tensor target = randn(16, MultiLeNetTrunk.RepresentationSize);
            foreach ((nn.Module<Tensor, Tensor> trunk, optim.Optimizer sgd) in new (nn.Module<Tensor, Tensor>, optim.Optimizer)[] { (ours, ourSgd), (reference, referenceSgd) })
            {
                torch.manual_seed(100 + step); // the same Dropout2d masks on both sides
                sgd.zero_grad();
                (trunk.call(x) - target).pow(2).mean().backward();
                sgd.step();
            }
        }
        foreach ((string name, Tensor weight) in ours.state_dict())
            Assert.IsTrue(SameShapeAndValues(reference.state_dict()[name], weight), $"{name} differs from the F.max_pool2d trunk's");
    }

    private sealed class ReferenceMultiLeNet : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv2d conv1 = nn.Conv2d(1, 10, 5);
        private readonly TorchSharp.Modules.Conv2d conv2 = nn.Conv2d(10, 20, 5);
        private readonly TorchSharp.Modules.Dropout2d dropout = nn.Dropout2d(0.5);
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(320, MultiLeNetTrunk.RepresentationSize);

        public ReferenceMultiLeNet() : base(nameof(MultiLeNetTrunk)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            Tensor a = F.relu(F.max_pool2d(conv1.call(x), 2));
            Tensor b = F.relu(F.max_pool2d(dropout.call(conv2.call(a)), 2));
            return F.relu(fc.call(b.flatten(1)));
        }
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
