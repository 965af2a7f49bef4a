using Mtl.Trainers.Network;
using Mtl.Trainers.Network.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests.Architectures;

/// <summary>Each architecture's forward against a tiny case computed by hand.</summary>
[TestClass]
public sealed class ArchitectureForwardTests
{
    private static readonly TaskDefinition Plain = new("Y", kind: TaskKind.Regression) { HeadHiddenSizes = [], HeadDropout = 0 };

    /// <summary>Sets the named parameters (flattened values) and checks that no name is unknown.</summary>
    private static void Set(nn.Module network, Dictionary<string, float[]> values)
    {
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var noGrad = no_grad();
        foreach ((string name, float[] v) in values)
        {
            Assert.IsTrue(parameters.TryGetValue(name, out var p), $"no parameter '{name}': {string.Join(", ", parameters.Keys)}");
            using Tensor t = tensor(v).view(p!.shape);
            p.copy_(t);
        }
    }

    private static float[] Run(MultiTaskNetwork network, float[] x, long[] shape, int task)
    {
        network.eval();
        using var noGrad = no_grad();
        using Tensor input = tensor(x, shape);
        return network.forward(input)[task].data<float>().ToArray();
    }

    [TestMethod]
    public void MmoeMixesTwoExpertsWithItsSoftmaxGate()
    {
        using var network = (MmoeNetwork)new MmoeNetwork.Options { Experts = 2 }.Build(TrunkSpec.Mlp(1), [2], [Plain]);
        Set(network, new()
        {
            ["experts.0.layers.0.weight"] = [1, 0], ["experts.0.layers.0.bias"] = [0],
            ["experts.1.layers.0.weight"] = [0, 1], ["experts.1.layers.0.bias"] = [0],
            ["gates.0.weight"] = [1, 0, 0, 0], ["gates.0.bias"] = [0, 0],
            ["heads.0.output.weight"] = [1], ["heads.0.output.bias"] = [0],
        });
        // x = (1, 2): experts relu(1) = 1 and relu(2) = 2; gate softmax(1, 0) = (e/(e+1), 1/(e+1)).
        double g = Math.E / (Math.E + 1);
        Assert.AreEqual(g * 1 + (1 - g) * 2, Run(network, [1, 2], [1, 2], 0)[0], 1e-6);
    }

    [TestMethod]
    public void CgcGatesItsOwnExpertAndTheSharedOne()
    {
        using var network = new PleNetwork.CgcOptions { TaskExperts = 1, SharedExperts = 1 }.Build(TrunkSpec.Mlp(1), [1], [Plain]);
        // Level 0, path 0 = the task's expert, path 1 = the shared expert; the gate orders task experts first.
        Set(network, new()
        {
            ["experts.0.0.0.layers.0.weight"] = [3], ["experts.0.0.0.layers.0.bias"] = [0],
            ["experts.0.1.0.layers.0.weight"] = [5], ["experts.0.1.0.layers.0.bias"] = [0],
            ["gates.0.0.weight"] = [0, 0], ["gates.0.0.bias"] = [(float)Math.Log(3), 0],
            ["heads.0.output.weight"] = [1], ["heads.0.output.bias"] = [0],
        });
        // x = 1: own expert 3, shared expert 5; gate softmax(ln 3, 0) = (0.75, 0.25).
        Assert.AreEqual(0.75 * 3 + 0.25 * 5, Run(network, [1], [1, 1], 0)[0], 1e-6);
    }

