using Mtl.Torch.Modules;
using static Mtl.Torch.torch;
using F = Mtl.Torch.torch.nn.functional;

namespace Mtl.Torch.Tests;

/// <summary>Every layer, functional op and loss: autograd gradients against central finite differences in float64.</summary>
[TestClass]
public class NnGradientTests
{
    private const ScalarType F64 = ScalarType.Float64;

    private static Tensor Leaf(params long[] shape) => GradCheck.Leaf(shape);

    // ---------------- layers (input and all parameters) ----------------

    private static readonly Dictionary<string, Func<(nn.Module<Tensor, Tensor> module, Tensor input, long? seed)>> Layers = new()
    {
        ["Linear"] = () => (nn.Linear(4, 5, dtype: F64), Leaf(3, 4), null),
        ["Linear without bias"] = () => (nn.Linear(4, 2, hasBias: false, dtype: F64), Leaf(3, 4), null),
        ["Conv2d stride 2, padding 1, groups 2"] = () => (nn.Conv2d(4, 6, 3, stride: 2, padding: 1, groups: 2, dtype: F64), Leaf(2, 4, 5, 5), null),
        ["Conv2d dilation 2, no bias, rectangular"] = () => (nn.Conv2d(2, 3, (2, 3), dilation: (2, 1), bias: false, dtype: F64), Leaf(1, 2, 5, 6), null),
        ["BatchNorm1d training"] = () => (Randomized(nn.BatchNorm1d(3, dtype: F64)), Leaf(6, 3), null),
        ["BatchNorm1d training on (N, C, L)"] = () => (Randomized(nn.BatchNorm1d(2, dtype: F64)), Leaf(3, 2, 4), null),
        ["BatchNorm1d eval"] = () => (Evaluated(Randomized(nn.BatchNorm1d(3, dtype: F64))), Leaf(4, 3), null),
        ["BatchNorm2d training"] = () => (Randomized(nn.BatchNorm2d(3, dtype: F64)), Leaf(2, 3, 3, 3), null),
        ["BatchNorm2d eval"] = () => (Evaluated(Randomized(nn.BatchNorm2d(2, dtype: F64))), Leaf(2, 2, 3, 3), null),
        ["GroupNorm"] = () => (Randomized(nn.GroupNorm(2, 4, dtype: F64)), Leaf(2, 4, 3, 2), null),
        ["LayerNorm over two dims"] = () => (Randomized(nn.LayerNorm(new long[] { 3, 4 }, dtype: F64)), Leaf(2, 3, 4), null),
        ["Dropout training"] = () => (nn.Dropout(0.3), Leaf(4, 6), 11),
        ["Dropout2d training"] = () => (nn.Dropout2d(0.5), Leaf(2, 6, 2, 2), 12),
        ["MaxPool2d 2"] = () => (nn.MaxPool2d(2), Leaf(2, 2, 4, 4), null),
        ["MaxPool2d 3, stride 2, padding 1"] = () => (nn.MaxPool2d(3, stride: 2, padding: 1), Leaf(1, 2, 5, 5), null),
        ["AvgPool2d 2"] = () => (nn.AvgPool2d(2), Leaf(2, 2, 4, 4), null),
        ["AvgPool2d 3, stride 2, padding 1, exclude pad"] = () => (nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: false), Leaf(1, 2, 5, 5), null),
        ["AdaptiveAvgPool2d (2, 3)"] = () => (nn.AdaptiveAvgPool2d((2, 3)), Leaf(1, 2, 5, 7), null),
        ["Flatten"] = () => (nn.Flatten(), Leaf(2, 3, 2), null),
        ["ReLU"] = () => (nn.ReLU(), Leaf(4, 5), null),
        ["LeakyReLU"] = () => (nn.LeakyReLU(0.2), Leaf(4, 5), null),
        ["GELU"] = () => (nn.GELU(), Leaf(4, 5), null),
        ["GELU tanh"] = () => (nn.GELU("tanh"), Leaf(4, 5), null),
        ["Sigmoid"] = () => (nn.Sigmoid(), Leaf(4, 5), null),
        ["Tanh"] = () => (nn.Tanh(), Leaf(4, 5), null),
        ["Softmax"] = () => (nn.Softmax(1), Leaf(3, 4), null),
        ["LogSoftmax"] = () => (nn.LogSoftmax(1), Leaf(3, 4), null),
        ["Sequential conv-bn-relu-pool-flatten-linear"] = () => (
            nn.Sequential(nn.Conv2d(1, 2, 3, padding: 1, dtype: F64), nn.BatchNorm2d(2, dtype: F64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3, dtype: F64)),
            Leaf(3, 1, 4, 4), null),
    };

    public static IEnumerable<object[]> LayerNames => Layers.Keys.Select(k => new object[] { k });

    /// <summary>Replaces ones/zeros affine parameters by random values so scale and shift matter in the check.</summary>
    private static T Randomized<T>(T module) where T : nn.Module
    {
        foreach (Parameter p in module.parameters()) nn.init.normal_(p, 0.5, 1.0);
        return module;
    }

    /// <summary>Runs two training batches (so the running statistics are not 0/1) and switches to eval.</summary>
    private static BatchNorm Evaluated(BatchNorm module)
    {
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (int n in new[] { 5, 7 })
            {
                long[] shape = module is BatchNorm2d ? new long[] { n, module.num_features, 3, 3 } : new long[] { n, module.num_features };
                module.call(randn(shape, F64) * 2 + 1);
            }
        }
        module.eval();
        return module;
    }

    [TestMethod]
    [DynamicData(nameof(LayerNames))]
    public void LayerGradientsMatchFiniteDifferences(string layer)
    {
        manual_seed(1234);
        using var scope = NewDisposeScope();
        var (module, input, seed) = Layers[layer]();
        using (module)
            GradCheck.CheckModule(layer, module, input, seed);
    }

    // ---------------- functional ops without parameters ----------------

    private static readonly Dictionary<string, Func<(Func<Tensor[], Tensor> op, Tensor[] inputs)>> Ops = new()
    {
        ["conv2d with given weights"] = () => (a => F.conv2d(a[0], a[1], a[2], strides: new long[] { 1, 2 }, padding: new long[] { 1 }), new[] { Leaf(2, 3, 4, 5), Leaf(2, 3, 3, 3), Leaf(2) }),
        ["linear with given weights"] = () => (a => F.linear(a[0], a[1], a[2]), new[] { Leaf(3, 4), Leaf(2, 4), Leaf(2) }),
        ["elu"] = () => (a => F.elu(a[0], 0.7), new[] { Leaf(3, 4) }),
        ["softplus"] = () => (a => F.softplus(a[0], 2), new[] { Leaf(3, 4) }),
        ["normalize"] = () => (a => F.normalize(a[0]), new[] { Leaf(3, 4) }),
        ["cosine_similarity"] = () => (a => F.cosine_similarity(a[0], a[1]), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["softmax on dim 0"] = () => (a => F.softmax(a[0], 0), new[] { Leaf(3, 4) }),
        ["batch_norm functional without running stats"] = () => (a => F.batch_norm(a[0], null, null, a[1], a[2], training: true), new[] { Leaf(5, 3), Leaf(3), Leaf(3) }),
        ["layer_norm functional"] = () => (a => F.layer_norm(a[0], new long[] { 4 }, a[1], a[2]), new[] { Leaf(3, 4), Leaf(4), Leaf(4) }),
        ["group_norm functional"] = () => (a => F.group_norm(a[0], 3, a[1], a[2]), new[] { Leaf(2, 6, 2), Leaf(6), Leaf(6) }),
        ["pad constant"] = () => (a => F.pad(a[0], new long[] { 1, 2, 0, 1 }, nn.PaddingModes.Constant, 0.5), new[] { Leaf(1, 2, 3, 3) }),
        ["pad reflect"] = () => (a => F.pad(a[0], new long[] { 2, 1, 1, 2 }, nn.PaddingModes.Reflect), new[] { Leaf(1, 2, 3, 4) }),
        ["pad replicate"] = () => (a => F.pad(a[0], new long[] { 1, 2, 2, 0 }, nn.PaddingModes.Replicate), new[] { Leaf(1, 2, 3, 3) }),
        ["pad circular"] = () => (a => F.pad(a[0], new long[] { 1, 2, 2, 1 }, nn.PaddingModes.Circular), new[] { Leaf(1, 2, 3, 3) }),
        ["interpolate nearest x2"] = () => (a => F.interpolate(a[0], scale_factor: new[] { 2.0 }), new[] { Leaf(1, 2, 3, 3) }),
        ["interpolate bilinear to size"] = () => (a => F.interpolate(a[0], size: new long[] { 5, 4 }, mode: nn.InterpolationMode.Bilinear), new[] { Leaf(1, 2, 3, 3) }),
        ["interpolate bilinear align_corners"] = () => (a => F.interpolate(a[0], size: new long[] { 4, 6 }, mode: nn.InterpolationMode.Bilinear, align_corners: true), new[] { Leaf(1, 1, 3, 3) }),
        ["interpolate bicubic"] = () => (a => F.interpolate(a[0], scale_factor: new[] { 1.5, 2.0 }, mode: nn.InterpolationMode.Bicubic), new[] { Leaf(1, 1, 4, 4) }),
        ["interpolate area"] = () => (a => F.interpolate(a[0], size: new long[] { 2, 3 }, mode: nn.InterpolationMode.Area), new[] { Leaf(1, 2, 4, 6) }),
        ["grid_sample bilinear"] = () => (a => F.grid_sample(a[0], a[1].tanh() * 0.9), new[] { Leaf(1, 2, 4, 4), Leaf(1, 3, 3, 2) }),
        ["grid_sample bicubic border"] = () => (a => F.grid_sample(a[0], a[1].tanh(), nn.GridSampleMode.Bicubic, nn.GridSamplePaddingMode.Border, align_corners: true), new[] { Leaf(1, 1, 4, 4), Leaf(1, 2, 3, 2) }),
        ["grid_sample nearest (input only)"] = () => (a => F.grid_sample(a[0], GridForNearest(), nn.GridSampleMode.Nearest), new[] { Leaf(1, 2, 4, 4) }),
        ["affine_grid"] = () => (a => F.affine_grid(a[0], new long[] { 2, 1, 3, 4 }), new[] { Leaf(2, 2, 3) }),
        ["affine_grid into grid_sample"] = () => (a => F.grid_sample(a[1], F.affine_grid(a[0] * 0.3, new long[] { 1, 2, 3, 3 })), new[] { Leaf(1, 2, 3), Leaf(1, 2, 4, 4) }),
        ["unfold"] = () => (a => F.unfold(a[0], 2, padding: 1, stride: 2), new[] { Leaf(1, 2, 4, 3) }),
        ["unfold rectangular dilated"] = () => (a => F.unfold(a[0], (2, 3), dilation: (2, 1)), new[] { Leaf(2, 1, 5, 5) }),
        ["fold"] = () => (a => F.fold(a[0], (4, 5), (2, 2), stride: (1, 1)), new[] { Leaf(1, 2 * 4, 3 * 4) }),
    };

    public static IEnumerable<object[]> OpNames => Ops.Keys.Select(k => new object[] { k });

    private static Tensor GridForNearest()
    {
        // Away from the cell boundaries, where nearest sampling is piecewise constant.
        return tensor(new double[] { -0.7, -0.6, 0.1, 0.7, 0.6, -0.1 }, new long[] { 1, 1, 3, 2 });
    }

    [TestMethod]
    [DynamicData(nameof(OpNames))]
    public void FunctionalGradientsMatchFiniteDifferences(string op)
    {
        manual_seed(99);
        using var scope = NewDisposeScope();
        var (f, inputs) = Ops[op]();
        GradCheck.CheckOutput(op, () => f(inputs), inputs);
    }

    // ---------------- losses ----------------

    private static Tensor Classes(params long[] labels) => tensor(labels);

    private static readonly Dictionary<string, Func<(Func<Tensor[], Tensor> loss, Tensor[] inputs)>> Losses = new()
    {
        ["cross_entropy"] = () => (a => F.cross_entropy(a[0], Classes(0, 2, 1, 2)), new[] { Leaf(4, 3) }),
        ["cross_entropy class weights"] = () => (a => F.cross_entropy(a[0], Classes(0, 2, 1, 2), weight: tensor(new[] { 0.2, 1.0, 3.0 })), new[] { Leaf(4, 3) }),
        ["cross_entropy ignore_index"] = () => (a => F.cross_entropy(a[0], Classes(0, -100, 1, 2), ignore_index: -100), new[] { Leaf(4, 3) }),
        ["cross_entropy label smoothing"] = () => (a => F.cross_entropy(a[0], Classes(0, 2, 1, 2), label_smoothing: 0.2), new[] { Leaf(4, 3) }),
        ["cross_entropy smoothing + weights + sum"] = () => (a => F.cross_entropy(a[0], Classes(1, 2, 1, 0), weight: tensor(new[] { 0.5, 2.0, 1.0 }), reduction: nn.Reduction.Sum, label_smoothing: 0.1), new[] { Leaf(4, 3) }),
        ["cross_entropy reduction none, spatial"] = () => (a => F.cross_entropy(a[0], Classes(0, 1, 2, 1, 0, 2).reshape(2, 3), reduction: nn.Reduction.None), new[] { Leaf(2, 3, 3) }),
        ["cross_entropy probability targets"] = () => (a => F.cross_entropy(a[0], F.softmax(a[1], 1)), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["nll_loss"] = () => (a => F.nll_loss(F.log_softmax(a[0], 1), Classes(2, 0, 1)), new[] { Leaf(3, 3) }),
        ["nll_loss weights + ignore"] = () => (a => F.nll_loss(a[0], Classes(2, 0, 1, 1), weight: tensor(new[] { 1.0, 0.5, 2.0 }), ignore_index: 0), new[] { Leaf(4, 3) }),
        ["mse_loss mean"] = () => (a => F.mse_loss(a[0], a[1]), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["mse_loss sum"] = () => (a => F.mse_loss(a[0], a[1], nn.Reduction.Sum), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["mse_loss none"] = () => (a => F.mse_loss(a[0], a[1], nn.Reduction.None), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["l1_loss"] = () => (a => F.l1_loss(a[0], a[1]), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["smooth_l1_loss beta 0.5"] = () => (a => F.smooth_l1_loss(a[0], a[1], beta: 0.5), new[] { Leaf(4, 4), Leaf(4, 4) }),
        ["binary_cross_entropy_with_logits"] = () => (a => F.binary_cross_entropy_with_logits(a[0], a[1].sigmoid()), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["binary_cross_entropy_with_logits weight + pos_weight"] = () => (a => F.binary_cross_entropy_with_logits(a[0], a[1].sigmoid(), weight: tensor(new[] { 1.0, 0.5, 2.0, 1.5 }), pos_weights: tensor(new[] { 3.0, 1.0, 0.5, 2.0 })), new[] { Leaf(3, 4), Leaf(3, 4) }),
        ["binary_cross_entropy"] = () => (a => F.binary_cross_entropy(a[0].sigmoid() * 0.9 + 0.05, a[1].sigmoid()), new[] { Leaf(3, 4), Leaf(3, 4) }),
    };

    public static IEnumerable<object[]> LossNames => Losses.Keys.Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(LossNames))]
    public void LossGradientsMatchFiniteDifferences(string loss)
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var (f, inputs) = Losses[loss]();
        GradCheck.CheckOutput(loss, () => f(inputs), inputs);
    }
}
