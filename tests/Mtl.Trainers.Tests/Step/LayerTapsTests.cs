using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests.Step;

/// <summary>
/// Parameters mode's per-task gradients through <see cref="LayerTaps"/> (weight gradients of the shared layers formed for
/// all tasks at once) against the plain passes of <see cref="TaskGradientEngine.ParameterGradients"/>, the engine before
/// it: the same rows up to float reassociation, on MultiLeNet (convolutions, Dropout2d) and an MLP trunk.
/// </summary>
[TestClass]
public sealed class LayerTapsTests
{
    private const float RelativeTolerance = 2e-5f;

    private static List<TaskDefinition> Tasks(int count) =>
        Enumerable.Range(0, count).Select(k => new TaskDefinition($"T{k}", kind: TaskKind.Binary) { HeadDropout = 0.3 }).ToList();

    private static SharedBottomNetwork Network(TrunkSpec trunk, long[] shape, List<TaskDefinition> tasks)
    {
        manual_seed(5);
        return new SharedBottomNetwork(trunk, shape, tasks);
    }

    /// <summary>The taps of the network's shared layers; fails the test when none was tapped.</summary>
    private static LayerTaps Tapped(MultiTaskNetwork network, long bufferBytes = LayerTaps.BufferBytes, string what = "") =>
        LayerTaps.For(network, network.SharedParameters(), bufferBytes) ?? throw new AssertFailedException($"{what}no shared layer was tapped");

    private static (Tensor X, Tensor[] Y) Batch(long[] shape, int tasks, int rows, int seed)
    {
        using var generator = new Generator((ulong)seed);
        Tensor x = randn([rows, .. shape], generator: generator);
        Tensor[] y = Enumerable.Range(0, tasks).Select(_ => randint(0, 2, [rows], ScalarType.Int64, generator: generator).to_type(ScalarType.Float32)).ToArray();
        return (x, y);
    }

    /// <summary>One forward (dropout drawn from <paramref name="dropoutSeed"/>) and the per-task gradients by taps or plain passes.</summary>
    private static (Tensor[] Rows, Tensor[] Heads) Gradients(MultiTaskNetwork network, List<TaskDefinition> tasks, Tensor x, Tensor[] y,
        LayerTaps? taps, int dropoutSeed, int constantTask = -1)
    {
        foreach (var p in network.parameters()) p.grad = null;
        var shared = network.SharedParameters();
        var heads = Enumerable.Range(0, tasks.Count).Select(i => (IReadOnlyList<Tensor>)network.TaskParameters(i)).ToArray();
        manual_seed(dropoutSeed);
        MultiTaskForward forward;
        using (taps?.Record())
            forward = network.Forward(x, false);
        // A task without labelled rows has a loss that reaches nothing: its row must be zero.
        Tensor[] losses = forward.Outputs.Select((o, i) => i == constantTask ? zeros(1).sum() : TaskLosses.Loss(tasks[i], o, y[i])).ToArray();
        using StackedGradients g = taps is null ? TaskGradientEngine.ParameterGradients(losses, shared, heads) : taps.ParameterGradients(losses, shared, heads);
        taps?.Clear();
        Tensor[] rows = Enumerable.Range(0, g.TensorCount).Select(p => g[p].clone().DetachFromDisposeScope()).ToArray();
        Tensor[] headGrads = heads.SelectMany(h => h).Select(p => p.grad is { } gr ? gr.clone().DetachFromDisposeScope() : zeros_like(p).DetachFromDisposeScope()).ToArray();
        return (rows, headGrads);
    }

