using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods.Tensors;

[TestClass]
public sealed class LossWeightingTests
{
    private static (double Value, double[] Grads) Run(LossWeighting method, StepContext context, params double[] losses)
    {
        using var scope = torch.NewDisposeScope();
        var leaves = TensorMath.Leaves(losses);
        var total = method.Combine(leaves, context);
        Assert.AreEqual(1L, total.numel());
        total.backward();
        return (TensorMath.Value(total), TensorMath.Grads(leaves));
    }

    private static StepContext Context(int tasks, int epoch = 0, long step = 0, params double[] losses)
    {
        var context = new StepContext(tasks, seed: 3);
        context.BeginStep(step, epoch, losses.Length == tasks ? losses : Enumerable.Repeat(1.0, tasks).ToArray());
        return context;
    }

    [TestMethod]
    public void EwSumsTheLosses()
    {
        var method = new EW();
        var (value, grads) = Run(method, Context(3), 0.5, 2, 1.5);
        Assert.AreEqual(4.0, value, 1e-12);
        MethodMath.AreClose([1, 1, 1], grads, 1e-12);
        MethodMath.AreClose([1, 1, 1], method.CurrentWeights!, 0);
    }

    [TestMethod]
    public void FixedWeightsAndSingleTask()
    {
        var (value, grads) = Run(new FixedWeights(0.25, 0.75), Context(2), 2, 4);
        Assert.AreEqual(3.5, value, 1e-12);
        MethodMath.AreClose([0.25, 0.75], grads, 1e-12);
        var stl = FixedWeights.SingleTask(1);
        Assert.AreEqual("STL", stl.Name);
        MethodMath.AreClose([0, 1, 0], Run(stl, Context(3), 1, 2, 3).Grads, 0);
        Assert.ThrowsExactly<ArgumentException>(() => new FixedWeights(1, 1).Initialize(3));
        Assert.ThrowsExactly<ArgumentException>(() => new FixedWeights(-1, 1));
        Assert.ThrowsExactly<ArgumentException>(() => FixedWeights.SingleTask(2).Initialize(2));
    }

    [TestMethod]
    public void UwMatchesItsFormulaAndTrainsTheLogVariances()
    {
        var method = new UW();
        method.Initialize(2);
        using var scope = torch.NewDisposeScope();
        var leaves = TensorMath.Leaves(2, 0.5);
        var total = method.Combine(leaves, Context(2));
        total.backward();
        double precision = Math.Exp(0.5); // e^{−s} with s = −0.5
        Assert.AreEqual((2 + 0.5) * precision / 2 + 2 * (-0.5) / 2, TensorMath.Value(total), 1e-6);
        MethodMath.AreClose([precision / 2, precision / 2], TensorMath.Grads(leaves), 1e-6);
        var parameter = method.Parameters().Single();
        MethodMath.AreClose([-2 * precision / 2 + 0.5, -0.5 * precision / 2 + 0.5], TensorMath.Values(parameter.grad!), 1e-5);
        MethodMath.AreClose([precision / 2, precision / 2], method.CurrentWeights!, 1e-6);
    }

    [TestMethod]
    public void AnalyticUwDividesEveryGradientByItsLoss()
    {
        var (value, grads) = Run(new AnalyticUW(), Context(2), 4, 0.25);
        Assert.AreEqual(2.0, value, 1e-12);
        MethodMath.AreClose([0.25, 4], grads, 1e-12);
    }

    [TestMethod]
    public void DwaIsEwForTwoEpochsThenSoftmaxOfLossRatios()
    {
        var method = new DWA();
        MethodMath.AreClose([1, 1], Run(method, Context(2), 2, 4).Grads, 0);
        method.OnEpochEnd([2, 4]);
        MethodMath.AreClose([1, 1], Run(method, Context(2), 1, 4).Grads, 0);
        method.OnEpochEnd([1, 4]);
        // Ratios (1/2, 4/4) with τ = 2.
        var grads = Run(method, Context(2), 1, 1).Grads;
        double a = Math.Exp(0.5 / 2), b = Math.Exp(1.0 / 2);
        MethodMath.AreClose([2 * a / (a + b), 2 * b / (a + b)], grads, 1e-12);
        Assert.HasCount(2, method.EpochMeans);
        // The weights change only at epoch ends.
        MethodMath.AreClose(grads, Run(method, Context(2), 5, 0.1).Grads, 1e-12);
        Assert.ThrowsExactly<ArgumentException>(() => method.OnEpochEnd([1, 0]));
        Assert.ThrowsExactly<ArgumentException>(() => method.OnEpochEnd([1, 1, 1]));
    }

