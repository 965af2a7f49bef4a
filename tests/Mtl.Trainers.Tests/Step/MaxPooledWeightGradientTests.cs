using Mtl.Trainers.Engine;
using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Tests.Step;

/// <summary>
/// The layer taps' path for a convolution that only a max pool reads: <see cref="MaxPooledWeightGradientKernel"/> against
/// the dense weight gradient (δ scattered to the convolution's output, times unfold(a)), and <see cref="PooledConvolution"/>'s
/// forward against the plain conv → pool.
/// </summary>
[TestClass]
public sealed class MaxPooledWeightGradientTests
{
    /// <summary>Random input, a convolution's output and its pool's maxima, and m targets' δ at the pool's output (m×O×N×h×w).</summary>
    private static (Tensor Input, Tensor Index, Tensor Deltas) Case(long rows, long channels, long height, long width, long outChannels,
        long kernelHeight, long kernelWidth, long targets, int seed)
    {
        manual_seed(seed);
        Tensor input = randn(rows, channels, height, width);
        Tensor weight = randn(outChannels, channels, kernelHeight, kernelWidth);
        (Tensor pooled, Tensor index) = MaxPool.WithIndex(F.conv2d(input, weight).requires_grad_(true));
        Tensor deltas = randn(new long[] { targets, outChannels, rows, pooled.shape[2], pooled.shape[3] });
        return (input, index, deltas);
    }

    /// <summary>
    /// Σₙ δ (times the channel scale) scattered to the maxima (O × positions) times unfold(a)ₙ transposed, per target: the
    /// dense rule's sum, in float64.
    /// </summary>
    private static Tensor Dense(Tensor input, Tensor index, Tensor deltas, Tensor? scale, long kernelHeight, long kernelWidth)
    {
        long targets = deltas.shape[0], outChannels = deltas.shape[1], rows = deltas.shape[2];
        Tensor patches = F.unfold(input, (kernelHeight, kernelWidth)); // [N, K, P]
        Tensor scattered = zeros(targets, rows, outChannels, patches.shape[2], dtype: ScalarType.Float64);
        Tensor byRow = deltas.permute(0, 2, 1, 3, 4).reshape(targets, rows, outChannels, -1).to_type(ScalarType.Float64);
        if (scale is not null) byRow = byRow * scale.reshape(1, rows, outChannels, 1).to_type(ScalarType.Float64);
        scattered.scatter_(3, index.reshape(1, rows, outChannels, -1).expand(targets, -1, -1, -1), byRow);
        return einsum("tnop,nkp->tok", scattered, patches.to_type(ScalarType.Float64)).reshape(targets, -1);
    }

    [TestMethod]
    [DataRow(6L, 1L, 12L, 12L, 4L, 5L, 5L, 4L, false, DisplayName = "MultiLeNet's first layer in small: one channel, 5×5")]
    [DataRow(3L, 2L, 9L, 8L, 3L, 3L, 2L, 3L, false, DisplayName = "two channels, a 3×2 kernel, odd sides, an odd number of targets")]
    [DataRow(2L, 3L, 7L, 7L, 2L, 3L, 4L, 1L, false, DisplayName = "36 values per patch (two vector blocks), one target")]
    [DataRow(70L, 2L, 8L, 8L, 3L, 5L, 5L, 5L, true, DisplayName = "a channel dropout's scales (zeros skipped), more maxima than one block")]
    public void EqualsTheDenseWeightGradient(long rows, long channels, long height, long width, long outChannels, long kh, long kw, long targets, bool dropout)
    {
        using var scope = NewDisposeScope();
        (Tensor input, Tensor index, Tensor deltas) = Case(rows, channels, height, width, outChannels, kh, kw, targets, 11);
        // Dropout2d's mask with p = 0.4: 0 or 1/0.6 per row and channel.
        Tensor? channelScale = dropout ? (rand(rows, outChannels, 1, 1) > 0.4).to_type(ScalarType.Float32) / 0.6 : null;
        Tensor expected = Dense(input, index, deltas, channelScale, kh, kw);
        Tensor actual = MaxPooledWeightGradientKernel.Compute(input, index, deltas, channelScale, kh, kw, threads: 2);
        CollectionAssert.AreEqual(expected.shape, actual.shape);
        double scale = expected.abs().max().item<double>(), diff = (expected - actual.to_type(ScalarType.Float64)).abs().max().item<double>();
        Assert.IsLessThanOrEqualTo(1e-5 * scale, diff, $"max |Δ| {diff} against max |g| {scale}");
    }

