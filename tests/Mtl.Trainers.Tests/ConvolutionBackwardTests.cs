using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>
/// <see cref="ConvolutionBackward"/>: inside its scope a LeNet convolution's gradients (weight, bias, input) are libtorch's up
/// to the order of the float sums, second derivatives through it too; outside the scope, or where its geometry does not
/// apply, the layer runs through Module.call exactly as before; a run repeats bit for bit; native memory stays flat.
/// </summary>
[TestClass]
public class ConvolutionBackwardTests
{
    // Relative to the largest gradient entry: the sums run in another order, nothing else changes.
    private const double RelativeTolerance = 2e-5;

    [TestMethod]
    [DataRow(1L, 10L, 28L, true, false)]  // MultiLeNet's first layer: the input needs no gradient
    [DataRow(10L, 20L, 12L, true, true)]  // its second layer
    [DataRow(3L, 4L, 9L, false, true)]    // no bias
    public void GradientsAreLibtorchsUpToSummationOrder(long inChannels, long outChannels, long side, bool bias, bool inputGradient)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        using Conv2d conv = nn.Conv2d(inChannels, outChannels, 5, bias: bias);
        Tensor x = randn(32, inChannels, side, side).requires_grad_(inputGradient);
        Tensor g = randn(32, outChannels, side - 4, side - 4);
        var parameters = new List<Tensor> { conv.weight! };
        if (bias) parameters.Add(conv.bias!);
        if (inputGradient) parameters.Add(x);

        Tensor reference = conv.call(x);
        Tensor[] expected = autograd.grad([reference], parameters, [g]).ToArray();
        Tensor fast;
        using (ConvolutionBackward.Fast()) fast = ConvolutionBackward.Apply(conv, x);
        Assert.IsTrue(fast.requires_grad);
        Assert.IsTrue(reference.detach().eq(fast.detach()).all().item<bool>(), "the forward is F.conv2d's, bit for bit");
        Tensor[] actual = autograd.grad([fast], parameters, [g]).ToArray();
        for (int i = 0; i < expected.Length; i++)
            AssertClose(expected[i], actual[i], $"gradient {i}");
    }

    [TestMethod]
    public void SecondDerivativesThroughItAreLibtorchs()
    {
        // Curvature probes (Hessian-vector products) differentiate a gradient again through every layer.
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        using Conv2d conv = nn.Conv2d(2, 3, 5);
        Tensor x = randn(8, 2, 10, 10).requires_grad_(true);
        Tensor v = randn(3, 2, 5, 5);
        Tensor HessianVector(Func<Tensor> forward)
        {
            Tensor loss = forward().pow(2).sum();
            Tensor gw = autograd.grad([loss], [conv.weight!], retain_graph: true, create_graph: true)[0];
            return autograd.grad([(gw * v).sum()], [conv.weight!, x]).Aggregate((a, b) => cat([a.flatten(), b.flatten()]));
        }
        Tensor expected = HessianVector(() => conv.call(x));
        Tensor actual;
        using (ConvolutionBackward.Fast()) actual = HessianVector(() => ConvolutionBackward.Apply(conv, x));
        AssertClose(expected, actual, "Hessian-vector product");
    }

    [TestMethod]
    public void OutsideTheScopeOrForOtherGeometriesTheLayerRunsThroughModuleCall()
    {
        using var scope = NewDisposeScope();
        int calls = 0;
        using Conv2d plain = nn.Conv2d(1, 4, 5), strided = nn.Conv2d(1, 4, 5, stride: 2), padded = nn.Conv2d(1, 4, 5, padding: 1);
        foreach (Conv2d conv in new[] { plain, strided, padded })
            conv.register_forward_hook((_, _, output) => { calls++; return output; });
        Tensor x = randn(4, 1, 12, 12);

        ConvolutionBackward.Apply(plain, x);
        Assert.AreEqual(1, calls, "outside the scope: Module.call, hooks run");
        using (ConvolutionBackward.Fast())
        {
            ConvolutionBackward.Apply(strided, x);
            ConvolutionBackward.Apply(padded, x);
            Assert.AreEqual(3, calls, "stride 2 and padding 1 are not the geometry the faster backward covers");
            using (no_grad()) ConvolutionBackward.Apply(plain, x);
            Assert.AreEqual(4, calls, "without autograd there is no backward to speed up");
            plain.weight!.requires_grad_(false);
            ConvolutionBackward.Apply(plain, x);
            Assert.AreEqual(5, calls, "a frozen layer keeps libtorch's path");
            plain.weight!.requires_grad_(true);
            Tensor fast = ConvolutionBackward.Apply(plain, x);
            Assert.AreEqual(5, calls, "the faster backward's own forward");
            Assert.IsTrue(fast.requires_grad);
        }
        Assert.IsFalse(ConvolutionBackward.IsFast, "the scope closes");
    }

    [TestMethod]
    public void AMultiLeNetTrainedInTheScopeRepeatsBitForBitAndStaysCloseToLibtorchs()
    {
        float[] Train(bool fast)
        {
            using var scope = NewDisposeScope();
            torch.manual_seed(2);
            using var trunk = new MultiLeNetTrunk(1, 28, 28);
            using var sgd = optim.SGD(trunk.parameters(), 0.05);
            for (int step = 0; step < 5; step++)
            {
                using var stepScope = NewDisposeScope();
                Tensor x = rand(32, 1, 28, 28);
                Tensor target = randn(32, MultiLeNetTrunk.RepresentationSize);
                sgd.zero_grad();
                Tensor output;
                using (fast ? ConvolutionBackward.Fast() : null) output = trunk.call(x);
                (output - target).pow(2).mean().backward();
                sgd.step();
            }
            return trunk.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray()).ToArray();
        }
        float[] first = Train(fast: true), second = Train(fast: true), reference = Train(fast: false);
        CollectionAssert.AreEqual(first, second, "the same seed must give the same weights");
        double largest = reference.Max(v => Math.Abs(v));
        double difference = first.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(difference <= 1e-4 * largest, $"after 5 steps the weights differ from libtorch's path by {difference:E2} (largest weight {largest:E2})");
    }

    [TestMethod]
    public void NativeMemoryStaysFlatOverThousandsOfBackwards()
    {
        using Conv2d conv = nn.Conv2d(1, 6, 5);
        Tensor x = randn(16, 1, 16, 16);
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                using (ConvolutionBackward.Fast()) ConvolutionBackward.Apply(conv, x).sum().backward();
                conv.weight!.grad = null;
                conv.bias!.grad = null;
            }
        }
        Steps(500); // warm-up
        long before = ResidentMemory.Settled();
        Steps(5000);
        long growth = ResidentMemory.Settled() - before;
        Assert.IsTrue(growth < 30L << 20, $"resident memory grew by {growth >> 20} MB over 5,000 backwards");
    }


    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, what);
        double scale = expected.abs().max().item<float>();
        double difference = (expected - actual).abs().max().item<float>();
        Assert.IsTrue(difference <= RelativeTolerance * scale, $"{what}: largest difference {difference:E2} against largest entry {scale:E2}");
    }
}
