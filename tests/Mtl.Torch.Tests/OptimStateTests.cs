using Mtl.Torch.Modules;
using static Mtl.Torch.Tests.OptimTestSupport;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>State dictionaries (in memory and on disk), mismatch errors, ownership of state tensors, and convergence.</summary>
[TestClass]
public class OptimStateTests
{
    private static readonly double[][] Gradients =
    {
        new[] { 0.5, 1, -0.3 }, new[] { -1, 2, 0.1 }, new[] { 0.2, -0.4, 0.7 }, new[] { 0.9, 0.05, -1.2 }, new[] { -0.6, 0.3, 0.4 },
    };

    private static readonly double[] Start = { 1, -2, 0.5 };

    /// <summary>Optimizers whose state after two steps must carry over exactly.</summary>
    private static IEnumerable<Func<Parameter, optim.Optimizer>> Factories() => new Func<Parameter, optim.Optimizer>[]
    {
        p => optim.SGD(new[] { p }, lr: 0.1, momentum: 0.9, dampening: 0.1, weight_decay: 0.01),
        p => optim.Adam(new[] { p }, lr: 0.1, amsgrad: true),
        p => optim.AdamW(new[] { p }, lr: 0.1, weight_decay: 0.1),
        p => optim.SignSGD(new[] { p }, lr: 0.1, momentum: 0.9),
    };

    [TestMethod]
    public void StateDictRoundTripGivesIdenticalSubsequentSteps()
    {
        foreach (var make in Factories())
        {
            using var original = Param(Start);
            using var optimizer = make(original);
            Run(optimizer, original, Gradients[0], Gradients[1]);

            using var copy = Param(Values(original));
            using var resumed = make(copy);
            resumed.load_state_dict(optimizer.state_dict());
            Assert.IsTrue(StatesEqual(optimizer, resumed), $"{optimizer.GetType().Name}: loaded state differs");

            // Loading copies: stepping the original does not touch the resumed optimizer's state.
            var before = Run(optimizer, original, Gradients[2], Gradients[3], Gradients[4]);
            var after = Run(resumed, copy, Gradients[2], Gradients[3], Gradients[4]);
            for (int i = 0; i < before.Count; i++) AssertValues(before[i], after[i], 0, $"{optimizer.GetType().Name} step {i + 3}");
        }
    }