    [TestMethod]
    public void TheResultDoesNotDependOnTheThreadCount()
    {
        using var scope = NewDisposeScope();
        (Tensor input, Tensor index, Tensor deltas) = Case(40, 1, 14, 14, 6, 5, 5, 5, 3);
        Tensor one = MaxPooledWeightGradientKernel.Compute(input, index, deltas, null, 5, 5, threads: 1);
        Tensor two = MaxPooledWeightGradientKernel.Compute(input, index, deltas, null, 5, 5, threads: 2);
        Tensor six = MaxPooledWeightGradientKernel.Compute(input, index, deltas, null, 5, 5, threads: 6);
        Assert.IsTrue(one.equal(two).all().item<bool>() && one.equal(six).all().item<bool>(), "bit for bit whatever the threads");
    }

    [TestMethod]
    public void InputsItCannotTakeGetAClearError()
    {
        using var scope = NewDisposeScope();
        (Tensor input, Tensor index, Tensor deltas) = Case(2, 1, 8, 8, 2, 3, 3, 2, 1);
        var wrongType = Assert.ThrowsExactly<ArgumentException>(() => MaxPooledWeightGradientKernel.Compute(input.to_type(ScalarType.Float64), index, deltas, null, 3, 3, 1));
        StringAssert.Contains(wrongType.Message, "float32");
        var wrongShape = Assert.ThrowsExactly<ArgumentException>(() => MaxPooledWeightGradientKernel.Compute(input, index, deltas.narrow(2, 0, 1), null, 3, 3, 1));
        StringAssert.Contains(wrongShape.Message, "do not agree");
        var wrongScales = Assert.ThrowsExactly<ArgumentException>(() => MaxPooledWeightGradientKernel.Compute(input, index, deltas, ones(3), 3, 3, 1));
        StringAssert.Contains(wrongScales.Message, "scales [3]");
        var tooLarge = Assert.ThrowsExactly<ArgumentException>(() => MaxPooledWeightGradientKernel.Compute(input, index, deltas, null, 9, 3, 1));
        StringAssert.Contains(tooLarge.Message, "9×3 kernel does not fit the 8×8 input");
        // The maxima are addresses into the 6×6 output plane (36 cells): one outside it must not be read.
        Tensor outside = index.clone();
        outside[0, 0, 0, 0] = 36;
        var wrongIndex = Assert.ThrowsExactly<ArgumentException>(() => MaxPooledWeightGradientKernel.Compute(input, outside, deltas, null, 3, 3, 1));
        StringAssert.Contains(wrongIndex.Message, "36-cell output plane");
        outside[0, 0, 0, 0] = -1;
        Assert.ThrowsExactly<ArgumentException>(() => MaxPooledWeightGradientKernel.Compute(input, outside, deltas, null, 3, 3, 1));
        var notAnImage = Assert.ThrowsExactly<ArgumentException>(() => ChannelDropout.Mask(nn.Dropout2d(0.5), randn(4, 3)));
        StringAssert.Contains(notAnImage.Message, "N×C×H×W");
        Assert.ThrowsExactly<ArgumentException>(() => MaxPool.WithIndex(randn(4, 3, 2)));
    }

