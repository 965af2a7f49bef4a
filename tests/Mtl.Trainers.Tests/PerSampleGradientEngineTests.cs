using Mtl.Trainers.Engine;
using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

[TestClass]
public class PerSampleGradientEngineTests
{
    private static readonly TaskDefinition[] Tasks =
    {
        new("Digit") { ClassCount = 10, HeadHiddenSizes = new[] { 12 } },
        new("Value", kind: TaskKind.Regression),
        new("Flag", kind: TaskKind.Binary) { LossWeight = 0.5 },
    };

    /// <summary>A network, its rows and targets, and the task losses of any row range.</summary>
    private sealed class Case : IDisposable
    {
        public Case(TrunkSpec trunk, long[] inputShape, int rows, int seed)
        {
            manual_seed(seed);
            Network = new SharedBottomNetwork(trunk, inputShape, Tasks);
            X = randn(new long[] { rows }.Concat(inputShape).ToArray()).DetachFromDisposeScope();
            Y = new[]
            {
                randint(0, 10, new long[] { rows }).DetachFromDisposeScope(),
                randn(rows).DetachFromDisposeScope(),
                randint(0, 2, new long[] { rows }).to_type(ScalarType.Float32).DetachFromDisposeScope(),
            };
        }

        public SharedBottomNetwork Network { get; }

        public Tensor X { get; }

        public Tensor[] Y { get; }

        public Tensor[] Losses(long start, long count)
        {
            Tensor[] outputs = Network.call(X.narrow(0, start, count));
            return Tasks.Select((t, i) => TaskLosses.Loss(t, outputs[i], Y[i].narrow(0, start, count))).ToArray();
        }

        /// <summary>Per task: shared + its head; then the total loss on every parameter.</summary>
        public PerSampleTarget[] Targets()
        {
            IReadOnlyList<Tensor> shared = Network.SharedParameters();
            var targets = Enumerable.Range(0, Tasks.Length)
                .Select(t => new PerSampleTarget(l => l[t], shared.Concat(Network.TaskParameters(t)).ToArray()))
                .ToList();
            targets.Add(new PerSampleTarget(l => l.Aggregate((a, b) => a + b), Network.parameters().ToArray()));
            return targets.ToArray();
        }

        public void Dispose()
        {
            Network.Dispose();
            X.Dispose();
            foreach (Tensor y in Y) y.Dispose();
        }
    }

    // The reference: for each group its own forward, and each target's gradient by autograd on that graph alone.
    private static Tensor[] OneGroupAtATime(Case c, PerSampleTarget[] targets, long rows, long groupSize)
    {
        var result = new List<Tensor>[targets.Length];
        for (int k = 0; k < targets.Length; k++) result[k] = new List<Tensor>();
        for (long start = 0; start < rows; start += groupSize)
            for (int k = 0; k < targets.Length; k++)
            {
                Tensor loss = targets[k].Loss(c.Losses(start, groupSize));
                IList<Tensor> grads = autograd.grad(new[] { loss }, targets[k].Parameters.ToArray(), allow_unused: true);
                result[k].Add(cat(grads.Select((g, p) => g is null || g.IsInvalid ? zeros(targets[k].Parameters[p].numel()) : g.flatten()).ToArray(), 0));
            }
        return result.Select(r => stack(r, 0).to_type(ScalarType.Float64)).ToArray();
    }

    // Every row of every target within 1e-5 of the reference's norm (relative), and the reference is not trivially zero.
    private static void AssertClose(Tensor[] expected, Tensor[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual);
        for (int k = 0; k < expected.Length; k++)
        {
            CollectionAssert.AreEqual(expected[k].shape, actual[k].shape, $"{what}: target {k}'s shape");
            Tensor reference = expected[k], measured = actual[k].to_type(ScalarType.Float64);
            double[] errors = (measured - reference).norm(1, false, 2).data<double>().ToArray();
            double[] norms = reference.norm(1, false, 2).data<double>().ToArray();
            for (int i = 0; i < norms.Length; i++)
            {
                Assert.IsGreaterThan(0.0, norms[i], $"{what}: target {k}, row {i} has a zero reference gradient");
                Assert.IsLessThanOrEqualTo(1e-5, errors[i] / norms[i], $"{what}: target {k}, row {i}");
            }
        }
    }

    public static IEnumerable<object[]> BuiltInTrunks() => new[]
    {
        new object[] { "MultiLeNet", new long[] { 1, 28, 28 } },
        new object[] { "ResNet", new long[] { 3, 28, 28 } },
        new object[] { "Mlp", new long[] { 2, 6, 6 } },
    };