    [TestMethod]
    public void PleStacksTwoLevels_TheSharedGateMixesEveryExpert_AndTheLastGateReadsItsPath()
    {
        using var network = new PleNetwork.Options { Levels = 2, TaskExperts = 1, SharedExperts = 1 }.Build(TrunkSpec.Mlp(1), [1], [Plain]);
        float ln3 = (float)Math.Log(3);
        var values = new Dictionary<string, float[]>
        {
            // Level 1: the task's expert relu(2x), the shared expert relu(4x); the task gate softmax(ln 3, 0) over
            // (own, shared); the shared gate softmax(0, ln 3) over every expert (task experts first).
            ["experts.0.0.0.layers.0.weight"] = [2], ["experts.0.0.0.layers.0.bias"] = [0],
            ["experts.0.1.0.layers.0.weight"] = [4], ["experts.0.1.0.layers.0.bias"] = [0],
            ["gates.0.0.weight"] = [0, 0], ["gates.0.0.bias"] = [ln3, 0],
            ["gates.0.1.weight"] = [0, 0], ["gates.0.1.bias"] = [0, ln3],
            // Level 2: Linear + ReLU experts on the paths; the task's gate reads the task path (weight 1 on its first logit).
            ["experts.1.0.0.linear.weight"] = [1], ["experts.1.0.0.linear.bias"] = [0],
            ["experts.1.1.0.linear.weight"] = [2], ["experts.1.1.0.linear.bias"] = [0],
            ["gates.1.0.weight"] = [1, 0], ["gates.1.0.bias"] = [0, 0],
            ["heads.0.output.weight"] = [1], ["heads.0.output.bias"] = [0],
        };
        CollectionAssert.AreEquivalent(values.Keys.ToArray(), network.named_parameters().Select(p => p.name).ToArray(), "every parameter is set by hand");
        Set(network, values);
        // x = 1: level 1 experts 2 and 4; task path 0.75·2 + 0.25·4 = 2.5; shared path 0.25·2 + 0.75·4 = 3.5.
        // Level 2: own expert relu(2.5) = 2.5, shared expert relu(2·3.5) = 7; gate softmax(2.5, 0) on the task path.
        double g = Math.Exp(2.5) / (Math.Exp(2.5) + 1);
        Assert.AreEqual(g * 2.5 + (1 - g) * 7, Run(network, [1], [1, 1], 0)[0], 1e-5);
    }

    [TestMethod]
    public void CrossStitchMixesTheColumnsWithItsInitialUnits()
    {
        using var network = (CrossStitchNetwork)new CrossStitchNetwork.Options().Build(TrunkSpec.Mlp(1), [1], [Plain, new TaskDefinition("Z", kind: TaskKind.Regression) { HeadHiddenSizes = [], HeadDropout = 0 }]);
        Set(network, new()
        {
            ["columns.0.0.weight"] = [1], ["columns.0.0.bias"] = [0],
            ["columns.1.0.weight"] = [2], ["columns.1.0.bias"] = [0],
            ["heads.0.output.weight"] = [1], ["heads.0.output.bias"] = [0],
            ["heads.1.output.weight"] = [1], ["heads.1.output.bias"] = [0],
        });
        Assert.AreEqual(0.9f, network.Stitch(0)[0, 0]);
        Assert.AreEqual(0.1f, network.Stitch(0)[0, 1]);
        // x = 3: columns relu(3) = 3 and relu(6) = 6; α = [[0.9, 0.1], [0.1, 0.9]].
        Assert.AreEqual(0.9 * 3 + 0.1 * 6, Run(network, [3], [1, 1], 0)[0], 1e-5);
        Assert.AreEqual(0.1 * 3 + 0.9 * 6, Run(network, [3], [1, 1], 1)[0], 1e-5);
    }