    [TestMethod]
    public void FileRoundTripGivesIdenticalSubsequentSteps()
    {
        string path = Path.Combine(Path.GetTempPath(), $"optim-{Guid.NewGuid():N}.bin");
        try
        {
            foreach (var make in Factories())
            {
                using var original = Param(Start);
                var optimizer = (OptimizerHelper)make(original);
                using var _ = optimizer;
                Run(optimizer, original, Gradients[0], Gradients[1]);
                optimizer.save_state_dict(path);

                using var copy = Param(Values(original));
                var resumed = (OptimizerHelper)make(copy);
                using var __ = resumed;
                resumed.ParamGroups.First().LearningRate = 0.5; // overwritten by the file
                resumed.load_state_dict(path);
                Assert.AreEqual(0.1, resumed.ParamGroups.First().LearningRate);
                Assert.IsTrue(StatesEqual(optimizer, resumed), $"{optimizer.GetType().Name}: loaded state differs");

                var before = Run(optimizer, original, Gradients[2], Gradients[3]);
                var after = Run(resumed, copy, Gradients[2], Gradients[3]);
                for (int i = 0; i < before.Count; i++) AssertValues(before[i], after[i], 0, $"{optimizer.GetType().Name} step {i + 3}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TruncatedOrForeignFileIsAClearErrorAndChangesNothing()
    {
        string path = Path.Combine(Path.GetTempPath(), $"optim-{Guid.NewGuid():N}.bin");
        try
        {
            using var p = Param(Start);
            using var adam = optim.Adam(new[] { p }, lr: 0.1);
            Run(adam, p, Gradients[0]);
            adam.save_state_dict(path);
            byte[] bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..^5]);

            using var q = Param(Start);
            using var target = optim.Adam(new[] { q }, lr: 0.3);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => target.load_state_dict(path));
            StringAssert.Contains(e.Message, "truncated");
            Assert.AreEqual(0L, ((Adam.State)target.state_dict().State[0]).step);
            Assert.AreEqual(0.3, target.ParamGroups.Single().LearningRate);

            File.WriteAllBytes(path, bytes);
            using var sgd = optim.SGD(new[] { q }, lr: 0.1);
            StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => sgd.load_state_dict(path)).Message, "saved by Adam");
            Assert.ThrowsExactly<FileNotFoundException>(() => target.load_state_dict(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MismatchedStateDictIsAClearErrorAndChangesNothing()
    {
        using var a = Param(Start);
        using var b = Param(1, 2);
        using var source = optim.Adam(new[] { a, b }, lr: 0.1);
        SetGrad(a, Gradients[0]);
        SetGrad(b, 0.1, 0.2);
        source.step();

        using var one = Param(Start);
        using var fewer = optim.Adam(new[] { one }, lr: 0.1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fewer.load_state_dict(source.state_dict())).Message, "state for 2 parameter(s), but this Adam optimizes 1");

        using var x = Param(Start);
        using var y = Param(1, 2, 3);
        using var otherShape = optim.Adam(new[] { x, y }, lr: 0.1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => otherShape.load_state_dict(source.state_dict()));
        StringAssert.Contains(e.Message, "shape [2]");
        StringAssert.Contains(e.Message, "shape [3]");
        // All-or-nothing: the first parameter's (compatible) state was not loaded either.
        Assert.AreEqual(0L, ((Adam.State)otherShape.state_dict().State[0]).step);

        using var u = Param(Start);
        using var v = Param(1, 2);
        using var sgd = optim.SGD(new[] { u, v }, lr: 0.1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => sgd.load_state_dict(source.state_dict())).Message, "different kind of optimizer");

        using var grouped = optim.Adam(new[] { new Adam.ParamGroup { Parameters = new[] { u } }, new Adam.ParamGroup { Parameters = new[] { v } } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => grouped.load_state_dict(source.state_dict())).Message, "it has 1 parameter group(s), but this Adam has 2");
    }

    [TestMethod]
    public void StepLeavesNoTensorsInTheCallersScopeAndDisposeReleasesState()
    {
        using var p = Param(Start);
        var adam = optim.Adam(new[] { p }, lr: 0.1, amsgrad: true);
        using (var scope = NewDisposeScope())
        {
            SetGrad(p, Gradients[0]);
            adam.step();
            adam.step();
            Assert.AreEqual(0, scope.DisposablesCount, "the step must dispose its temporaries and keep its state out of scopes");
        }
        var state = (Adam.State)adam.state_dict().State[0];
        Tensor moment = state.exp_avg, maximum = state.max_exp_avg_sq!;
        Assert.IsFalse(moment.IsInvalid, "state must survive the caller's scope");
        Assert.IsFalse(maximum.IsInvalid, "state must survive the caller's scope");
        adam.Dispose();
        Assert.IsTrue(moment.IsInvalid);
        Assert.IsTrue(maximum.IsInvalid);
        Assert.ThrowsExactly<ObjectDisposedException>(() => adam.step());
    }

    [TestMethod]
    public void ClosureLossIsReturnedAndComputedWithGradients()
    {
        using var p = Param(3.0);
        using var opt = optim.SGD(new[] { p }, lr: 0.25);
        using var scope = NewDisposeScope();
        Tensor? loss = opt.step(() =>
        {
            opt.zero_grad();
            Tensor l = (p * p).sum();
            l.backward();
            return l;
        });
        Assert.IsNotNull(loss);
        Assert.AreEqual(9.0, loss.item<double>());
        AssertValues(new[] { 3.0 - 0.25 * 6.0 }, p);
    }

    [TestMethod]
    public void EveryOptimizerDescendsAQuadraticBowl()
    {
        double[] curvature = { 1, 4, 0.5 }, center = { 0.3, -0.7, 1.2 };
        var makers = new (string name, Func<Parameter, optim.Optimizer> make, int steps)[]
        {
            ("SGD", p => optim.SGD(new[] { p }, lr: 0.2), 100),
            ("SGD momentum nesterov", p => optim.SGD(new[] { p }, lr: 0.05, momentum: 0.9, nesterov: true), 200),
            ("Adam", p => optim.Adam(new[] { p }, lr: 0.05), 400),
            ("AdamW", p => optim.AdamW(new[] { p }, lr: 0.05, weight_decay: 0), 400),
            ("SignSGD", p => optim.SignSGD(new[] { p }, lr: 0.01, momentum: 0.5), 400),
        };
        foreach (var (name, make, steps) in makers)
        {
            using var p = Param(Start);
            using var opt = make(p);
            using var a = tensor(curvature);
            using var c = tensor(center);
            double Loss()
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                Tensor loss = ((p - c).square() * a).sum() * 0.5;
                loss.backward();
                return loss.item<double>();
            }
            double first = Loss(), previous = first;
            for (int i = 0; i < steps; i++)
            {
                opt.step();
                double current = Loss();
                if (name == "SGD") Assert.IsLessThan(previous, current, $"plain gradient descent with lr < 2/L must decrease the loss at every step (step {i})");
                previous = current;
            }
            Assert.IsLessThan(1e-3 * first, previous, $"{name}: loss {first} → {previous}");
        }
    }

    private static bool StatesEqual(optim.Optimizer a, optim.Optimizer b)
    {
        var sa = a.state_dict().State;
        var sb = b.state_dict().State;
        return sa.Count == sb.Count && sa.Zip(sb).All(pair => pair.First.ApproximatelyEquals(pair.Second) && pair.First.step == pair.Second.step);
    }
}
