using Mtl.Torch.Modules;
using static Mtl.Torch.Tests.OptimTestSupport;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>Adam, AdamW and AMSGrad against hand-derived values and a scalar re-derivation of PyTorch's rules.</summary>
[TestClass]
public class OptimAdamTests
{
    private static readonly double[] P0 = { 1, -2 };
    private static readonly double[] G1 = { 0.5, 1 }, G2 = { -1, 2 }, G3 = { 0.2, -0.4 };

    /// <summary>PyTorch's Adam/AdamW rule written out per coordinate with plain doubles (rates: a learning rate per step).</summary>
    private static double[] Reference(double[] start, double[][] gradients, double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weight_decay = 0, bool decoupled = false, bool amsgrad = false, bool maximize = false, double[]? rates = null)
    {
        double[] p = (double[])start.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        var vMax = new double[p.Length];
        for (int t = 1; t <= gradients.Length; t++)
        {
            double rate = rates?[t - 1] ?? lr;
            for (int i = 0; i < p.Length; i++)
            {
                double g = maximize ? -gradients[t - 1][i] : gradients[t - 1][i];
                if (decoupled) p[i] *= 1 - rate * weight_decay;
                else g += weight_decay * p[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                vMax[i] = Math.Max(vMax[i], v[i]);
                double second = amsgrad ? vMax[i] : v[i];
                double denom = Math.Sqrt(second) / Math.Sqrt(1 - Math.Pow(beta2, t)) + eps;
                p[i] -= rate / (1 - Math.Pow(beta1, t)) * m[i] / denom;
            }
        }
        return p;
    }

    [TestMethod]
    public void FirstStepIsLrTimesGradientOverItsMagnitude()
    {
        // Bias correction makes m̂ = g and v̂ = g² on step 1: p ← p − lr·g/(|g| + eps).
        using var p = Param(P0);
        using var opt = optim.Adam(new[] { p }, lr: 0.1);
        Run(opt, p, G1);
        AssertValues(new[] { 1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 - 0.1 * 1 / (1 + 1e-8) }, p);
    }

    [TestMethod]
    public void SecondStepUsesBiasCorrectedMoments()
    {
        using var p = Param(P0);
        using var opt = optim.Adam(new[] { p }, lr: 0.1);
        Run(opt, p, G1);
        double[] p1 = Values(p);
        Run(opt, p, G2);
        var state = (Adam.State)opt.state_dict().State[0];
        Assert.AreEqual(2L, state.step);
        // m₂ = 0.9·0.1·g₁ + 0.1·g₂, v₂ = 0.999·0.001·g₁² + 0.001·g₂².
        double[] m2 = { -0.055, 0.29 }, v2 = { 0.00124975, 0.004999 };
        AssertValues(m2, state.exp_avg, what: "exp_avg");
        AssertValues(v2, state.exp_avg_sq, 1e-15, "exp_avg_sq");
        // Bias corrections after two steps: 1 − 0.9² = 0.19 and 1 − 0.999² = 0.001999.
        double[] expected = Enumerable.Range(0, 2).Select(i => p1[i] - 0.1 / 0.19 * m2[i] / (Math.Sqrt(v2[i]) / Math.Sqrt(0.001999) + 1e-8)).ToArray();
        AssertValues(expected, p);
        Run(opt, p, G3);
        AssertValues(Reference(P0, new[] { G1, G2, G3 }, lr: 0.1), p, what: "step 3");
    }

    [TestMethod]
    public void NonDefaultBetasAndEpsFollowTheRule()
    {
        using var p = Param(P0);
        using var opt = optim.Adam(new[] { p }, lr: 0.05, beta1: 0.5, beta2: 0.7, eps: 0.1);
        Run(opt, p, G1, G2, G3);
        AssertValues(Reference(P0, new[] { G1, G2, G3 }, lr: 0.05, beta1: 0.5, beta2: 0.7, eps: 0.1), p);
        Assert.AreEqual((0.5, 0.7), opt.Betas);
    }

    [TestMethod]
    public void AdamWDecayIsDecoupledAndDiffersFromAdamL2()
    {
        using var pw = Param(P0);
        using var pl2 = Param(P0);
        using var adamw = optim.AdamW(new[] { pw }, lr: 0.1, weight_decay: 0.1);
        using var adam = optim.Adam(new[] { pl2 }, lr: 0.1, weight_decay: 0.1);
        Run(adamw, pw, G1);
        Run(adam, pl2, G1);
        // AdamW: shrink by (1 − lr·wd) = 0.99, then the plain Adam step on g.
        AssertValues(new[] { 0.99 - 0.1 * 0.5 / (0.5 + 1e-8), -1.98 - 0.1 / (1 + 1e-8) }, pw, what: "AdamW");
        // Adam: g + wd·p = [0.6, 0.8] enters the moments, so step 1 is lr·sign-like on that.
        AssertValues(new[] { 1 - 0.1 * 0.6 / (0.6 + 1e-8), -2 - 0.1 * 0.8 / (0.8 + 1e-8) }, pl2, what: "Adam L2");
        Assert.IsGreaterThan(1e-3, Math.Abs(Values(pw)[0] - Values(pl2)[0]));

        Run(adamw, pw, G2, G3);
        Run(adam, pl2, G2, G3);
        AssertValues(Reference(P0, new[] { G1, G2, G3 }, lr: 0.1, weight_decay: 0.1, decoupled: true), pw, what: "AdamW step 3");
        AssertValues(Reference(P0, new[] { G1, G2, G3 }, lr: 0.1, weight_decay: 0.1), pl2, what: "Adam step 3");
    }

    [TestMethod]
    public void AdamWDefaultsToWeightDecayOneHundredth()
    {
        using var p = Param(P0);
        using var opt = optim.AdamW(new[] { p });
        var options = (AdamW.Options)opt.state_dict().Options[0];
        Assert.AreEqual(0.01, options.weight_decay);
        Assert.AreEqual(1e-3, options.LearningRate);
    }

    [TestMethod]
    public void AmsgradDividesByTheRunningMaximumOfV()
    {
        double[] big = { 1, 1 }, small = { 0.01, 0.01 };
        using var p = Param(P0);
        using var plain = Param(P0);
        using var opt = optim.Adam(new[] { p }, lr: 0.1, amsgrad: true);
        using var reference = optim.Adam(new[] { plain }, lr: 0.1);
        Run(opt, p, big, small);
        Run(reference, plain, big, small);
        var state = (Adam.State)opt.state_dict().State[0];
        // v₂ = 0.999·0.001 + 0.001·0.0001 = 0.0009991 fell below v₁ = 0.001: v̂ keeps 0.001.
        AssertValues(new[] { 0.0009991, 0.0009991 }, state.exp_avg_sq, 1e-16, "v");
        AssertValues(new[] { 0.001, 0.001 }, state.max_exp_avg_sq!, 1e-16, "v̂");
        AssertValues(Reference(P0, new[] { big, small }, lr: 0.1, amsgrad: true), p, what: "amsgrad");
        Assert.IsGreaterThan(1e-6, Math.Abs(Values(p)[0] - Values(plain)[0]), "AMSGrad must differ from Adam once v decreases");
        Run(opt, p, G3);
        AssertValues(Reference(P0, new[] { big, small, G3 }, lr: 0.1, amsgrad: true), p, what: "step 3");
    }

    [TestMethod]
    public void MaximizeEqualsMinimizingTheNegatedGradient()
    {
        using var pMax = Param(P0);
        using var pMin = Param(P0);
        using var maximizer = optim.Adam(new[] { pMax }, lr: 0.1, maximize: true);
        using var minimizer = optim.Adam(new[] { pMin }, lr: 0.1);
        Run(maximizer, pMax, G1, G2, G3);
        Run(minimizer, pMin, Negate(G1), Negate(G2), Negate(G3));
        AssertValues(Values(pMin), pMax, 0);
        Assert.IsGreaterThan(1.0, Values(pMax)[0], "ascending along g₁ first");

        using var pDecay = Param(P0);
        using var withDecay = optim.AdamW(new[] { pDecay }, lr: 0.1, weight_decay: 0.2, maximize: true, amsgrad: true);
        Run(withDecay, pDecay, G1, G2, G3);
        AssertValues(Reference(P0, new[] { G1, G2, G3 }, lr: 0.1, weight_decay: 0.2, decoupled: true, amsgrad: true, maximize: true), pDecay);
    }

    private static double[] Negate(double[] g) => g.Select(x => -x).ToArray();

    [TestMethod]
    public void ParamGroupsUseTheirOwnLearningRateAndInheritOtherDefaults()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using var c = Param(P0);
        using var opt = optim.Adam(new[]
        {
            new Adam.ParamGroup { Parameters = new[] { a } },
            new Adam.ParamGroup(new[] { b }, new Adam.Options { LearningRate = 0.01 }),
        }, lr: 0.1, beta1: 0.5);
        opt.add_param_group(new Adam.ParamGroup(new[] { c }, lr: 0.2, beta1: 0.8));

        var groups = opt.ParamGroups.ToList();
        CollectionAssert.AreEqual(new[] { 0.1, 0.01, 0.2 }, groups.Select(g => g.LearningRate).ToArray());
        CollectionAssert.AreEqual(new[] { 0.1, 0.01, 0.2 }, groups.Select(g => g.InitialLearningRate).ToArray());
        var options = opt.state_dict().Options.Cast<Adam.Options>().ToList();
        CollectionAssert.AreEqual(new double?[] { 0.5, 0.5, 0.8 }, options.Select(o => o.beta1).ToArray());

        foreach (Parameter p in new[] { a, b, c }) SetGrad(p, G1);
        opt.step();
        AssertValues(new[] { 1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 - 0.1 / (1 + 1e-8) }, a, what: "group 0");
        AssertValues(new[] { 1 - 0.01 * 0.5 / (0.5 + 1e-8), -2 - 0.01 / (1 + 1e-8) }, b, what: "group 1");
        AssertValues(new[] { 1 - 0.2 * 0.5 / (0.5 + 1e-8), -2 - 0.2 / (1 + 1e-8) }, c, what: "group 2");

        // A scheduler-style change of one group's rate is used by that group's next step.
        groups[1].LearningRate = 0.05;
        Run(opt, b, G2);
        AssertValues(Reference(P0, new[] { G1, G2 }, lr: double.NaN, beta1: 0.5, rates: new[] { 0.01, 0.05 }), b, what: "group 1 after the change");
        CollectionAssert.AreEqual(new[] { 0.1, 0.05, 0.2 }, opt.ParamGroups.Select(g => g.LearningRate).ToArray());
        Assert.AreEqual(3, opt.parameters().Count());
    }

