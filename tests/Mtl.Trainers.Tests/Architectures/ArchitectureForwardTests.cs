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
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => new CrossStitchNetwork.Options().Build(TrunkSpec.MultiLeNet(), [1, 28, 28], [Plain])).Message, "TrunkSpec.Mlp");
    }
}