    [TestMethod]
    public void DSelectKSmoothStepAndSelectorMatchThePaper()
    {
        using Tensor t = tensor(new float[] { -2, -0.5f, 0, 0.25f, 0.5f, 2 });
        using Tensor s = DSelectKNetwork.SmoothStep(t, 1.0);
        // S(t) = −2t³/γ³ + 3t/(2γ) + ½ inside [−γ/2, γ/2], 0 below, 1 above; S(0.25) = −1/32 + 3/8 + 1/2.
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0.5f, 0.84375f, 1f, 1f }, s.data<float>().ToArray());

        using var network = (DSelectKNetwork)new DSelectKNetwork.Options { Experts = 2, Selectors = 1 }.Build(TrunkSpec.Mlp(1), [1], [Plain]);
        Set(network, new()
        {
            ["selectorLogits.0.weight"] = [0], ["selectorLogits.0.bias"] = [0.25f],
            ["selectorWeights.0.weight"] = [0], ["selectorWeights.0.bias"] = [0],
            ["experts.0.layers.0.weight"] = [1], ["experts.0.layers.0.bias"] = [0],
            ["experts.1.layers.0.weight"] = [3], ["experts.1.layers.0.bias"] = [0],
            ["heads.0.output.weight"] = [1], ["heads.0.output.bias"] = [0],
        });
        // One bit: expert 0 has code 0 (weight 1 − S), expert 1 code 1 (weight S); one selector, so softmax(α) = 1.
        using (no_grad())
        using (Tensor w = network.GateWeights(0, ones(1, 1)))
            CollectionAssert.AreEqual(new[] { 0.15625f, 0.84375f }, w.data<float>().ToArray());
        Assert.AreEqual(0.15625 * 2 + 0.84375 * 6, Run(network, [2], [1, 1], 0)[0], 1e-5);
    }

    [TestMethod]
    public void MtanMasksTheSharedStageFeature()
    {
        using var network = new MtanNetwork.Options().Build(TrunkSpec.Mlp(1), [1], [Plain]);
        Set(network, new()
        {
            ["backbone.0.weight"] = [1], ["backbone.0.bias"] = [0],
            ["attention.0.0.weight"] = [0], ["attention.0.0.bias"] = [(float)Math.Log(3)],
            ["heads.0.output.weight"] = [1], ["heads.0.output.bias"] = [0],
        });
        // x = 2: stage feature h = 2; mask σ(ln 3) = 0.75; the head reads 0.75 · 2.
        Assert.AreEqual(1.5, Run(network, [2], [1, 1], 0)[0], 1e-6);
    }

    private static readonly TaskDefinition Other = new("Z", kind: TaskKind.Regression) { HeadHiddenSizes = [], HeadDropout = 0 };

    /// <summary>Every parameter 0, except batch-norm scales, which are 1 (so an untouched norm is x/√(1 + ε) in evaluation mode).</summary>
    private static void ZeroAllButNormScales(nn.Module network)
    {
        using var noGrad = no_grad();
        foreach ((string name, TorchSharp.Modules.Parameter p) in network.named_parameters())
            p.fill_(name.Contains(".norm") && name.EndsWith(".weight") ? 1 : 0);
    }

    /// <summary>A 1×16×16 image whose pixel (y, x) is (16y + x)/256 (rises to the right and downwards).</summary>
    private static float[] Ramp() => Enumerable.Range(0, 256).Select(i => i / 256f).ToArray();

    /// <summary>A 5×5 kernel of one value, as the flattened values of an (out, in, 5, 5) weight with only [0, 0] set.</summary>
    private static float[] Kernel(long outChannels, long inChannels, float value, long readChannel = 0)
    {
        var w = new float[outChannels * inChannels * 25];
        for (int i = 0; i < 25; i++) w[readChannel * 25 + i] = value;
        return w;
    }

    /// <summary>An (out, in, 1, 1) weight with the given [o, i] entries set.</summary>
    private static float[] Pointwise(long outChannels, long inChannels, params (int Out, int In, float Value)[] entries)
    {
        var w = new float[outChannels * inChannels];
        foreach ((int o, int i, float v) in entries) w[o * inChannels + i] = v;
        return w;
    }

    [TestMethod]
    public void CrossStitchOnImagesMixesTheColumnsConvFeatureMapsAfterEachStage()
    {
        using var network = new CrossStitchNetwork.Options().Build(TrunkSpec.MultiLeNet(), [1, 16, 16], [Plain, Other]);
        Assert.IsInstanceOfType<CrossStitchConvNetwork>(network, "a conv trunk on images gets conv columns");
        var conv = (CrossStitchConvNetwork)network;
        Assert.AreEqual(0.9f, conv.Stitch(0)[0, 0]);
        Assert.AreEqual(0.1f, conv.Stitch(1)[1, 0]);
        ZeroAllButNormScales(network);
        Set(network, new()
        {
            // Stage 1 (conv k5 → maxpool 2 → ReLU, 16×16 → 10×6×6): column 0's channel 0 is the image's centre tap, column 1's twice it.
            ["columns.0.0.conv.weight"] = CentreTap(1), ["columns.1.0.conv.weight"] = CentreTap(2),
            // Stage 2 (6×6 → 20×1×1): channel 0 averages channel 0 over a 5×5 window (column 1: twice the average).
            ["columns.0.1.conv.weight"] = Kernel(20, 10, 1 / 25f), ["columns.1.1.conv.weight"] = Kernel(20, 10, 2 / 25f),
            // A learned second unit; the first keeps its initial 0.9 / 0.1.
            ["stitches.0"] = [0.9f, 0.1f, 0.1f, 0.9f], ["stitches.1"] = [0.5f, 0.5f, 0.25f, 0.75f],
            // Each column's tail fc (20 → 50) passes channel 0 on, each head reads unit 0.
            ["tails.0.fc.weight"] = Pointwise(50, 20, (0, 0, 1)), ["tails.1.fc.weight"] = Pointwise(50, 20, (0, 0, 1)),
            ["heads.0.output.weight"] = Pointwise(1, 50, (0, 0, 1)), ["heads.1.output.weight"] = Pointwise(1, 50, (0, 0, 1)),
        });
        // Stage 1: the centre tap of output (i, j) is pixel (i + 2, j + 2); the 2×2 max pool keeps the window's
        // bottom-right, a(i, j) = pixel(2i + 3, 2j + 3) for i, j in 0..5; column 1 is 2a. Unit 1: x̃₀ = 0.9a + 0.1·2a = 1.1a,
        // x̃₁ = 0.1a + 0.9·2a = 1.9a. Stage 2: of the four 5×5 windows the max pool keeps the bottom-right (i, j in 1..5),
        // whose mean of a is pixel(9, 9) = 153/256 = m: column 0 gives 1.1m, column 1 2·1.9m = 3.8m.
        // Unit 2: x̃₀ = 0.5·1.1m + 0.5·3.8m = 2.45m, x̃₁ = 0.25·1.1m + 0.75·3.8m = 3.125m.
        double m = 153 / 256.0;
        Assert.AreEqual(2.45 * m, Run(network, Ramp(), [1, 1, 16, 16], 0)[0], 1e-5);
        Assert.AreEqual(3.125 * m, Run(network, Ramp(), [1, 1, 16, 16], 1)[0], 1e-5);
        using (no_grad())
        {
            MultiTaskForward forward = network.Forward(tensor(Ramp(), [1, 1, 16, 16]));
            Assert.HasCount(2, forward.Boundaries, "the boundary is the T last mixed feature maps");
            CollectionAssert.AreEqual(new long[] { 1, 20, 1, 1 }, forward.Boundaries[1].shape);
        }

        static float[] CentreTap(float value)
        {
            var w = new float[10 * 25];
            w[12] = value;
            return w;
        }
    }

    [TestMethod]
    public void MtanOnImagesMasksEachStageFeatureMapWithTheTasksAttention()
    {
        using var network = new MtanNetwork.Options().Build(TrunkSpec.MultiLeNet(), [1, 16, 16], [Plain, Other]);
        Assert.IsInstanceOfType<MtanConvNetwork>(network, "a conv trunk on images gets the conv backbone");
        ZeroAllButNormScales(network);
        var centre = new float[10 * 25];
        centre[12] = 1;
        var values = new Dictionary<string, float[]>
        {
            // Backbone: stage 1 passes the (constant 1) image through channel 0 (h¹₀ = 1 on 6×6); stage 2 averages it ×2 (h²₀ = 2 on 1×1).
            ["backbone.0.conv.weight"] = centre, ["backbone.1.conv.weight"] = Kernel(20, 10, 2 / 25f),
        };
        float[] bias = [(float)Math.Log(3), -1];
        for (int k = 0; k < 2; k++)
        {
            // Stage 1 attention: conv 1×1 → BN → ReLU → conv 1×1 → BN → σ on h¹, channel 0 through; task k's last BN shifts by bₖ.
            values[$"attention.{k}.0.conv1.weight"] = Pointwise(10, 10, (0, 0, 1));
            values[$"attention.{k}.0.conv2.weight"] = Pointwise(10, 10, (0, 0, 1));
            values[$"attention.{k}.0.norm2.bias"] = [bias[k], 0, 0, 0, 0, 0, 0, 0, 0, 0];
            // f-block (a copy of stage 2) brings t¹ to stage 2's 20×1×1: channel 0 is the mean of t¹'s channel 0.
            values[$"bridges.{k}.0.conv.weight"] = Kernel(20, 10, 1 / 25f);
            // Stage 2 attention on [h² ; f(t¹)] (40 channels): channel 0 reads h²₀ + f(t¹)₀.
            values[$"attention.{k}.1.conv1.weight"] = Pointwise(20, 40, (0, 0, 1), (0, 20, 1));
            values[$"attention.{k}.1.conv2.weight"] = Pointwise(20, 20, (0, 0, 1));
            values[$"tails.{k}.fc.weight"] = Pointwise(50, 20, (0, 0, 1));
            values[$"heads.{k}.output.weight"] = Pointwise(1, 50, (0, 0, 1));
        }
        Set(network, values);
        // In evaluation mode an untouched BN is x·s with s = 1/√(1 + 1e-5). Stage 1: mask σ(s·s·1 + bₖ) on channel 0, so
        // t¹₀ = σ(s² + bₖ) = mₖ. Stage 2: f(t¹)₀ = mₖ; mask σ(s²(2 + mₖ)); t²₀ = 2σ(s²(2 + mₖ)); tail and head pass it on.
        double s2 = 1 / (1 + 1e-5);
        for (int k = 0; k < 2; k++)
        {
            double mk = Sigmoid(s2 + bias[k]);
            Assert.AreEqual(2 * Sigmoid(s2 * (2 + mk)), Run(network, Enumerable.Repeat(1f, 256).ToArray(), [1, 1, 16, 16], k)[0], 1e-5, $"task {k}");
        }
        using (no_grad())
        {
            MultiTaskForward forward = network.Forward(ones(1, 1, 16, 16));
            Assert.HasCount(2, forward.Boundaries, "the boundary is the L stage feature maps");
            CollectionAssert.AreEqual(new long[] { 1, 10, 6, 6 }, forward.Boundaries[0].shape);
        }

        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
    }

    [TestMethod]
    public void MtanOnImagesRefusesAOneRowTrainingBatchWhenAStageMapIsOnePixel()
    {
        using var network = new MtanNetwork.Options().Build(TrunkSpec.MultiLeNet(), [1, 16, 16], [Plain, Other]);
        network.train();
        using (Tensor two = zeros(2, 1, 16, 16)) network.Forward(two).Outputs.ToList().ForEach(o => o.Dispose());
        using Tensor one = zeros(1, 1, 16, 16);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => network.Forward(one));
        StringAssert.Contains(e.Message, "20×1×1");
        StringAssert.Contains(e.Message, "at least 20 px");
        // Evaluation mode uses the running statistics: one row scores.
        network.eval();
        using (no_grad()) Assert.HasCount(2, network.Forward(one).Outputs);
    }

    [TestMethod]
    public void TextFormsParseBackAndBadTextIsRefused()
    {
        foreach (string text in new[] { "mmoe", "mmoe(experts=8)", "cgc(sharedexperts=3)", "ple(levels=3,taskexperts=2)", "cross-stitch", "dselect-k(experts=8,selectors=3)", "mtan", "shared-bottom" })
            Assert.AreEqual(text, ArchitectureOptions.Parse(text).ToString());
        Assert.AreEqual("mmoe(experts=2)", ArchitectureOptions.Parse(" MMoE ( Experts = 2 ) ").ToString());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ArchitectureOptions.Parse("moe")).Message, "Accepted architectures: shared-bottom, mmoe(experts=4)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ArchitectureOptions.Parse("mmoe(expert=2)")).Message, "not an argument of mmoe");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ArchitectureOptions.Parse("mmoe(experts=0)")).Message, "Architecture.Experts");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ArchitectureOptions.Parse("ple(levels=1.5)")).Message, "whole number");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DSelectKNetwork.Options { Experts = 3 }.Build(TrunkSpec.Mlp(1), [1], [Plain]));
        StringAssert.Contains(e.Message, "power of two");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ArchitectureOptions.Parse("dselect-k(experts=6)")).Message, "Architecture.Experts must be a power of two");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ArchitectureOptions.Parse("dselect-k(gamma=0)")).Message, "a positive number");
        // The trainer validates the architecture with the other options, naming its path.
        var refused = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MultiHeadNetworkTrainer(new Microsoft.ML.MLContext(1),
            new MultiHeadNetworkTrainer.Options { Tasks = { Plain }, Architecture = new MmoeNetwork.Options { Experts = 0 } }));
        StringAssert.Contains(refused.Message, "Options.Architecture.Experts");
        // Cross-stitch and MTAN on images need a trunk with stages; a conv trunk needs image features.
        TrunkSpec custom = TrunkSpec.Custom(_ => nn.Flatten(), 784);
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => new CrossStitchNetwork.Options().Build(custom, [1, 28, 28], [Plain])).Message, "has no stages");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => new MtanNetwork.Options().Build(custom, [1, 28, 28], [Plain])).Message, "MTAN on images");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new MtanNetwork.Options().Build(TrunkSpec.MultiLeNet(), [5], [Plain])).Message, "needs image features");
    }
}