    [TestMethod]
    public void GlsIsTheGeometricMean()
    {
        var (value, grads) = Run(new GLS(), Context(2), 2, 8);
        Assert.AreEqual(4.0, value, 1e-12);
        MethodMath.AreClose([4.0 / (2 * 2), 4.0 / (2 * 8)], grads, 1e-12);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => Run(new GLS(), Context(2), 1, 0));
        StringAssert.Contains(e.Message, "task 1");
    }

    [TestMethod]
    public void RlwWeightsAreRandomPositiveAndNormalised()
    {
        foreach (var distribution in new[] { RlwDistribution.NormalSoftmax, RlwDistribution.Dirichlet })
        {
            var perOne = new RLW(distribution);
            var perTask = new RLW(distribution, sumToTaskCount: true);
            var random = new Random(1);
            var mean = new double[3];
            for (int k = 0; k < 4000; k++)
            {
                var w = perOne.SampleWeights(3, random);
                Assert.AreEqual(1.0, w.Sum(), 1e-12);
                Assert.IsTrue(w.All(x => x > 0));
                for (int i = 0; i < 3; i++)
                    mean[i] += w[i] / 4000;
            }
            // Exchangeable draws: every task's mean weight is 1/3.
            MethodMath.AreClose([1.0 / 3, 1.0 / 3, 1.0 / 3], mean, 0.02, distribution.ToString());
            Assert.AreEqual(3.0, perTask.SampleWeights(3, random).Sum(), 1e-12);
            var (value, grads) = Run(perTask, Context(3), 1, 1, 1);
            Assert.AreEqual(3.0, value, 1e-12);
            Assert.AreEqual(3.0, grads.Sum(), 1e-12);
        }
        // Same seed, same weights.
        MethodMath.AreClose(new RLW().SampleWeights(4, new Random(9)), new RLW().SampleWeights(4, new Random(9)), 0);
    }

    [TestMethod]
    public void ImtlLScalesTheLossesAndTrainsTheScales()
    {
        var method = new IMTLL();
        using var scope = torch.NewDisposeScope();
        var leaves = TensorMath.Leaves(3, 0.5);
        var total = method.Combine(leaves, Context(2));
        total.backward();
        Assert.AreEqual(3.5, TensorMath.Value(total), 1e-6);
        MethodMath.AreClose([1, 1], TensorMath.Grads(leaves), 1e-6);
        // ∂/∂sᵢ (e^{sᵢ}Lᵢ − sᵢ) at s = 0 is Lᵢ − 1.
        MethodMath.AreClose([2, -0.5], TensorMath.Values(method.Parameters().Single().grad!), 1e-6);
    }

    [TestMethod]
    public void FamoDescendsOnWeightedLogLossesAndUpdatesItsLogits()
    {
        var method = new FAMO();
        Assert.IsTrue(method.Requirements.NeedsLossesAfterStep);
        var context = Context(2, losses: [2, 0.5]);
        var (value, grads) = Run(method, context, 2, 0.5);
        // z = (½, ½), c = 1/(½/2 + ½/0.5) = 0.8.
        Assert.AreEqual(0.8 * 0.5 * (Math.Log(2) + Math.Log(0.5)), value, 1e-12);
        MethodMath.AreClose([0.8 * 0.5 / 2, 0.8 * 0.5 / 0.5], grads, 1e-12);

        Assert.ThrowsExactly<InvalidOperationException>(() => method.AfterStep(context));
        context.RecordLossesAfterStep([1, 0.5]);
        method.AfterStep(context);
        // δ = (log 2, 0); (∂z/∂ξ)ᵀδ = z ⊙ (δ − z·δ) = (¼ log 2, −¼ log 2); ξ = −β·that (ξ was 0, so no decay term).
        double step = 0.025 * 0.25 * Math.Log(2);
        MethodMath.AreClose([-step, step], method.Logits.ToArray(), 1e-15);
        // The task that improved less (task 2) now weighs more.
        var z = method.TaskProbabilities();
        Assert.IsGreaterThan(z[0], z[1]);
    }

    [TestMethod]
    public void StchWarmsUpWithEwThenUsesTheSmoothMax()
    {
        var method = new STCH(mu: 0.5, warmupEpochs: 1);
        Run(method, Context(2), 2, 3);
        MethodMath.AreClose([1, 1], Run(method, Context(2), 1.5, 3.5).Grads, 0);
        MethodMath.AreClose([1.5, 3], method.IdealPoint!.ToArray(), 0);
        method.OnEpochEnd([1.75, 3.25]);
        var (value, grads) = Run(method, Context(2), 2, 3.5);
        // Gaps (0.5, 0.5) / μ = (1, 1): μ·log(2e) and equal softmax weights.
        Assert.AreEqual(0.5 * Math.Log(2 * Math.E), value, 1e-12);
        MethodMath.AreClose([0.5, 0.5], grads, 1e-12);
        // A larger gap dominates: gaps (1, 0) → weights softmax(2, 0).
        grads = Run(method, Context(2), 2.5, 3).Grads;
        double e2 = Math.Exp(2);
        MethodMath.AreClose([e2 / (e2 + 1), 1 / (e2 + 1)], grads, 1e-12);
        MethodMath.AreClose(grads, method.CurrentWeights!, 1e-12);
    }

    [TestMethod]
    public void GradNormBalanceLossMatchesAHandComputedGradient()
    {
        var method = new GradNorm(alpha: 1.5);
        var context = Context(2);
        var (value, grads) = Run(method, context, 1, 2);
        Assert.AreEqual(3.0, value, 1e-6);
        MethodMath.AreClose([1, 1], grads, 1e-6);
        using var scope = torch.NewDisposeScope();
        // First step: rᵢ = 1, G = (1, 3), target (2, 2): L_grad = 2, ∂L_grad/∂p = (−2, 2) (see the remarks in GradNorm).
        var balance = method.BalanceLoss([1.0, 3.0], context);
        Assert.AreEqual(2.0, TensorMath.Value(balance), 1e-6);
        balance.backward();
        MethodMath.AreClose([-2, 2], TensorMath.Values(method.Parameters().Single().grad!), 1e-5);
        Assert.ThrowsExactly<ArgumentException>(() => method.BalanceLoss([1.0], context));
    }

    [TestMethod]
    public void GradNormTargetFollowsTheRelativeTrainingRates()
    {
        var method = new GradNorm(alpha: 1);
        var context = Context(2);
        Run(method, context, 1, 1);
        using var scope = torch.NewDisposeScope();
        method.BalanceLoss([1.0, 1.0], context);
        // Task 1 halved its loss, task 2 did not: r = (0.5, 1)/0.75; norms equal (1, 1) → target (2/3, 4/3).
        Run(method, Context(2, step: 1), 0.5, 1);
        var balance = method.BalanceLoss([1.0, 1.0], context);
        Assert.AreEqual(1.0 / 3 + 1.0 / 3, TensorMath.Value(balance), 1e-6);
    }

    [TestMethod]
    public void MethodsThatNeedTrainerCooperationRefuseToContinueSilentlyWithoutIt()
    {
        var gradNorm = new GradNorm();
        Run(gradNorm, Context(2), 1, 1);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => Run(gradNorm, Context(2), 1, 1)).Message, "BalanceLoss");
        var famo = new FAMO();
        Run(famo, Context(2), 1, 1);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => Run(famo, Context(2), 1, 1)).Message, "AfterStep");
    }

    [TestMethod]
    public void TwoIdenticalTasksReduceEveryLossWeightingToScaledEw()
    {
        var methods = new LossWeighting[]
        {
            new EW(), new FixedWeights(0.3, 0.7), new UW(), new AnalyticUW(), new DWA(), new GLS(), new RLW(),
            new RLW(RlwDistribution.Dirichlet, true), new IMTLL(), new FAMO(), new STCH(warmupEpochs: 0), new GradNorm(),
        };
        foreach (var method in methods)
        {
            using var scope = torch.NewDisposeScope();
            // Shared parameter θ, both tasks the same loss (θ·a)² with θ·a = 2: every weighting gives (Σw)·4a, a positive
            // multiple of EW's gradient 8a.
            var theta = torch.tensor(new[] { 1.5, 1.0 }, requires_grad: true);
            var a = torch.tensor(new[] { 2.0, -1.0 });
            var losses = Enumerable.Range(0, 2).Select(_ => (theta * a).sum().square()).ToArray();
            method.Combine(losses, Context(2, losses: [0.0, 0.0])).backward();
            var grad = TensorMath.Values(theta.grad!);
            double ratio = grad[0] / 2.0;
            Assert.IsGreaterThan(0.0, ratio, method.Name);
            Assert.AreEqual(-ratio, grad[1], 1e-9 * ratio, method.Name);
        }
    }

    [TestMethod]
    public void CombineRejectsBadInput()
    {
        var method = new EW();
        Assert.ThrowsExactly<ArgumentException>(() => method.Combine(TensorMath.Leaves(1), Context(2)));
        using var vector = torch.tensor(new[] { 1.0, 2.0 });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => method.Combine([vector, vector], Context(2))).Message, "scalar");
    }
}
