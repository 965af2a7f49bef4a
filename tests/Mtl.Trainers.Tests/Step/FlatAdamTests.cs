using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Tests.Step;

/// <summary>FlatAdam against TorchSharp's own optim.Adam/optim.AdamW, its state round trip, and its input checks.</summary>
[TestClass]
public sealed class FlatAdamTests
{
    public TestContext TestContext { get; set; } = null!;

    // Shapes like a small network's: conv kernels, biases, a matrix long enough for the vectorised kernels' tails.
    private static readonly long[][] Shapes = [[4, 1, 3, 3], [4], [33, 17], [17], [5, 33], [5]];

    private static Parameter[] RandomParameters(Generator generator) =>
        Shapes.Select(s => new Parameter(torch.randn(s, generator: generator))).ToArray();

    private static bool Same(Tensor a, Tensor b)
    {
        using var equal = a.eq(b).all();
        return equal.item<bool>();
    }

    private static Parameter[] Twins(Parameter[] parameters) =>
        parameters.Select(p => new Parameter(p.detach().clone())).ToArray();

    /// <summary>The optimizer under test and its TorchSharp reference over two twin parameter sets.</summary>
    private sealed class Pair : IDisposable
    {
        public required Parameter[] Flat { get; init; }
        public required Parameter[] Reference { get; init; }
        public required OptimizerHelper FlatAdam { get; init; }
        public required OptimizerHelper TorchAdam { get; init; }

        public void Dispose()
        {
            FlatAdam.Dispose();
            TorchAdam.Dispose();
        }
    }

    /// <summary>Group 1: the first four tensors at lr 0.01; group 2: the last two at lr 0.003.</summary>
    private static Pair TwoGroups(bool decoupled, double decay, Generator generator)
    {
        var flat = RandomParameters(generator);
        var reference = Twins(flat);
        var flatAdam = new FlatAdam(flat[..4], lr: 0.01, weightDecay: decay, decoupledWeightDecay: decoupled);
        flatAdam.add_param_group(new ParamGroup<FlatAdam.Options>(flat[4..], new FlatAdam.Options { LearningRate = 0.003 }));
        OptimizerHelper torchAdam;
        if (decoupled)
        {
            var adamW = optim.AdamW(reference[..4], lr: 0.01, weight_decay: decay);
            adamW.add_param_group(new AdamW.ParamGroup(reference[4..], lr: 0.003, weight_decay: decay));
            torchAdam = adamW;
        }
        else
        {
            var adam = optim.Adam(reference[..4], lr: 0.01, weight_decay: decay);
            adam.add_param_group(new Adam.ParamGroup(reference[4..], lr: 0.003, weight_decay: decay));
            torchAdam = adam;
        }
        return new Pair { Flat = flat, Reference = reference, FlatAdam = flatAdam, TorchAdam = torchAdam };
    }

    /// <summary>Gives both sets the same random grads, except tensor <paramref name="skipped"/> (null grad), and steps both.</summary>
    private static void StepBoth(Pair pair, Generator generator, int skipped = -1)
    {
        for (int i = 0; i < pair.Flat.Length; i++)
        {
            if (i == skipped)
            {
                pair.Flat[i].grad = null;
                pair.Reference[i].grad = null;
                continue;
            }
            var g = torch.randn(pair.Flat[i].shape, generator: generator);
            pair.Flat[i].grad = g;
            pair.Reference[i].grad = g.clone();
        }
        pair.FlatAdam.step();
        pair.TorchAdam.step();
    }

    private static (Tensor ExpAvg, Tensor ExpAvgSq, long Step) TorchMoments(OptimizerState state) => state switch
    {
        Adam.State s => (s.exp_avg, s.exp_avg_sq, s.step),
        AdamW.State s => (s.exp_avg, s.exp_avg_sq, s.step),
        _ => throw new InvalidOperationException($"Not a TorchSharp Adam state: {state.GetType().Name}."),
    };

    /// <summary>Asserts |a − b| ≤ 1e-6·|b| + 1e-12 elementwise; returns how many elements differ at all.</summary>
    private static long AssertRelativelyClose(Tensor expected, Tensor actual, string what)
    {
        using var e = expected.detach().to_type(ScalarType.Float64);
        using var a = actual.detach().to_type(ScalarType.Float64);
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape");
        using var difference = (a - e).abs();
        using var allowed = e.abs() * 1e-6 + 1e-12;
        using var tooFar = difference.gt(allowed).any();
        using var worst = (difference / (e.abs() + 1e-30)).max();
        Assert.IsFalse(tooFar.item<bool>(), $"{what}: worst relative difference {worst.item<double>():E3} > 1e-6");
        using var differing = difference.gt(0).sum();
        return differing.item<long>();
    }