    private static TrunkSpec Trunk(string name) => name switch
    {
        "MultiLeNet" => TrunkSpec.MultiLeNet(),
        "ResNet" => TrunkSpec.ResNet(),
        _ => TrunkSpec.Mlp(24, 16),
    };

    [TestMethod]
    [DynamicData(nameof(BuiltInTrunks))]
    public void PerSampleGradientsOfEveryBuiltInTrunkAndHeadEqualTheOneRowPath(string trunk, long[] inputShape)
    {
        using var c = new Case(Trunk(trunk), inputShape, rows: 6, seed: 11);
        using var scope = NewDisposeScope();
        if (trunk == "ResNet")
        {
            // Move the running statistics off their initial 0 and 1 so the batch-norm rule is tested on real values.
            using (no_grad()) c.Network.call(c.X * 2 + 0.5);
        }
        c.Network.eval();
        PerSampleTarget[] targets = c.Targets();
        Tensor[] expected = OneGroupAtATime(c, targets, 6, 1);
        foreach (ScalarType dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            PerSampleGradientResult result = PerSampleGradientEngine.Compute(c.Network, c.Losses, 6, 1, targets, dtype);
            Assert.IsEmpty(result.OneRowParameters, $"{trunk}: {string.Join("; ", result.OneRowParameters)}");
            Assert.IsTrue(result.Gradients.All(g => g.dtype == dtype));
            AssertClose(expected, result.Gradients, $"{trunk} in {dtype}");
        }
    }

