using Mtl.Torch.Modules;
using static Mtl.Torch.Tests.OptimTestSupport;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>Learning-rate schedules (PyTorch's chainable updates) against their closed forms, over two groups.</summary>
[TestClass]
public class OptimSchedulerTests
{
    private static readonly double[] BaseRates = { 0.1, 0.03 };

    /// <summary>Steps a fresh scheduler over a two-group SGD and checks every epoch's rates against closed(base, epoch).</summary>
    private static void CheckSchedule(Func<optim.Optimizer, optim.lr_scheduler.LRScheduler> make, Func<double, int, double> closed, int epochs)
    {
        using var a = Param(1.0);
        using var b = Param(2.0);
        using var opt = optim.SGD(new[] { new SGD.ParamGroup(new[] { a }, lr: BaseRates[0]), new SGD.ParamGroup(new[] { b }, lr: BaseRates[1]) }, lr: 1);
        var scheduler = make(opt);
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            if (epoch > 0) scheduler.step();
            Assert.AreEqual(epoch, scheduler.last_epoch);
            double[] expected = BaseRates.Select(r => closed(r, epoch)).ToArray();
            AssertValues(expected, scheduler.get_last_lr().ToArray(), 1e-12, $"get_last_lr at epoch {epoch}");
            AssertValues(expected, opt.ParamGroups.Select(g => g.LearningRate).ToArray(), 1e-12, $"group rates at epoch {epoch}");
        }
    }

    [TestMethod]
    public void StepLRDecaysEveryStepSizeEpochs() =>
        CheckSchedule(o => optim.lr_scheduler.StepLR(o, step_size: 3, gamma: 0.5), (lr, e) => lr * Math.Pow(0.5, e / 3), 10);

    [TestMethod]
    public void MultiStepLRDecaysAtEachMilestoneOccurrence() =>
        CheckSchedule(o => optim.lr_scheduler.MultiStepLR(o, new[] { 5, 2, 5 }, gamma: 0.1),
            (lr, e) => lr * Math.Pow(0.1, (e >= 2 ? 1 : 0) + (e >= 5 ? 2 : 0)), 8);

    [TestMethod]
    public void ExponentialLRDecaysEveryEpoch() =>
        CheckSchedule(o => optim.lr_scheduler.ExponentialLR(o, gamma: 0.9), (lr, e) => lr * Math.Pow(0.9, e), 12);

    [TestMethod]
    public void CosineAnnealingFollowsTheCosineThroughAndPastTMax() =>
        CheckSchedule(o => optim.lr_scheduler.CosineAnnealingLR(o, T_max: 4, eta_min: 0.001),
            (lr, e) => 0.001 + (lr - 0.001) * (1 + Math.Cos(Math.PI * e / 4)) / 2, 13);

    [TestMethod]
    public void ScheduledRateIsTheOneTheOptimizerUses()
    {
        using var p = Param(0.0);
        using var opt = optim.SGD(new[] { p }, lr: 1);
        var scheduler = optim.lr_scheduler.StepLR(opt, step_size: 1, gamma: 0.5);
        double expected = 0;
        for (int epoch = 0; epoch < 4; epoch++)
        {
            Run(opt, p, new[] { -1.0 });
            expected += Math.Pow(0.5, epoch);
            AssertValues(new[] { expected }, p, what: $"epoch {epoch}");
            scheduler.step();
        }
    }

    [TestMethod]
    public void ChainableScheduleComposesWithOutsideChanges()
    {
        using var p = Param(0.0);
        using var opt = optim.SGD(new[] { p }, lr: 1);
        var scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma: 0.5);
        scheduler.step();
        opt.ParamGroups.Single().LearningRate = 10; // e.g. a manual warm restart
        scheduler.step();
        Assert.AreEqual(5.0, opt.ParamGroups.Single().LearningRate, 1e-15);
        Assert.AreEqual(1.0, opt.ParamGroups.Single().InitialLearningRate);
    }

    [TestMethod]
    public void InvalidScheduleArgumentsAreRejected()
    {
        using var p = Param(0.0);
        using var opt = optim.SGD(new[] { p }, lr: 1);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optim.lr_scheduler.StepLR(opt, step_size: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optim.lr_scheduler.CosineAnnealingLR(opt, T_max: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optim.lr_scheduler.ExponentialLR(opt, 0.5, last_epoch: -2));
    }
}