    private static void AssertClose(Tensor[] expected, Tensor[] actual, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what);
        for (int k = 0; k < expected.Length; k++)
        {
            CollectionAssert.AreEqual(expected[k].shape, actual[k].shape, $"{what} {k}: shape");
            float scale = Math.Max(expected[k].abs().max().item<float>(), 1e-12f);
            float diff = (expected[k] - actual[k]).abs().max().item<float>();
            Assert.IsTrue(diff <= RelativeTolerance * scale, $"{what} {k}: max |Δ| = {diff} against max |g| = {scale}");
        }
    }

    /// <summary>The taps' per-task gradients against the plain passes' on one batch; returns the tapped rows.</summary>
    private static Tensor[] AssertTappedEqualPlain(MultiTaskNetwork network, List<TaskDefinition> tasks, Tensor x, Tensor[] y, LayerTaps taps,
        int dropoutSeed, string what, int constantTask = -1)
    {
        (Tensor[] plainRows, Tensor[] plainHeads) = Gradients(network, tasks, x, y, null, dropoutSeed, constantTask);
        (Tensor[] tappedRows, Tensor[] tappedHeads) = Gradients(network, tasks, x, y, taps, dropoutSeed, constantTask);
        AssertClose(plainRows, tappedRows, $"{what}shared tensor");
        AssertClose(plainHeads, tappedHeads, $"{what}head parameter");
        return tappedRows;
    }

    [TestMethod]
    [DataRow(true, 1L << 30, DisplayName = "MultiLeNet, all tasks in one chunk")]
    [DataRow(true, 1L, DisplayName = "MultiLeNet, one task per chunk")]
    [DataRow(false, 1L << 30, DisplayName = "MLP trunk")]
    public void TappedRowsEqualPlainPasses(bool lenet, long bufferBytes)
    {
        using var scope = NewDisposeScope();
        List<TaskDefinition> tasks = Tasks(4);
        long[] shape = lenet ? [1, 16, 16] : [12];
        using SharedBottomNetwork network = Network(lenet ? TrunkSpec.MultiLeNet() : TrunkSpec.Mlp(10, 7), shape, tasks);
        (Tensor x, Tensor[] y) = Batch(shape, tasks.Count, 24, 9);
        using LayerTaps taps = Tapped(network, bufferBytes);

        Tensor[] tappedRows = AssertTappedEqualPlain(network, tasks, x, y, taps, 11, "", constantTask: 2);
        foreach (Tensor row in tappedRows)
            Assert.AreEqual(0f, row[2].abs().max().item<float>(), "the unlabelled task's row is zero");
        Assert.IsTrue(tappedRows.All(r => r[0].abs().max().item<float>() > 0), "a labelled task has a non-zero gradient in every shared tensor");
    }

    /// <summary>
    /// MultiLeNet's convolutions, which only a max pool reads (the second through Dropout2d), are probed at the pools' outputs
    /// (PooledConvolution): over odd sides (the pool drops a row and a column), two input channels, five tasks in one chunk or one per chunk,
    /// the rows still equal the plain passes.
    /// </summary>
    [TestMethod]
    [DataRow(1L << 30)]
    [DataRow(1L)]
    public void APooledConvolutionsRowsEqualPlainPassesOverOddSides(long bufferBytes)
    {
        using var scope = NewDisposeScope();
        List<TaskDefinition> tasks = Tasks(5);
        long[] shape = [2, 17, 19];
        using SharedBottomNetwork network = Network(TrunkSpec.MultiLeNet(), shape, tasks);
        (Tensor x, Tensor[] y) = Batch(shape, tasks.Count, 9, 4);
        using LayerTaps taps = Tapped(network, bufferBytes);
        using (taps.Record())
            network.Forward(x, false);
        // conv1's 13×15 output pooled to 6×7; conv2's 2×3 output (through Dropout2d) pooled to 1×1; then the fc.
        CollectionAssert.AreEqual(new long[] { 9, 10, 6, 7 }, taps.RecordedProbeShapes[0], "conv1 is probed at its pool's output");
        CollectionAssert.AreEqual(new long[] { 9, 20, 1, 1 }, taps.RecordedProbeShapes[1], "conv2 is probed at its pool's output, behind the dropout");
        taps.Clear();
        AssertTappedEqualPlain(network, tasks, x, y, taps, 13, "");
    }

    /// <summary>
    /// The ResNet trunk's convolutions take both forms of the all-tasks weight gradient (LayerRules.Conv2dRule.AllRows):
    /// the unfold product (one input channel, stride 2) and the convolution (16+ input channels, stride 1, zero padding).
    /// One taps object over batches of different sizes (its δ buffers are kept from call to call) matches the plain passes
    /// on every batch.
    /// </summary>
    [TestMethod]
    public void ResNetTappedRowsEqualPlainPassesOverBatchesOfDifferentSizes()
    {
        using var scope = NewDisposeScope();
        List<TaskDefinition> tasks = Tasks(3);
        long[] shape = [1, 12, 12];
        using SharedBottomNetwork network = Network(TrunkSpec.ResNet(), shape, tasks);
        using LayerTaps taps = Tapped(network, bufferBytes: 1L << 16);
        var kept = new List<long>();
        foreach ((int rows, int seed) in new[] { (10, 1), (10, 2), (7, 3), (10, 4) })
        {
            (Tensor x, Tensor[] y) = Batch(shape, tasks.Count, rows, seed);
            AssertTappedEqualPlain(network, tasks, x, y, taps, seed, $"{rows} rows (seed {seed}): ");
            kept.Add(taps.KeptBufferBytes);
        }
        // Only the last call's buffers are kept: a batch of another size releases the others, so nothing accumulates.
        Assert.IsGreaterThan(0L, kept[0]);
        Assert.AreEqual(kept[0], kept[1], "the same shapes reuse the kept buffers");
        Assert.IsLessThan(kept[0], kept[2], "7 rows keep 7-row buffers only");
        Assert.AreEqual(kept[0], kept[3], "back at 10 rows: 10-row buffers only");
    }

    [TestMethod]
    [DataRow("mmoe(experts=2)", false)]
    [DataRow("mmoe(experts=2)", true)]
    [DataRow("cgc", false)]
    [DataRow("ple(levels=2)", true)]
    [DataRow("cross-stitch", true)]
    [DataRow("dselect-k(experts=2)", false)]
    [DataRow("mtan", true)]
    public void EveryArchitecturesTappedRowsEqualPlainPasses(string architecture, bool images)
    {
        using var scope = NewDisposeScope();
        List<TaskDefinition> tasks = Tasks(3);
        long[] shape = images ? [1, 16, 16] : [12];
        manual_seed(4);
        using MultiTaskNetwork network = ArchitectureOptions.Parse(architecture).Build(images ? TrunkSpec.MultiLeNet() : TrunkSpec.Mlp(10, 7), shape, tasks);
        (Tensor x, Tensor[] y) = Batch(shape, tasks.Count, 12, 8);
        using LayerTaps taps = Tapped(network, what: $"{architecture}: ");
        AssertTappedEqualPlain(network, tasks, x, y, taps, 6, $"{architecture}: ");
    }

    [TestMethod]
    public void TheTapsChangeNoForwardValue()
    {
        using var scope = NewDisposeScope();
        List<TaskDefinition> tasks = Tasks(3);
        long[] shape = [1, 16, 16];
        using SharedBottomNetwork network = Network(TrunkSpec.MultiLeNet(), shape, tasks);
        (Tensor x, Tensor[] _) = Batch(shape, tasks.Count, 10, 3);
        using LayerTaps taps = Tapped(network);
        manual_seed(1);
        Tensor[] plain = network.Forward(x, false).Outputs.Select(o => o.detach()).ToArray();
        manual_seed(1);
        Tensor[] tapped;
        using (taps.Record())
            tapped = network.Forward(x, false).Outputs.Select(o => o.detach()).ToArray();
        for (int i = 0; i < plain.Length; i++)
            Assert.IsTrue(plain[i].equal(tapped[i]).all().item<bool>(), $"task {i}'s output changed");
        // After the recording the hooks are gone: a forward records nothing more.
        network.Forward(x, false);
        taps.Clear();
    }

    /// <summary>
    /// Thousands of tapped Parameters-mode steps on MultiLeNet (both convolutions pooled, the second through Dropout2d: the
    /// maxima, scales, kept inputs, probes and δ buffers of every step) leave the resident set flat.
    /// </summary>
    [TestMethod]
    public void ResidentMemoryStaysFlatOverThousandsOfTappedSteps()
    {
        List<TaskDefinition> tasks = Tasks(3);
        long[] shape = [1, 16, 16];
        var options = new MultiHeadNetworkTrainer.Options { GradientMode = GradientMode.Parameters, MaxEpoch = 1 };
        using SharedBottomNetwork network = Network(TrunkSpec.MultiLeNet(), shape, tasks);
        using var step = new TrainingStep(options, tasks, network, MethodRegistry.Create("upgrad"), 3, (_, _) => { }, layerTaps: true);
        (Tensor x, Tensor[] y) = Batch(shape, tasks.Count, 16, 3);
        void Steps(int first, int count)
        {
            for (int i = first; i < first + count; i++)
            {
                using var scope = NewDisposeScope();
                step.Run(x, y, i, 1);
            }
        }
        Steps(1, 300); // warm-up
        long before = ResidentMemory.Settled();
        Steps(301, 2000);
        long growth = ResidentMemory.Settled() - before;
        Assert.IsTrue(growth < 30L << 20, $"resident memory grew by {growth >> 20} MB over 2,000 tapped steps");
    }

    [TestMethod]
    [DataRow("upgrad")]
    [DataRow("pcgrad")]
    [DataRow("nashmtl")]
    public void TrainingStepsWithTapsFollowThePlainPasses(string method)
    {
        List<TaskDefinition> tasks = Tasks(3);
        long[] shape = [1, 16, 16];
        var options = new MultiHeadNetworkTrainer.Options { GradientMode = GradientMode.Parameters, MaxEpoch = 1 };
        using SharedBottomNetwork plainNet = Network(TrunkSpec.MultiLeNet(), shape, tasks);
        using SharedBottomNetwork tappedNet = Network(TrunkSpec.MultiLeNet(), shape, tasks);
        using var plain = new TrainingStep(options, tasks, plainNet, MethodRegistry.Create(method), 3, (_, _) => { }, layerTaps: false);
        using var tapped = new TrainingStep(options, tasks, tappedNet, MethodRegistry.Create(method), 3, (_, _) => { }, layerTaps: true);
        for (int step = 1; step <= 3; step++)
        {
            using var scope = NewDisposeScope();
            (Tensor x, Tensor[] y) = Batch(shape, tasks.Count, 16, 20 + step);
            manual_seed(step);
            StepResult a = plain.Run(x, y, step, 1);
            manual_seed(step);
            StepResult b = tapped.Run(x, y, step, 1);
            for (int i = 0; i < tasks.Count; i++)
                Assert.AreEqual(a.Losses[i], b.Losses[i], 1e-5 * Math.Max(1, Math.Abs(a.Losses[i])), $"step {step}, task {i}: loss");
            if (a.Weights is not null)
                for (int i = 0; i < tasks.Count; i++)
                    Assert.AreEqual(a.Weights[i], b.Weights![i], 1e-4 * Math.Max(1, Math.Abs(a.Weights[i])), $"step {step}, task {i}: weight");
        }
        using var scope2 = NewDisposeScope();
        AssertClose(plainNet.parameters().Select(p => p.detach()).ToArray(), tappedNet.parameters().Select(p => p.detach()).ToArray(), "parameter after 3 steps");
    }
}