    private long CompareAll(Pair pair, string when)
    {
        long differing = 0;
        var flatStates = pair.FlatAdam.state_dict().State;
        var torchStates = pair.TorchAdam.state_dict().State;
        for (int i = 0; i < pair.Flat.Length; i++)
        {
            differing += AssertRelativelyClose(pair.Reference[i], pair.Flat[i], $"{when}, parameter {i}");
            var mine = (FlatAdam.State)flatStates[i];
            var (m, v, step) = TorchMoments(torchStates[i]);
            Assert.AreEqual(step, mine.Step, $"{when}, parameter {i}: step count");
            differing += AssertRelativelyClose(m, mine.ExpAvg, $"{when}, parameter {i}: m");
            differing += AssertRelativelyClose(v, mine.ExpAvgSq, $"{when}, parameter {i}: v");
        }
        return differing;
    }

    [TestMethod]
    [DataRow(false, 0.0)]
    [DataRow(false, 0.05)]
    [DataRow(true, 0.0)]
    [DataRow(true, 0.05)]
    public void MatchesTorchSharpOverTwentyStepsWithTwoGroupsAScheduleAndANullGrad(bool decoupled, double decay)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(17);
        using var pair = TwoGroups(decoupled, decay, generator);
        // The trainer's schedulers change the groups' rates between steps; here ×0.5 every 5 steps on both.
        var flatSchedule = optim.lr_scheduler.StepLR(pair.FlatAdam, 5, 0.5);
        var torchSchedule = optim.lr_scheduler.StepLR(pair.TorchAdam, 5, 0.5);
        long differing = 0;
        for (int step = 1; step <= 20; step++)
        {
            // Step 8: tensor 2 has no grad, so PyTorch skips it (no moment decay, its step count falls behind).
            StepBoth(pair, generator, skipped: step == 8 ? 2 : -1);
            flatSchedule.step();
            torchSchedule.step();
            differing += CompareAll(pair, $"after step {step}");
        }
        Assert.AreEqual(0.01 * Math.Pow(0.5, 4), pair.FlatAdam.ParamGroups.First().LearningRate, 1e-15, "the schedule drove the first group");
        Assert.AreEqual(19, ((FlatAdam.State)pair.FlatAdam.state_dict().State[2]).Step, "the skipped tensor is one step behind");
        TestContext.WriteLine($"Adam{(decoupled ? "W" : "")} decay {decay}: {differing} element comparisons not bit-identical to TorchSharp over 20 steps.");
    }

    [TestMethod]
    public void ParametersBecomeViewsOfTheFlatBufferWithTheirValuesAndGradientsIntact()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var network = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2));
        var twin = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2));
        using (var memory = new MemoryStream())
        {
            network.save(new BinaryWriter(memory));
            memory.Position = 0;
            twin.load(new BinaryReader(memory));
        }
        var before = network.parameters().Select(p => p.detach().clone()).ToArray();
        using var flat = new FlatAdam(network.parameters(), lr: 0.05);
        using var reference = optim.Adam(twin.parameters(), lr: 0.05);
        var after = network.parameters().ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            Assert.IsTrue(Same(before[i], after[i]), $"parameter {i} kept its values");
            Assert.IsTrue(after[i].requires_grad, $"parameter {i} still requires grad");
        }
        var x = torch.randn(8, 6, generator: new Generator(2));
        void TrainBoth()
        {
            foreach (var (module, optimizer) in new[] { (network, (OptimizerHelper)flat), (twin, reference) })
            {
                optimizer.zero_grad();
                using var loss = module.forward(x).pow(2).sum();
                loss.backward();
                optimizer.step();
            }
        }
        for (int step = 0; step < 3; step++)
            TrainBoth();
        // Module.load writes into the parameters in place: the flat buffer must see the loaded values.
        using (var memory = new MemoryStream())
        {
            twin.save(new BinaryWriter(memory));
            memory.Position = 0;
            network.load(new BinaryReader(memory));
        }
        for (int step = 0; step < 3; step++)
            TrainBoth();
        var trained = network.state_dict();
        foreach (var (name, value) in twin.state_dict())
            AssertRelativelyClose(value, trained[name], $"network {name}");
        Assert.IsFalse(Same(before[0], trained["0.weight"]), "the optimizer moved the network's own tensors");
    }

    [TestMethod]
    public void ASavedStateLoadedIntoAFreshOptimizerContinuesBitExactly()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(23);
        using var pair = TwoGroups(decoupled: false, decay: 0.01, generator);
        for (int step = 1; step <= 6; step++)
            StepBoth(pair, generator, skipped: step == 3 ? 5 : -1);
        using var memory = new MemoryStream();
        pair.FlatAdam.save_state_dict(new BinaryWriter(memory));
        memory.Position = 0;

        var resumed = Twins(pair.Flat);
        using var fresh = new FlatAdam(resumed[..4], lr: 0.01, weightDecay: 0.01);
        fresh.add_param_group(new ParamGroup<FlatAdam.Options>(resumed[4..], new FlatAdam.Options { LearningRate = 0.003 }));
        fresh.load_state_dict(new BinaryReader(memory));

        for (int step = 0; step < 5; step++)
        {
            for (int i = 0; i < resumed.Length; i++)
            {
                var g = torch.randn(resumed[i].shape, generator: generator);
                pair.Flat[i].grad = g;
                resumed[i].grad = g.clone();
            }
            pair.FlatAdam.step();
            fresh.step();
        }
        var a = pair.FlatAdam.state_dict().State;
        var b = fresh.state_dict().State;
        for (int i = 0; i < resumed.Length; i++)
        {
            Assert.IsTrue(Same(pair.Flat[i], resumed[i]), $"parameter {i} is bit-identical after resuming");
            var (sa, sb) = ((FlatAdam.State)a[i], (FlatAdam.State)b[i]);
            Assert.AreEqual(sa.Step, sb.Step, $"parameter {i}: step count");
            Assert.IsTrue(Same(sa.ExpAvg, sb.ExpAvg) && Same(sa.ExpAvgSq, sb.ExpAvgSq), $"parameter {i}: moments bit-identical");
        }
        Assert.AreEqual(10, ((FlatAdam.State)b[5]).Step, "the step count of the tensor skipped before saving was restored");
    }

    [TestMethod]
    public void AnAdamStateDoesNotLoadIntoAdamW()
    {
        using var scope = torch.NewDisposeScope();
        var p = new Parameter(torch.ones(3));
        using var adam = new FlatAdam([p]);
        using var memory = new MemoryStream();
        adam.save_state_dict(new BinaryWriter(memory));
        memory.Position = 0;
        using var adamW = new FlatAdam([new Parameter(torch.ones(3))], decoupledWeightDecay: true);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => adamW.load_state_dict(new BinaryReader(memory)));
        StringAssert.Contains(e.Message, "The saved state is Adam's but this optimizer is AdamW");
    }

    [TestMethod]
    public void BadHyperparametersAndParameterSetsAreRejectedByName()
    {
        using var scope = torch.NewDisposeScope();
        var p = new Parameter(torch.ones(3));
        ArgumentOutOfRangeException Fails(Func<FlatAdam> create) => Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => create());
        var e = Fails(() => new FlatAdam([p], lr: 0));
        Assert.AreEqual("lr", e.ParamName);
        StringAssert.Contains(e.Message, "Adam's learning rate must be a positive finite number");
        StringAssert.Contains(Fails(() => new FlatAdam([p], lr: double.NaN, decoupledWeightDecay: true)).Message, "AdamW's learning rate");
        Assert.AreEqual("beta1", Fails(() => new FlatAdam([p], beta1: 1)).ParamName);
        StringAssert.Contains(Fails(() => new FlatAdam([p], beta2: -0.1)).Message, "β₂ must be in [0, 1)");
        StringAssert.Contains(Fails(() => new FlatAdam([p], eps: -1)).Message, "ε must be a finite number ≥ 0");
        Assert.AreEqual("weightDecay", Fails(() => new FlatAdam([p], weightDecay: double.PositiveInfinity)).ParamName);

        using var optimizer = new FlatAdam([p]);
        var badGroup = new ParamGroup<FlatAdam.Options>([new Parameter(torch.ones(2))], new FlatAdam.Options { LearningRate = -1 });
        Assert.AreEqual("lr", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => optimizer.add_param_group(badGroup)).ParamName);
        var again = new ParamGroup<FlatAdam.Options>([p], new FlatAdam.Options());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optimizer.add_param_group(again)).Message, "appears twice");
        var adamWGroup = new ParamGroup<FlatAdam.Options>([new Parameter(torch.ones(2))], new FlatAdam.Options { DecoupledWeightDecay = true });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => optimizer.add_param_group(adamWGroup)).Message, "cannot switch to AdamW");
        var mixed = new[] { new Parameter(torch.ones(2)), new Parameter(torch.ones(2, ScalarType.Float64)) };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new FlatAdam(mixed)).Message, "need one dtype and device");
    }

    [TestMethod]
    [DataRow(OptimizerKind.Adam, false)]
    [DataRow(OptimizerKind.AdamW, true)]
    public void TheTrainerBuildsFlatAdamForAdamAndAdamW(OptimizerKind kind, bool decoupled)
    {
        using var scope = torch.NewDisposeScope();
        var shared = new Parameter(torch.ones(4, 3));
        var head = new Parameter(torch.zeros(3));
        MtlOptimizerOptions adam = MtlOptimizerOptions.For(kind);
        adam.LearningRate = 0.02;
        adam.WeightDecay = 0.1;
        var options = new MultiHeadNetworkTrainer.Options { Optimizer = adam };
        using var optimizer = OptimizerFactory.Create(options, [shared], [head], tasks: 2);
        var flat = optimizer as FlatAdam;
        Assert.IsNotNull(flat, $"{kind} is taken by FlatAdam");
        Assert.AreEqual(decoupled, flat.DecoupledWeightDecay);
        var group = (FlatAdam.Options)flat.state_dict().Options.Single();
        Assert.AreEqual((0.02, 0.9, 0.999, 1e-8, 0.1), (group.LearningRate!.Value, group.Beta1!.Value, group.Beta2!.Value, group.Eps!.Value, group.WeightDecay!.Value));
        CollectionAssert.AreEqual(new[] { shared, head }, flat.parameters().ToArray());
    }
}