    [TestMethod]
    public void OnlyPlainFloatConvolutionsOnTheCpuTakeTheKernel()
    {
        using Conv2d plain = nn.Conv2d(1, 3, 5), padded = nn.Conv2d(1, 3, 5, padding: 1), strided = nn.Conv2d(1, 3, 5, stride: 2);
        using Conv2d dilated = nn.Conv2d(1, 3, 3, dilation: 2), grouped = nn.Conv2d(2, 4, 3, groups: 2), doubles = nn.Conv2d(1, 3, 5);
        doubles.to(ScalarType.Float64);
        Assert.IsTrue(MaxPooledConv2dRule.Applies(plain));
        foreach ((string what, Conv2d conv) in new[] { ("padded", padded), ("strided", strided), ("dilated", dilated), ("grouped", grouped), ("float64", doubles) })
            Assert.IsFalse(MaxPooledConv2dRule.Applies(conv), $"a {what} convolution keeps the dense rule");
    }

    private sealed class Recorder : PooledConvolution.IRecorder
    {
        public readonly List<long[]> IndexShapes = new();
        public readonly List<long[]?> ScaleShapes = new();

        public bool Records(Conv2d conv) => true;

        public Tensor Recorded(Conv2d conv, Tensor input, Tensor index, Tensor? channelScale, Tensor pooled)
        {
            IndexShapes.Add(index.shape);
            ScaleShapes.Add(channelScale?.shape);
            return pooled;
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void APooledConvolutionRecordsOnceWithGradientsAndComputesThePlainForward(bool dropout)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using Conv2d conv = nn.Conv2d(1, 3, 5);
        using var drop = nn.Dropout2d(0.3);
        Dropout2d? layer = dropout ? drop : null;
        Tensor x = randn(4, 1, 13, 13);
        manual_seed(9);
        Tensor plain = MaxPool.Pool2(dropout ? drop.call(conv.call(x)) : conv.call(x));
        var recorder = new Recorder();
        Tensor recorded;
        using (PooledConvolution.Recording(recorder))
        {
            manual_seed(9);
            recorded = PooledConvolution.Apply(conv, layer, x);
            Assert.ThrowsExactly<InvalidOperationException>(() => PooledConvolution.Recording(new Recorder()), "one recorder at a time");
            using (no_grad()) PooledConvolution.Apply(conv, layer, x); // nothing to record without autograd
        }
        PooledConvolution.Apply(conv, layer, x); // after the scope: not recorded
        Assert.IsTrue(plain.equal(recorded).all().item<bool>(), "the recorded forward is the plain conv → [Dropout2d] → pool, bit for bit");
        Assert.HasCount(1, recorder.IndexShapes);
        CollectionAssert.AreEqual(new long[] { 4, 3, 4, 4 }, recorder.IndexShapes[0], "the maxima of the 9×9 output's 2×2 windows");
        CollectionAssert.AreEqual(dropout ? new long[] { 4, 3, 1, 1 } : null, recorder.ScaleShapes[0], "the dropout's channel scale, when there is one");
    }

    [TestMethod]
    [DataRow(0.5, true)]
    [DataRow(0.3, true)]
    [DataRow(0.0, true)]
    [DataRow(1.0, true)]
    [DataRow(0.5, false)]
    public void ChannelDropoutEqualsDropout2dBitForBit(double p, bool training)
    {
        using var scope = NewDisposeScope();
        using var dropout = nn.Dropout2d(p);
        dropout.train(training);
        manual_seed(1);
        Tensor x = randn(6, 5, 3, 4);
        manual_seed(21);
        Tensor expected = dropout.call(x);
        Tensor afterExpected = rand(3);
        manual_seed(21);
        Tensor? mask = ChannelDropout.Mask(dropout, x);
        Tensor actual = ChannelDropout.Apply(x, mask);
        Tensor afterActual = rand(3);
        Assert.IsTrue(expected.equal(actual).all().item<bool>(), "the same values");
        Assert.IsTrue(afterExpected.equal(afterActual).all().item<bool>(), "the same random draws consumed");
        Assert.AreEqual(training && p is > 0 and < 1, mask is not null && mask.ne(0).any().item<bool>() && mask.eq(0).any().item<bool>(),
            "a training mask keeps some channels and drops others");
    }
}
