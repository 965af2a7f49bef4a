using Mtl.Torch.Modules;
using static Mtl.Torch.torch;
using F = Mtl.Torch.torch.nn.functional;

namespace Mtl.Torch.Tests;

/// <summary>Forward values of layers, functional ops and losses against hand-computed results.</summary>
[TestClass]
public class NnValueTests
{
    private static void AreClose(double[] expected, Tensor actual, double tolerance = 1e-6, string what = "")
    {
        double[] got = actual.to_type(ScalarType.Float64).ToArray<double>();
        Assert.HasCount(expected.Length, got, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], got[i], tolerance, $"{what} element {i}");
    }

    [TestMethod]
    [DataRow(nn.PaddingModes.Constant, new double[] { 9, 9, 1, 2, 3, 9 })]
    [DataRow(nn.PaddingModes.Zeros, new double[] { 0, 0, 1, 2, 3, 0 })]
    [DataRow(nn.PaddingModes.Reflect, new double[] { 3, 2, 1, 2, 3, 2 })]
    [DataRow(nn.PaddingModes.Replicate, new double[] { 1, 1, 1, 2, 3, 3 })]
    [DataRow(nn.PaddingModes.Circular, new double[] { 2, 3, 1, 2, 3, 1 })]
    public void PadModesGiveHandComputedRows(nn.PaddingModes mode, double[] expected)
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(new double[] { 1, 2, 3 }, new long[] { 1, 1, 3 });
        AreClose(expected, F.pad(x, new long[] { 2, 1 }, mode, 9), what: mode.ToString());
    }

    [TestMethod]
    public void PadTwoDimensionsConstantPadsRowsAndColumns()
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(new double[] { 1, 2, 3, 4 }, new long[] { 1, 1, 2, 2 });
        Tensor y = F.pad(x, new long[] { 1, 0, 0, 1 }, value: -1); // left 1, bottom 1
        CollectionAssert.AreEqual(new long[] { 1, 1, 3, 3 }, y.shape);
        AreClose(new double[] { -1, 1, 2, -1, 3, 4, -1, -1, -1 }, y);
        Assert.IsTrue(double.IsNegativeInfinity(F.pad(x, new long[] { 1, 0 }, value: double.NegativeInfinity)[0, 0, 0, 0].item<double>()));
        Assert.ThrowsExactly<ArgumentException>(() => F.pad(x, new long[] { 1, 2, 3 }));
    }

    [TestMethod]
    public void LinearComputesXWTransposePlusB()
    {
        using var scope = NewDisposeScope();
        using Linear layer = nn.Linear(3, 2);
        layer.load_state_dict(new Dictionary<string, Tensor>
        {
            ["weight"] = tensor(new float[] { 1, 0, -1, 2, 1, 0.5f }, new long[] { 2, 3 }),
            ["bias"] = tensor(new float[] { 0.5f, -1 }),
        });
        Tensor x = tensor(new float[] { 1, 2, 3, -1, 0, 4 }, new long[] { 2, 3 });
        // Row 1: (1−3+0.5, 2+2+1.5−1); row 2: (−1−4+0.5, −2+0+2−1).
        AreClose(new double[] { -1.5, 4.5, -4.5, -1 }, layer.call(x));
    }

    [TestMethod]
    public void Conv2dWithOnesKernelSumsWindows()
    {
        using var scope = NewDisposeScope();
        Tensor x = arange(9, ScalarType.Float64).reshape(1, 1, 3, 3);
        Tensor w = ones(new long[] { 1, 1, 2, 2 }, ScalarType.Float64);
        AreClose(new double[] { 0 + 1 + 3 + 4, 1 + 2 + 4 + 5, 3 + 4 + 6 + 7, 4 + 5 + 7 + 8 }, F.conv2d(x, w));
        Tensor bias = tensor(new double[] { 10 });
        // Stride 2 with one zero column on each side: windows (rows 0–1, cols −1..0) = 0 + 3 and (rows 0–1, cols 1..2) = 1 + 2 + 4 + 5.
        AreClose(new double[] { 10 + 3, 10 + 12 }, F.conv2d(x, w, bias, strides: new long[] { 2 }, padding: new long[] { 0, 1 }), what: "stride 2, width padding 1");
    }

    [TestMethod]
    public void PoolingGivesWindowMaximaAndMeans()
    {
        using var scope = NewDisposeScope();
        Tensor x = arange(16, ScalarType.Float64).reshape(1, 1, 4, 4);
        AreClose(new double[] { 5, 7, 13, 15 }, nn.MaxPool2d(2).call(x));
        AreClose(new double[] { 2.5, 4.5, 10.5, 12.5 }, nn.AvgPool2d(2).call(x));
        AreClose(new double[] { 7.5 }, nn.AdaptiveAvgPool2d(1).call(x));
        // Padding 1 with count_include_pad = false averages only real cells: the corner window holds 0, 1, 4, 5.
        AreClose(new double[] { 2.5 }, F.avg_pool2d(x, 3, stride: 2, padding: 1, count_include_pad: false).flatten()[TensorIndex.Slice(0, 1)]);
    }

    [TestMethod]
    public void CrossEntropyWithLabelSmoothingMatchesClosedForm()
    {
        using var scope = NewDisposeScope();
        double[,] logits = { { 1, 2, 3 }, { 0, 0, 1 } };
        long[] targets = { 2, 0 };
        const double eps = 0.3;
        double expected = 0;
        for (int i = 0; i < 2; i++)
        {
            double lse = Math.Log(Enumerable.Range(0, 3).Sum(c => Math.Exp(logits[i, c])));
            double nllTarget = lse - logits[i, targets[i]];
            double nllUniform = Enumerable.Range(0, 3).Sum(c => lse - logits[i, c]) / 3;
            expected += (1 - eps) * nllTarget + eps * nllUniform;
        }
        expected /= 2;
        Tensor loss = F.cross_entropy(tensor(logits), tensor(targets), label_smoothing: eps);
        Assert.AreEqual(expected, loss.item<double>(), 1e-12);
    }

    [TestMethod]
    public void CrossEntropyWeightsAndIgnoreIndexFollowPyTorchsMeanRule()
    {
        using var scope = NewDisposeScope();
        double[,] logits = { { 1, 2, 3 }, { 0, 0, 1 }, { 2, -1, 0 } };
        Tensor x = tensor(logits);
        double Nll(int i, int c) => Math.Log(Enumerable.Range(0, 3).Sum(k => Math.Exp(logits[i, k]))) - logits[i, c];
        double[] w = { 0.5, 2, 1 };
        // Weighted mean divides by the sum of the weights of the (non-ignored) targets.
        double weighted = (w[2] * Nll(0, 2) + w[0] * Nll(1, 0) + w[1] * Nll(2, 1)) / (w[2] + w[0] + w[1]);
        Assert.AreEqual(weighted, F.cross_entropy(x, tensor(new long[] { 2, 0, 1 }), weight: tensor(w)).item<double>(), 1e-12);
        double ignored = (Nll(0, 2) + Nll(2, 1)) / 2;
        Assert.AreEqual(ignored, F.cross_entropy(x, tensor(new long[] { 2, -100, 1 })).item<double>(), 1e-12);
        double sum = Nll(0, 2) + Nll(1, 0) + Nll(2, 1);
        Assert.AreEqual(sum, F.cross_entropy(x, tensor(new long[] { 2, 0, 1 }), reduction: nn.Reduction.Sum).item<double>(), 1e-12);
        AreClose(new[] { Nll(0, 2), Nll(1, 0), Nll(2, 1) }, F.cross_entropy(x, tensor(new long[] { 2, 0, 1 }), reduction: nn.Reduction.None), 1e-12);
        Assert.AreEqual(sum / 3, F.nll_loss(F.log_softmax(x, 1), tensor(new long[] { 2, 0, 1 })).item<double>(), 1e-12);
    }

    [TestMethod]
    public void LossModulesApplyTheirSettings()
    {
        using var scope = NewDisposeScope();
        Tensor logits = tensor(new double[] { 1, 2, 3, 0, 0, 1 }, new long[] { 2, 3 });
        Tensor labels = tensor(new long[] { 2, 0 });
        Tensor weight = tensor(new double[] { 2, 1, 0.5 });
        using var ce = nn.CrossEntropyLoss(weight, reduction: nn.Reduction.Sum, label_smoothing: 0.1);
        Assert.IsTrue(ce.call(logits, labels).equal(F.cross_entropy(logits, labels, weight, reduction: nn.Reduction.Sum, label_smoothing: 0.1)));
        Assert.IsEmpty(ce.state_dict(), "class weights are settings, not saved state");
        using var mse = nn.MSELoss(nn.Reduction.Sum);
        Assert.AreEqual(1.0 + 4.0, mse.call(tensor(new double[] { 1, 2 }), zeros(2, ScalarType.Float64)).item<double>(), 1e-12);
        using var bce = nn.BCEWithLogitsLoss(pos_weights: tensor(new double[] { 3 }));
        using var holder = nn.Sequential(("loss", nn.Identity()));
        holder.register_module("bce", bce);
        Assert.IsEmpty(holder.state_dict(), "a loss inside a model adds nothing to its saved state");
        Assert.AreEqual(-3 * Math.Log(0.5), bce.call(zeros(1, ScalarType.Float64), ones(1, ScalarType.Float64)).item<double>(), 1e-12);
    }

    [TestMethod]
    public void RegressionLossesMatchHandComputedValues()
    {
        using var scope = NewDisposeScope();
        Tensor prediction = tensor(new double[] { 0.2, -1.5, 3 });
        Tensor target = zeros(3, ScalarType.Float64);
        Assert.AreEqual((0.04 + 2.25 + 9) / 3, F.mse_loss(prediction, target).item<double>(), 1e-12);
        Assert.AreEqual(0.2 + 1.5 + 3, F.l1_loss(prediction, target, nn.Reduction.Sum).item<double>(), 1e-12);
        // beta = 1: 0.5·0.2², 1.5 − 0.5, 3 − 0.5.
        Assert.AreEqual((0.02 + 1.0 + 2.5) / 3, F.smooth_l1_loss(prediction, target).item<double>(), 1e-12);
        // beta = 2: 0.5·0.04/2, 0.5·2.25/2, 3 − 1.
        AreClose(new[] { 0.01, 0.5625, 2.0 }, F.smooth_l1_loss(prediction, target, nn.Reduction.None, beta: 2), 1e-12);
    }

    [TestMethod]
    public void BinaryCrossEntropyWithLogitsAndPosWeightMatchesFormula()
    {
        using var scope = NewDisposeScope();
        double[] x = { 0.3, -2, 1.5 }, y = { 1, 0, 0.25 }, pw = { 2, 1, 3 };
        double Sig(double v) => 1 / (1 + Math.Exp(-v));
        double[] expected = x.Select((v, i) => -(pw[i] * y[i] * Math.Log(Sig(v)) + (1 - y[i]) * Math.Log(1 - Sig(v)))).ToArray();
        AreClose(expected, F.binary_cross_entropy_with_logits(tensor(x), tensor(y), reduction: nn.Reduction.None, pos_weights: tensor(pw)), 1e-12);
        double[] probabilities = x.Select(Sig).ToArray();
        double plain = x.Select((v, i) => -(y[i] * Math.Log(Sig(v)) + (1 - y[i]) * Math.Log(1 - Sig(v)))).Average();
        Assert.AreEqual(plain, F.binary_cross_entropy(tensor(probabilities), tensor(y)).item<double>(), 1e-12);
    }

    [TestMethod]
    public void InterpolateNearestRepeatsAndBilinearAlignCornersAverages()
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(new double[] { 1, 2, 3, 4 }, new long[] { 1, 1, 2, 2 });
        AreClose(new double[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, F.interpolate(x, scale_factor: new[] { 2.0 }));
        Tensor row = tensor(new double[] { 1, 5 }, new long[] { 1, 1, 1, 2 });
        AreClose(new double[] { 1, 3, 5 }, F.interpolate(row, size: new long[] { 1, 3 }, mode: nn.InterpolationMode.Bilinear, align_corners: true));
        AreClose(new double[] { 2.5 }, F.interpolate(x, size: new long[] { 1, 1 }, mode: nn.InterpolationMode.Area));
        Assert.ThrowsExactly<ArgumentException>(() => F.interpolate(x));
        Assert.ThrowsExactly<ArgumentException>(() => F.interpolate(x, size: new long[] { 3, 3 }, align_corners: true));
    }

    [TestMethod]
    public void IdentityAffineGridSamplesTheInputBack()
    {
        using var scope = NewDisposeScope();
        Tensor x = randn(new long[] { 2, 3, 4, 5 }, ScalarType.Float64);
        Tensor theta = tensor(new double[] { 1, 0, 0, 0, 1, 0 }, new long[] { 1, 2, 3 }).expand(2, 2, 3);
        Tensor grid = F.affine_grid(theta, new long[] { 2, 3, 4, 5 }, align_corners: true);
        Assert.IsTrue(F.grid_sample(x, grid, align_corners: true).allclose(x, 1e-10, 1e-10));
        Assert.IsTrue(F.grid_sample(x, grid, nn.GridSampleMode.Nearest, align_corners: true).allclose(x, 1e-10, 1e-10));
    }

    [TestMethod]
    public void FoldOfUnfoldWithDisjointBlocksIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        Tensor x = randn(new long[] { 1, 2, 4, 6 }, ScalarType.Float64);
        Tensor blocks = F.unfold(x, 2, stride: 2);
        CollectionAssert.AreEqual(new long[] { 1, 2 * 2 * 2, 2 * 3 }, blocks.shape);
        Assert.IsTrue(F.fold(blocks, (4, 6), (2, 2), stride: (2, 2)).equal(x));
    }

    [TestMethod]
    public void NormalisationLayersMatchManualStatistics()
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(new double[] { 1, 2, 3, 6, -1, 4 }, new long[] { 2, 3 });
        double Normalise(double v, double[] row) => (v - row.Average()) / Math.Sqrt(row.Select(r => (r - row.Average()) * (r - row.Average())).Average() + 1e-5);
        double[] r0 = { 1, 2, 3 }, r1 = { 6, -1, 4 };
        AreClose(r0.Select(v => Normalise(v, r0)).Concat(r1.Select(v => Normalise(v, r1))).ToArray(), nn.LayerNorm(3, dtype: ScalarType.Float64).call(x), 1e-9);
        // GroupNorm with one group per sample normalises each sample over all its channels: same numbers here.
        AreClose(r0.Select(v => Normalise(v, r0)).Concat(r1.Select(v => Normalise(v, r1))).ToArray(), nn.GroupNorm(1, 3, dtype: ScalarType.Float64).call(x.unsqueeze(2)), 1e-9);
    }

    [TestMethod]
    public void BatchNormUpdatesRunningStatisticsAndUsesThemInEval()
    {
        using var scope = NewDisposeScope();
        using BatchNorm1d bn = nn.BatchNorm1d(2, dtype: ScalarType.Float64);
        Tensor batch = tensor(new double[] { 1, 10, 3, 20, 8, 30 }, new long[] { 3, 2 });
        Tensor y = bn.call(batch);
        // Channel 0: mean 4, biased var 26/3, unbiased 13; channel 1: mean 20, biased var 200/3, unbiased 100.
        AreClose(new[] { 0.1 * 4, 0.1 * 20 }, bn.running_mean!, 1e-12);
        AreClose(new[] { 0.9 + 0.1 * 13, 0.9 + 0.1 * 100 }, bn.running_var!, 1e-12);
        Assert.AreEqual(1L, bn.num_batches_tracked!.item<long>());
        Assert.AreEqual((1 - 4) / Math.Sqrt(26.0 / 3 + 1e-5), y[0, 0].item<double>(), 1e-9);

        bn.eval();
        Tensor z = bn.call(batch);
        Assert.AreEqual((1 - 0.4) / Math.Sqrt(2.2 + 1e-5), z[0, 0].item<double>(), 1e-9);
        Assert.AreEqual(1L, bn.num_batches_tracked!.item<long>(), "eval must not count batches");
        AreClose(new[] { 0.4, 2.0 }, bn.running_mean!, 1e-12, "eval must not update running statistics");

        using BatchNorm1d cumulative = nn.BatchNorm1d(1, momentum: null, dtype: ScalarType.Float64);
        cumulative.call(tensor(new double[] { 1, 3 }, new long[] { 2, 1 }));
        cumulative.call(tensor(new double[] { 5, 9 }, new long[] { 2, 1 }));
        AreClose(new[] { (2 + 7) / 2.0 }, cumulative.running_mean!, 1e-12, "momentum null = cumulative average");
    }

    [TestMethod]
    public void DropoutZeroesAboutPAndScalesSurvivorsOnlyInTraining()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        Dropout dropout = nn.Dropout(0.25);
        Tensor x = ones(100_000);
        double[] y = dropout.call(x).ToArray<float>().Select(v => (double)v).ToArray();
        double zeroFraction = y.Count(v => v == 0) / (double)y.Length;
        Assert.AreEqual(0.25, zeroFraction, 0.01);
        Assert.IsTrue(y.All(v => v == 0 || Math.Abs(v - 1 / 0.75) < 1e-6), "survivors are scaled by 1/(1-p)");
        dropout.eval();
        Assert.IsTrue(dropout.call(x).equal(x));

        Dropout2d channels = nn.Dropout2d(0.5);
        Tensor maps = ones(new long[] { 4, 50, 3, 3 });
        Tensor kept = channels.call(maps).sum(new long[] { 2, 3 });
        // Each channel is dropped or kept whole: its sum is 0 or 9·2.
        Assert.IsTrue(kept.ToArray<float>().All(v => v == 0 || Math.Abs(v - 18) < 1e-4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => nn.Dropout(1.5));
    }

    [TestMethod]
    public void TrainAndEvalPropagateAndChangeDropoutAndBatchNorm()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using Sequential model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2));
        Tensor x = randn(new long[] { 16, 4 });
        Assert.IsTrue(model.training && model.modules().All(m => m.training));
        Tensor a = model.call(x), b = model.call(x);
        Assert.IsFalse(a.equal(b), "training: dropout draws a new mask each call");
        model.eval();
        Assert.IsTrue(model.modules().All(m => !m.training));
        Tensor c = model.call(x), d = model.call(x);
        Assert.IsTrue(c.equal(d), "eval: deterministic");
        // In eval, one sample's output does not depend on the rest of the batch (running statistics, no dropout).
        Assert.IsTrue(model.call(x[TensorIndex.Slice(0, 1)]).allclose(c[TensorIndex.Slice(0, 1)], 1e-5, 1e-6));
        model.train();
        Assert.IsFalse(model.call(x[TensorIndex.Slice(0, 2)]).allclose(model.call(x)[TensorIndex.Slice(0, 2)]), "training: batch statistics");
    }

    [TestMethod]
    public void NormalizeAndCosineSimilarityMatchHandComputedValues()
    {
        using var scope = NewDisposeScope();
        Tensor a = tensor(new double[] { 3, 4, 1, 0 }, new long[] { 2, 2 });
        Tensor b = tensor(new double[] { 4, 3, -2, 0 }, new long[] { 2, 2 });
        AreClose(new[] { 0.6, 0.8, 1, 0 }, F.normalize(a), 1e-12);
        AreClose(new[] { 24.0 / 25, -1 }, F.cosine_similarity(a, b), 1e-12);
        AreClose(new[] { 0.0 }, F.cosine_similarity(zeros(1, 3, ScalarType.Float64), ones(1, 3, ScalarType.Float64)), 0, "a zero vector gives 0, not NaN");
    }

    [TestMethod]
    public void ActivationsMatchTheirFormulas()
    {
        using var scope = NewDisposeScope();
        double[] v = { -2, -0.5, 0.5, 3 };
        Tensor x = tensor(v);
        AreClose(v.Select(t => Math.Max(t, 0)).ToArray(), nn.ReLU().call(x));
        AreClose(v.Select(t => t >= 0 ? t : 0.2 * t).ToArray(), nn.LeakyReLU(0.2).call(x));
        AreClose(v.Select(t => 0.5 * t * (1 + Erf(t / Math.Sqrt(2)))).ToArray(), nn.GELU().call(x), 1e-7);
        AreClose(v.Select(t => 0.5 * t * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (t + 0.044715 * t * t * t)))).ToArray(), nn.GELU("tanh").call(x), 1e-9);
        double z = v.Sum(Math.Exp);
        AreClose(v.Select(t => Math.Exp(t) / z).ToArray(), nn.Softmax(0).call(x), 1e-12);
        AreClose(v.Select(t => t - Math.Log(z)).ToArray(), nn.LogSoftmax(0).call(x), 1e-12);
        AreClose(v.Select(t => 1 / (1 + Math.Exp(-t))).ToArray(), nn.Sigmoid().call(x), 1e-12);
        AreClose(v.Select(Math.Tanh).ToArray(), nn.Tanh().call(x), 1e-12);
    }

    // .NET has no erf: its Maclaurin series, accurate to ~1e-15 for |x| ≤ 3.
    private static double Erf(double x)
    {
        double sum = 0, term = x;
        for (int n = 0; n < 60; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