    [TestMethod]
    public void GroupsGivenOneOptionsRecordDoNotShareIt()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        var shared = new Adam.Options { LearningRate = 0.01 };
        using var opt = optim.Adam(new[] { new Adam.ParamGroup(new[] { a }, shared), new Adam.ParamGroup(new[] { b }, shared) }, beta1: 0.7);
        var groups = opt.ParamGroups.ToList();
        groups[0].LearningRate = 0.5;
        Assert.AreEqual(0.01, groups[1].LearningRate);
        Assert.AreEqual(0.01, shared.LearningRate);
        Assert.IsNull(shared.beta1, "the caller's record is not filled in");
        Assert.AreEqual(0.7, ((Adam.ParamGroup)groups[1]).Betas.Item1);
    }

    [TestMethod]
    public void GroupOfAnotherOptimizerKindIsRejected()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using var opt = optim.Adam(new[] { a });
        var e = Assert.ThrowsExactly<ArgumentException>(() => opt.add_param_group(new SGD.ParamGroup(new[] { b }, lr: 0.1)));
        StringAssert.Contains(e.Message, "Options");
        Assert.AreEqual(1, opt.parameters().Count());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.Adam(new[] { b }, beta1: 1.0)).Message, "beta1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optim.AdamW(new[] { b }, eps: -1)).Message, "eps");
    }
}
