using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Tests.Methods;

namespace Mtl.Trainers.Tests.Step;

/// <summary>signSGD and per-task Adam as TorchSharp optimizers, and the per-epoch learning-rate schedules.</summary>
[TestClass]
public sealed class OptimizerTests
{
    private static Parameter Vector(params double[] values) => new(torch.tensor(values, ScalarType.Float64));

    private static double[] Values(Tensor t)
    {
        using var d = t.detach();
        return d.data<double>().ToArray();
    }

    [TestMethod]
    public void SignSgdStepsAlongTheSignOfTheDecayedGradient()
    {
        using var scope = torch.NewDisposeScope();
        var p = Vector(1, -2, 3, 0.5);
        using var optimizer = new SignSgd([p], lr: 0.1, weightDecay: 0.5);
        p.grad = torch.tensor(new[] { 0.5, -0.1, 0.0, -0.3 }, ScalarType.Float64);
        optimizer.step();
        // g + 0.5·θ = (1, −1.1, 1.5, −0.05) → sign (1, −1, 1, −1).
        CollectionAssert.AreEqual(new[] { 0.9, -1.9, 2.9, 0.6 }, Values(p).Select(v => Math.Round(v, 12)).ToArray());
    }

    [TestMethod]
    public void SignumAveragesTheGradientBeforeTheSign()
    {
        using var scope = torch.NewDisposeScope();
        var p = Vector(0);
        using var optimizer = new SignSgd([p], lr: 1, momentum: 0.5);
        p.grad = torch.tensor(new[] { 4.0 }, ScalarType.Float64);
        optimizer.step();                     // m = 2 → θ = −1
        p.grad = torch.tensor(new[] { -3.0 }, ScalarType.Float64);
        optimizer.step();                     // m = 1 − 1.5 = −0.5 → θ = 0
        p.grad = torch.tensor(new[] { -3.0 }, ScalarType.Float64);
        optimizer.step();                     // m = −1.75 → θ = 1
        Assert.AreEqual(1.0, Values(p)[0]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SignSgd([p], lr: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SignSgd([p], lr: 1, momentum: 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SignSgd([p], lr: 1, weightDecay: -1));
    }

    [TestMethod]
    public void ASignSgdStateWithMomentumBuffersDoesNotLoadIntoOneWithout()
    {
        using var scope = torch.NewDisposeScope();
        var p = Vector(1);
        using var withMomentum = new SignSgd([p], lr: 1, momentum: 0.5);
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
            withMomentum.save_state_dict(writer);
        memory.Position = 0;
        using var plain = new SignSgd([Vector(1)], lr: 1);
        using var reader = new BinaryReader(memory);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => plain.load_state_dict(reader));
        StringAssert.Contains(e.Message, "written with a different momentum setting");
    }

    private static StackedGradients Rows(double[][] rows)
    {
        var matrix = torch.tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length }, ScalarType.Float64);
        return new StackedGradients([matrix], [new long[] { rows[0].Length }]);
    }

    [TestMethod]
    public void PerTaskAdamNormalisesEveryTaskByItsOwnMoments()
    {
        using var scope = torch.NewDisposeScope();
        var shared = Vector(0, 0);
        var head = Vector(1);
        using var optimizer = new PerTaskAdam([shared], 2, [head], lr: 0.01, eps: 0);
        // First step: m̂ = g and v̂ = g² per task, so the update is −η Σᵢ sign(gᵢ) whatever the tasks' scales.
        using (var g = Rows([[2, 1], [300, -400]]))
            optimizer.StageTaskGradients(g, null);
        head.grad = torch.tensor(new[] { -5.0 }, ScalarType.Float64);
        optimizer.step();
        MethodMath.AreClose([-0.02, 0], Values(shared), 1e-12);
        MethodMath.AreClose([1.01], Values(head), 1e-12, "the head takes a plain Adam step");
        CollectionAssert.AreEqual(new long[] { 2, 2 }, ((PerTaskAdam.State)optimizer.state_dict().State[0]).ExpAvg.shape);
        Assert.AreEqual(2, optimizer.ParamGroups.Count(), "two groups for the scheduler to drive");
    }

    [TestMethod]
    public void PerTaskAdamWithOneTaskIsAdam()
    {
        using var scope = torch.NewDisposeScope();
        var a = Vector(0.5, -1, 2);
        var b = Vector(0.5, -1, 2);
        using var perTask = new PerTaskAdam([a], 1, [], lr: 0.05);
        using var adam = optim.Adam([b], lr: 0.05);
        var random = new Random(3);
        for (int step = 0; step < 5; step++)
        {
            double[] g = [random.NextDouble() - 0.5, random.NextDouble() - 0.5, random.NextDouble() - 0.5];
            using (var rows = Rows([g]))
                perTask.StageTaskGradients(rows, [2.0]);
            b.grad = torch.tensor(g.Select(x => 2 * x).ToArray(), ScalarType.Float64);
            perTask.step();
            adam.step();
        }
        MethodMath.AreClose(Values(b), Values(a), 1e-12);
    }

    [TestMethod]
    public void PerTaskAdamNeedsStagedGradientsAndMatchingShapes()
    {
        using var scope = torch.NewDisposeScope();
        var shared = Vector(0, 0);
        using var optimizer = new PerTaskAdam([shared], 2, []);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => optimizer.step()).Message, "StageTaskGradients");
        using var three = Rows([[1, 1], [1, 1], [1, 1]]);
        Assert.ThrowsExactly<ArgumentException>(() => optimizer.StageTaskGradients(three, null));
        using var two = Rows([[1, 1], [1, 1]]);
        Assert.ThrowsExactly<ArgumentException>(() => optimizer.StageTaskGradients(two, [1.0]));
        optimizer.StageTaskGradients(two, null);
        optimizer.zero_grad();
        Assert.ThrowsExactly<InvalidOperationException>(() => optimizer.step(), "zero_grad drops staged gradients");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PerTaskAdam([shared], 2, [], lr: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PerTaskAdam([shared], 2, [], beta2: 1));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PerTaskAdam([shared], 2, [], beta1: 1)).Message, "β₁ must be in [0, 1)");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => optimizer.ClipStagedCombinedNorm(1)).Message, "No per-task gradients are staged to clip");
        var third = new TorchSharp.Modules.ParamGroup<PerTaskAdam.Options>([Vector(0)], new PerTaskAdam.Options());
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => optimizer.add_param_group(third)).Message, "exactly two parameter groups");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PerTaskAdam([shared], 2, [], eps: -1)).Message, "ε must be a finite number ≥ 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PerTaskAdam([shared], 2, [], weightDecay: double.NaN)).Message,
            "weight decay must be a finite number ≥ 0");
    }

    [TestMethod]
    public void PerTaskAdamClipsTheCombinedSharedGradient()
    {
        using var scope = torch.NewDisposeScope();
        var shared = Vector(0, 0);
        using var optimizer = new PerTaskAdam([shared], 2, [], lr: 1);
        using var g = Rows([[3, 0], [0, 4]]);
        optimizer.StageTaskGradients(g, null);
        optimizer.ClipStagedCombinedNorm(1.0);   // ‖(3, 4)‖ = 5 → every row × ≈ 1/5
        optimizer.step();
        // Adam's first step is scale-free, so clipping leaves it at −η·Σ sign(gᵢ) = (−1, −1) (a zero coordinate adds 0).
        MethodMath.AreClose([-1, -1], Values(shared), 1e-6);
    }

    [TestMethod]
    public void PerTaskAdamStateRoundTripsBitExactly()
    {
        using var scope = torch.NewDisposeScope();
        double[] Run(bool roundTrip)
        {
            var shared = Vector(0.1, 0.2);
            var head = Vector(-0.3);
            var optimizer = new PerTaskAdam([shared], 2, [head], lr: 0.1, weightDecay: 0.01);
            for (int step = 0; step < 6; step++)
            {
                if (roundTrip && step == 3)
                {
                    using var memory = new MemoryStream();
                    using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
                        optimizer.save_state_dict(writer);
                    optimizer.Dispose();
                    optimizer = new PerTaskAdam([shared], 2, [head], lr: 0.1, weightDecay: 0.01);
                    memory.Position = 0;
                    using var reader = new BinaryReader(memory);
                    optimizer.load_state_dict(reader);
                }
                using (var g = Rows([[step + 1.0, -0.5], [0.25, step - 2.0]]))
                    optimizer.StageTaskGradients(g, [1.0, 0.5]);
                head.grad = torch.tensor(new[] { 0.1 * step }, ScalarType.Float64);
                optimizer.step();
            }
            optimizer.Dispose();
            return Values(shared).Concat(Values(head)).ToArray();
        }
        CollectionAssert.AreEqual(Run(false), Run(true));
    }

    [TestMethod]
    [DataRow(LearningRateSchedule.Constant)]
    [DataRow(LearningRateSchedule.Exponential)]
    [DataRow(LearningRateSchedule.Step)]
    [DataRow(LearningRateSchedule.Cosine)]
    public void SchedulesFollowTheirClosedFormsOncePerEpoch(LearningRateSchedule schedule)
    {
        using var scope = torch.NewDisposeScope();
        var options = new MultiHeadNetworkTrainer.Options { Schedule = LearningRateScheduleOptions.For(schedule, gamma: 0.5, stepSize: 3), MaxEpoch = 8 };
        var p = Vector(1);
        using var optimizer = optim.SGD([p], 0.2);
        var scheduler = OptimizerFactory.Schedule(options, optimizer);
        for (int epoch = 1; epoch <= 8; epoch++)
        {
            if (epoch > 1)
                scheduler.step();
            double expected = 0.2 * schedule switch
            {
                LearningRateSchedule.Constant => 1,
                LearningRateSchedule.Exponential => Math.Pow(0.5, epoch - 1),
                LearningRateSchedule.Step => Math.Pow(0.5, (epoch - 1) / 3),
                _ => 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / 8)),
            };
            Assert.AreEqual(expected, optimizer.ParamGroups.Single().LearningRate, 1e-12, $"epoch {epoch}");
        }
    }

    [TestMethod]
    public void BadScheduleAndOptimizerOptionsAreNamed()
    {
        using var scope = torch.NewDisposeScope();
        var p = Vector(1);
        using var optimizer = optim.SGD([p], 0.1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            OptimizerFactory.Schedule(new MultiHeadNetworkTrainer.Options { Schedule = new LearningRateScheduleOptions.Exponential { Gamma = 0 } }, optimizer)).Message,
            "Options.Schedule.Gamma must be in (0, 1]; got 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            OptimizerFactory.Schedule(new MultiHeadNetworkTrainer.Options { Schedule = new LearningRateScheduleOptions.Step { StepSize = 0 } }, optimizer)).Message,
            "Options.Schedule.StepSize must be at least 1; got 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            OptimizerFactory.Create(new MultiHeadNetworkTrainer.Options { Optimizer = new MtlOptimizerOptions.Adam { LearningRate = -1 } }, [p], [], 1)).Message,
            "Options.Optimizer.LearningRate must be a positive finite number; got -1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            OptimizerFactory.Create(new MultiHeadNetworkTrainer.Options { Optimizer = new MtlOptimizerOptions.Sgd { Momentum = 0, Nesterov = true } }, [p], [], 1)).Message,
            "when Nesterov is on");
    }
}
