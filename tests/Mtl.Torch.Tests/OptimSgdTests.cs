using Mtl.Torch.Modules;
using static Mtl.Torch.Tests.OptimTestSupport;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>SGD and signSGD against hand-computed updates (p = [1, −2], g₁ = [0.5, 1], g₂ = [−1, 2], g₃ = [0.2, −0.4]).</summary>
[TestClass]
public class OptimSgdTests
{
    private static readonly double[] G1 = { 0.5, 1 }, G2 = { -1, 2 }, G3 = { 0.2, -0.4 };

    [TestMethod]
    public void PlainSgdSubtractsLrTimesGradient()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1);
        var t = Run(opt, p, G1, G2);
        AssertValues(new[] { 0.95, -2.1 }, t[0], what: "step 1");
        AssertValues(new[] { 1.05, -2.3 }, p);
    }

    [TestMethod]
    public void MomentumBufferStartsAsTheGradient()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9);
        SetGrad(p, G1);
        opt.step();
        // First step: b = g (no (1 − dampening) factor, no decay of a zero buffer).
        var state = (SGD.State)opt.state_dict().State[0];
        AssertValues(G1, state.momentum_buffer!, what: "buffer after step 1");
        AssertValues(new[] { 0.95, -2.1 }, p, what: "p after step 1");
        // b = 0.9·[0.5, 1] + [−1, 2] = [−0.55, 2.9]; p −= 0.1·b.
        SetGrad(p, G2);
        opt.step();
        AssertValues(new[] { -0.55, 2.9 }, state.momentum_buffer!, what: "buffer after step 2");
        AssertValues(new[] { 1.005, -2.39 }, p, what: "p after step 2");
        // b = 0.9·[−0.55, 2.9] + [0.2, −0.4] = [−0.295, 2.21].
        SetGrad(p, G3);
        opt.step();
        AssertValues(new[] { 1.0345, -2.611 }, p, what: "p after step 3");
    }

    [TestMethod]
    public void DampeningScalesLaterGradientsOnly()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, dampening: 0.5);
        Run(opt, p, G1);
        AssertValues(new[] { 0.95, -2.1 }, p, what: "first step is undamped");
        // b = 0.9·[0.5, 1] + 0.5·[−1, 2] = [−0.05, 1.9].
        Run(opt, p, G2);
        AssertValues(new[] { 0.955, -2.29 }, p);
    }

    [TestMethod]
    public void NesterovStepsAlongGradientPlusMomentumTimesBuffer()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, nesterov: true);
        // d = g + 0.9·b with b = g: [0.95, 1.9].
        Run(opt, p, G1);
        AssertValues(new[] { 0.905, -2.19 }, p, what: "step 1");
        // b = [−0.55, 2.9]; d = [−1, 2] + 0.9·b = [−1.495, 4.61].
        Run(opt, p, G2);
        AssertValues(new[] { 1.0545, -2.651 }, p, what: "step 2");
    }

    [TestMethod]
    public void WeightDecayAddsL2TermToTheGradient()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, weight_decay: 0.1);
        // d = g + 0.1·p = [0.6, 0.8].
        Run(opt, p, G1);
        AssertValues(new[] { 0.94, -2.08 }, p, what: "step 1");
        // d = [−1 + 0.094, 2 − 0.208] = [−0.906, 1.792].
        Run(opt, p, G2);
        AssertValues(new[] { 1.0306, -2.2592 }, p, what: "step 2");
    }

    [TestMethod]
    public void MaximizeAscends()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, maximize: true);
        Run(opt, p, G1);
        AssertValues(new[] { 1.05, -1.9 }, p, what: "step 1");
        // The buffer accumulates −g: b = 0.9·[−0.5, −1] + [1, −2] = [0.55, −2.9]; p −= 0.1·b.
        Run(opt, p, G2);
        AssertValues(new[] { 0.995, -1.61 }, p, what: "step 2");
    }

    [TestMethod]
    public void ParametersWithoutGradientAreSkipped()
    {
        using var a = Param(1, -2);
        using var b = Param(3, 4);
        using var opt = optim.SGD(new[] { a, b }, lr: 0.1, momentum: 0.9);
        SetGrad(a, G1);
        opt.step();
        AssertValues(new[] { 3.0, 4.0 }, b);
        Assert.IsNull(((SGD.State)opt.state_dict().State[1]).momentum_buffer);
        AssertValues(new[] { 0.95, -2.1 }, a);
    }

    [TestMethod]
    public void ZeroGradZeroesOrClearsGradients()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { p }, lr: 0.1);
        SetGrad(p, G1);
        opt.zero_grad();
        using (var g = p.grad)
        {
            Assert.IsNotNull(g);
            AssertValues(new[] { 0.0, 0.0 }, g);
        }
        opt.zero_grad(set_to_none: true);
        Assert.IsNull(p.grad);
        opt.step(); // nothing to do, nothing changes
        AssertValues(new[] { 1.0, -2.0 }, p);
    }

    [TestMethod]
    public void InvalidHyperParametersAreRejectedWithTheirName()
    {
        using var p = Param(1, -2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.SGD(new[] { p }, lr: -0.1)).Message, "learning rate");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.SGD(new[] { p }, lr: 0.1, momentum: -1)).Message, "momentum");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).Message, "Nesterov");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.SGD(Array.Empty<Parameter>(), lr: 0.1)).Message, "empty parameter group");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.SGD(new[] { p, p }, lr: 0.1)).Message, "already appears");
    }

    [TestMethod]
    public void SignSgdStepsByLrPerCoordinate()
    {
        using var p = Param(1, -2, 3);
        using var opt = optim.SignSGD(new[] { p }, lr: 0.1);
        Run(opt, p, new[] { 0.5, -1e-3, 0 });
        AssertValues(new[] { 0.9, -1.9, 3 }, p);
    }

    [TestMethod]
    public void SignSgdWithMomentumUsesTheSignOfTheAverage()
    {
        using var p = Param(1, -2);
        using var opt = optim.SignSGD(new[] { p }, lr: 0.1, momentum: 0.5);
        Run(opt, p, new[] { 1.0, 1.0 });
        AssertValues(new[] { 0.9, -2.1 }, p, what: "step 1");
        // m = 0.5·[0.5, 0.5] + 0.5·[−0.5, −3] = [0, −1.25] → sign [0, −1].
        Run(opt, p, new[] { -0.5, -3.0 });
        AssertValues(new[] { 0.9, -2.0 }, p, what: "step 2");
        AssertValues(new[] { 0.0, -1.25 }, ((SignSGD.State)opt.state_dict().State[0]).momentum_buffer!);
    }

    [TestMethod]
    public void MomentumSetterChangesEveryGroupOrNothing()
    {
        using var a = Param(1, -2);
        using var b = Param(3, 4);
        using var opt = optim.SGD(new[] { new SGD.ParamGroup(new[] { a }, lr: 0.1), new SGD.ParamGroup(new[] { b }, lr: 0.2, momentum: 0.3) }, lr: 0.1);
        opt.Momentum = 0.5;
        CollectionAssert.AreEqual(new double?[] { 0.5, 0.5 }, opt.state_dict().Options.Cast<SGD.Options>().Select(o => o.momentum).ToArray());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => opt.Momentum = -1).Message, "momentum");
        Assert.AreEqual(0.5, opt.Momentum);
        CollectionAssert.AreEqual(new double?[] { 0.5, 0.5 }, opt.state_dict().Options.Cast<SGD.Options>().Select(o => o.momentum).ToArray());
    }

    [TestMethod]
    public void NamedParametersAreAccepted()
    {
        using var p = Param(1, -2);
        using var opt = optim.SGD(new[] { ("weight", p) }, lr: 0.1);
        Run(opt, p, G1);
        AssertValues(new[] { 0.95, -2.1 }, p);
        Assert.AreSame(p, opt.parameters().Single());
    }
}