    [TestMethod]
    public void GroupsGetTheGradientOfTheirMeanLoss()
    {
        using var c = new Case(TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }, rows: 8, seed: 5);
        using var scope = NewDisposeScope();
        c.Network.eval();
        PerSampleTarget[] targets = c.Targets();
        PerSampleGradientResult result = PerSampleGradientEngine.Compute(c.Network, c.Losses, 8, 4, targets, ScalarType.Float64);
        Assert.AreEqual(2L, result.Gradients[0].shape[0]);
        AssertClose(OneGroupAtATime(c, targets, 8, 4), result.Gradients, "groups of 4");
    }

    /// <summary>A learnable per-feature scale (a layer the engine has no rule for) and a Linear run through forward(), not call().</summary>
    private sealed class UnknownLayers : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter scale;
        private readonly Linear hidden;

        public UnknownLayers() : base(nameof(UnknownLayers))
        {
            scale = new Parameter(rand(12) + 0.5);
            hidden = nn.Linear(12, 8);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => nn.functional.tanh(hidden.forward(x.flatten(1) * scale));
    }

    [TestMethod]
    public void ParametersOfLayersWithoutARuleTakeTheOneRowPathAndSaySo()
    {
        using var c = new Case(TrunkSpec.Custom(_ => new UnknownLayers(), 8), new long[] { 3, 4 }, rows: 5, seed: 2);
        using var scope = NewDisposeScope();
        c.Network.eval();
        PerSampleTarget[] targets = c.Targets();
        PerSampleGradientResult result = PerSampleGradientEngine.Compute(c.Network, c.Losses, 5, 1, targets, ScalarType.Float32);
        Assert.HasCount(3, result.OneRowParameters, string.Join("; ", result.OneRowParameters));
        Assert.IsTrue(result.OneRowParameters.Any(s => s.Contains("scale") && s.Contains("no per-sample rule")), string.Join("; ", result.OneRowParameters));
        Assert.IsTrue(result.OneRowParameters.Any(s => s.Contains("hidden.weight") && s.Contains("without Module.call")), string.Join("; ", result.OneRowParameters));
        AssertClose(OneGroupAtATime(c, targets, 5, 1), result.Gradients, "custom trunk");

        // Nothing outlives the caller's scope: the kept inputs, the probes and unreached layers' empty answers are released.
        long before = Tensor.TotalCount;
        for (int i = 0; i < 3; i++)
        {
            using var call = NewDisposeScope();
            PerSampleGradientEngine.Compute(c.Network, c.Losses, 5, 1, targets, ScalarType.Float32);
        }
        Assert.AreEqual(before, Tensor.TotalCount, "live tensors after three more measurements");
    }

    [TestMethod]
    public void BatchStatisticsCoupleTheRowsSoEveryParameterTakesTheOneRowPath()
    {
        using var c = new Case(TrunkSpec.ResNet(), new long[] { 1, 16, 16 }, rows: 3, seed: 8);
        using var scope = NewDisposeScope();
        c.Network.train();
        for (int t = 0; t < Tasks.Length; t++) c.Network.Head(t).eval();   // the heads' dropout off, the trunk's batch norm on
        PerSampleTarget[] targets = c.Targets().Take(1).ToArray();
        PerSampleGradientResult result = PerSampleGradientEngine.Compute(c.Network, c.Losses, 3, 1, targets, ScalarType.Float64);
        Assert.HasCount(targets[0].Parameters.Count, result.OneRowParameters);
        Assert.IsTrue(result.OneRowParameters.All(s => s.Contains("batch statistics")), result.OneRowParameters[0]);
        AssertClose(OneGroupAtATime(c, targets, 3, 1), result.Gradients, "ResNet in training mode");
    }

    /// <summary>Linear → batch norm without parameters of its own → tanh: the norm couples the rows in training mode.</summary>
    private sealed class ParameterlessNorm : nn.Module<Tensor, Tensor>
    {
        private readonly Linear linear = nn.Linear(12, 6);
        private readonly BatchNorm1d norm = nn.BatchNorm1d(6, affine: false);

        public ParameterlessNorm() : base(nameof(ParameterlessNorm)) => RegisterComponents();

        public override Tensor forward(Tensor x) => nn.functional.tanh(norm.call(linear.call(x.flatten(1))));
    }

    [TestMethod]
    public void ABatchNormWithoutParametersStillCouplesTheRowsInTrainingMode()
    {
        using var c = new Case(TrunkSpec.Custom(_ => new ParameterlessNorm(), 6), new long[] { 12 }, rows: 4, seed: 9);
        using var scope = NewDisposeScope();
        c.Network.train();
        for (int t = 0; t < Tasks.Length; t++) c.Network.Head(t).eval();
        PerSampleTarget[] targets = c.Targets().Take(2).ToArray();
        PerSampleGradientResult result = PerSampleGradientEngine.Compute(c.Network, c.Losses, 4, 1, targets, ScalarType.Float64);
        Assert.IsTrue(result.OneRowParameters.Any(s => s.Contains("trunk.linear.weight") && s.Contains("batch statistics")), string.Join("; ", result.OneRowParameters));
        AssertClose(OneGroupAtATime(c, targets, 4, 1), result.Gradients, "batch norm without parameters, training mode");

        // With running statistics (set by a 4-row forward; the one-row reference above left them undefined) the rows are
        // independent again and nothing takes the one-row path.
        using var fresh = new Case(TrunkSpec.Custom(_ => new ParameterlessNorm(), 6), new long[] { 12 }, rows: 4, seed: 9);
        using (no_grad()) fresh.Network.call(fresh.X);
        fresh.Network.eval();
        targets = fresh.Targets().Take(2).ToArray();
        PerSampleGradientResult evaluated = PerSampleGradientEngine.Compute(fresh.Network, fresh.Losses, 4, 1, targets, ScalarType.Float64);
        Assert.IsEmpty(evaluated.OneRowParameters, string.Join("; ", evaluated.OneRowParameters));
        AssertClose(OneGroupAtATime(fresh, targets, 4, 1), evaluated.Gradients, "batch norm without parameters, evaluation mode");
    }

    [TestMethod]
    public void WithoutAModuleEveryParameterTakesTheOneRowPathAndHooksAreRemovedAfterwards()
    {
        using var c = new Case(TrunkSpec.Mlp(10), new long[] { 4 }, rows: 4, seed: 1);
        using var scope = NewDisposeScope();
        c.Network.eval();
        PerSampleTarget[] targets = c.Targets();
        PerSampleGradientResult alone = PerSampleGradientEngine.Compute(null, c.Losses, 4, 1, targets, ScalarType.Float64);
        Assert.IsTrue(alone.OneRowParameters.Single().Contains("names no module"));
        Tensor[] expected = OneGroupAtATime(c, targets, 4, 1);
        AssertClose(expected, alone.Gradients, "no module");
        PerSampleGradientEngine.Compute(c.Network, c.Losses, 4, 1, targets, ScalarType.Float64);
        // After a batched measurement the forward is the plain one again: with frozen weights nothing requires a
        // gradient, which a probe left in place (a leaf that does) would.
        foreach (Parameter p in c.Network.parameters()) p.requires_grad = false;
        Assert.IsFalse(c.Network.call(c.X).Any(o => o.requires_grad));
    }
}
