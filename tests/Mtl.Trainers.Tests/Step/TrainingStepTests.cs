using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Trainers.Tests.Step;

/// <summary>
/// The training step on a small real network: declarations served, bad combinations refused, and a run resumed from
/// <see cref="TrainingStep.WriteState"/> bit-identical to an uninterrupted one.
/// </summary>
[TestClass]
public sealed class TrainingStepTests
{
    private const int StepsPerEpoch = 2, Seed = 42;

    private static List<TaskDefinition> Tasks(double regressionScale = 1) =>
    [
        new("A") { ClassCount = 3, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("B") { ClassCount = 2, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("C", kind: TaskKind.Regression) { HeadHiddenSizes = [6], HeadDropout = 0, LossWeight = regressionScale },
    ];

    private static SharedBottomNetwork Network(IReadOnlyList<TaskDefinition> tasks, int initSeed)
    {
        torch.manual_seed(initSeed);
        return new SharedBottomNetwork(TrunkSpec.Mlp(8), [5], tasks);
    }

    private static MultiHeadNetworkTrainer.Options Options(OptimizerKind optimizer, GradientMode mode)
    {
        MtlOptimizerOptions o = optimizer == OptimizerKind.Sgd
            ? new MtlOptimizerOptions.Sgd { Momentum = 0.9, Nesterov = true }
            : MtlOptimizerOptions.For(optimizer);
        o.LearningRate = 0.01;
        o.WeightDecay = 1e-3;
        return new()
        {
            Optimizer = o,
            GradientMode = mode,
            Schedule = new LearningRateScheduleOptions.Exponential { Gamma = 0.9 },
            MaxEpoch = 3,
        };
    }

    private static TrainingStep Step(MultiHeadNetworkTrainer.Options options, IReadOnlyList<TaskDefinition> tasks, SharedBottomNetwork network, string method) =>
        new(options, tasks, network, MethodRegistry.Create(method), Seed, (_, _) => { });

    /// <summary>A fixed batch per step index (independent of every generator the training uses).</summary>
    private static (Tensor X, Tensor[] Y) Batch(long step, double regressionScale = 1)
    {
        using var generator = new Generator((ulong)(100 + step));
        var x = torch.randn([8, 5], generator: generator);
        var a = torch.randint(0, 3, [8], ScalarType.Int64, generator: generator);
        var b = torch.randint(0, 2, [8], ScalarType.Int64, generator: generator);
        var c = torch.randn([8], generator: generator) * regressionScale;
        return (x, [a, b, c]);
    }

    /// <summary>Epochs [from, to] as TrainingSession runs them; returns every learning rate and task loss, in order.</summary>
    private static List<double> Train(TrainingStep step, int from, int to)
    {
        var record = new List<double>();
        for (int epoch = from; epoch <= to; epoch++)
        {
            record.Add(step.LearningRateForEpoch(epoch));
            var sums = new double[3];
            for (int b = 0; b < StepsPerEpoch; b++)
            {
                using var scope = torch.NewDisposeScope();
                long index = (epoch - 1) * StepsPerEpoch + b + 1;
                var (x, y) = Batch(index);
                var result = step.Run(x, y, index, epoch);
                record.AddRange(result.Losses);
                for (int i = 0; i < 3; i++)
                    sums[i] += result.Losses[i] / StepsPerEpoch;
            }
            step.OnEpochEnd(sums);
        }
        return record;
    }

    private static float[] Weights(SharedBottomNetwork network) =>
        network.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [TestMethod]
    [DataRow("uw", OptimizerKind.Adam, GradientMode.Parameters)]
    [DataRow("imtl-l", OptimizerKind.Sgd, GradientMode.Parameters)]
    [DataRow("imtl", OptimizerKind.Adam, GradientMode.Parameters)]
    [DataRow("gradnorm", OptimizerKind.Adam, GradientMode.Parameters)]
    [DataRow("nashmtl", OptimizerKind.Adam, GradientMode.Parameters)]
    [DataRow("dwa", OptimizerKind.AdamW, GradientMode.Parameters)]
    [DataRow("famo", OptimizerKind.Adam, GradientMode.Representation)]
    [DataRow("gradvac", OptimizerKind.Adam, GradientMode.Parameters)]
    [DataRow("stch", OptimizerKind.SignSgd, GradientMode.Parameters)]
    [DataRow("rlw", OptimizerKind.PerTaskAdam, GradientMode.Parameters)]
    [DataRow("pcgrad", OptimizerKind.PerTaskAdam, GradientMode.Parameters)]
    [DataRow("uw", OptimizerKind.PerTaskAdam, GradientMode.Representation)]
    [DataRow("graddrop", OptimizerKind.Adam, GradientMode.Representation)]
    [DataRow("random-graddrop", OptimizerKind.Sgd, GradientMode.Parameters)]
    [DataRow("mgda", OptimizerKind.Sgd, GradientMode.Representation)]
    public void AResumedRunIsBitIdenticalToAnUninterruptedOne(string method, OptimizerKind optimizer, GradientMode mode)
    {
        var tasks = Tasks();
        var options = Options(optimizer, mode);

        using var straightNetwork = Network(tasks, 1);
        List<double> straight;
        using (var step = Step(options, tasks, straightNetwork, method))
            straight = Train(step, 1, 3);

        using var firstNetwork = Network(tasks, 1);
        using var state = new MemoryStream();
        List<double> resumed;
        using (var first = Step(options, tasks, firstNetwork, method))
        {
            resumed = Train(first, 1, 1);
            first.WriteState(state);
        }
        // A fresh network with other initial weights takes the saved weights, a fresh step the saved state.
        using var secondNetwork = Network(tasks, 99);
        using (torch.no_grad())
            foreach (var (target, source) in secondNetwork.parameters().Zip(firstNetwork.parameters()))
                target.copy_(source);
        using (var second = Step(options, tasks, secondNetwork, method))
        {
            state.Position = 0;
            second.ReadState(state);
            Assert.AreEqual(StepsPerEpoch, second.StepsTaken);
            resumed.AddRange(Train(second, 2, 3));
        }
        CollectionAssert.AreEqual(straight, resumed, $"{method}: losses and learning rates");
        CollectionAssert.AreEqual(Weights(straightNetwork), Weights(secondNetwork), $"{method}: final weights");
    }

    [TestMethod]
    public void DamagedForeignOrMismatchedStatesAreRefusedAndChangeNothing()
    {
        var tasks = Tasks();
        var options = Options(OptimizerKind.Adam, GradientMode.Parameters);
        using var network = Network(tasks, 1);
        using var step = Step(options, tasks, network, "nashmtl");
        Train(step, 1, 1);
        byte[] Saved()
        {
            using var memory = new MemoryStream();
            step.WriteState(memory);
            return memory.ToArray();
        }
        void Read(byte[] bytes) => step.ReadState(new MemoryStream(bytes));
        byte[] good = Saved();

        byte[] flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x10;
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(flipped)).Message, "SHA-256");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(good[..^40])).Message, "truncated");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read("not a checkpoint at all"u8.ToArray())).Message, "magic");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(good[..10])).Message, "truncated");
        // Layout: 8 magic bytes, Int32 version, Int64 payload length, payload, SHA-256 of the payload.
        byte[] version = (byte[])good.Clone();
        BitConverter.TryWriteBytes(version.AsSpan(8, 4), 2);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(version)).Message, "has version 2; this build reads version 1");
        byte[] length = (byte[])good.Clone();
        BitConverter.TryWriteBytes(length.AsSpan(12, 8), -1L);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(length)).Message, "declares -1 bytes of contents");
        // A well-formed, correctly hashed record whose payload has a byte too many.
        byte[] payload = good[20..^32].Append((byte)0).ToArray();
        byte[] longer = good[..12].Concat(BitConverter.GetBytes((long)payload.Length)).Concat(payload).Concat(System.Security.Cryptography.SHA256.HashData(payload)).ToArray();
        var extra = Assert.ThrowsExactly<InvalidDataException>(() => Read(longer));
        StringAssert.Contains(extra.Message, "unexpected bytes after the state");
        StringAssert.Contains(extra.Message, "nothing was loaded");

        using var otherNetwork = Network(tasks, 1);
        byte[] foreign;
        using (var other = Step(options, tasks, otherNetwork, "uw"))
        {
            using var memory = new MemoryStream();
            other.WriteState(memory);
            foreign = memory.ToArray();
        }
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Read(foreign)).Message, "nothing was loaded");
        CollectionAssert.AreEqual(good, Saved(), "every refused stream left the step as it was");
        Read(good);
    }

    [TestMethod]
    public void UnservableCombinationsAreRefusedAtConstruction()
    {
        var tasks = Tasks();
        using var network = Network(tasks, 1);
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() =>
            Step(Options(OptimizerKind.PerTaskAdam, GradientMode.Representation), tasks, network, "graddrop")).Message, "coordinates");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() =>
            Step(Options(OptimizerKind.PerTaskAdam, GradientMode.Representation), tasks, network, "upgrad")).Message, "GradientMode.Parameters");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() =>
            Step(Options(OptimizerKind.Adam, GradientMode.Representation), tasks, network, "pcgrad")).Message, "GradientMode.Representation");
    }

    [TestMethod]
    public void ACosineScheduleWithoutEpochsIsRefusedNamingMaxEpoch()
    {
        // The trainer checks MaxEpoch itself; a step built directly (as the benchmarks do) gets the schedule's own check.
        var tasks = Tasks();
        using var network = Network(tasks, 1);
        var options = Options(OptimizerKind.Adam, GradientMode.Parameters);
        options.Schedule = new LearningRateScheduleOptions.Cosine();
        options.MaxEpoch = 0;
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Step(options, tasks, network, "ew"));
        StringAssert.Contains(e.Message, "Options.MaxEpoch must be at least 1; got 0");
    }

    [TestMethod]
    public void TheDeclaredClipIsAppliedToTheSharedGradient()
    {
        // Large regression targets give a shared gradient far above 1: Nash-MTL's declared clip caps it, EW declares none.
        double Norm(string method)
        {
            var tasks = Tasks(regressionScale: 100);
            using var network = Network(tasks, 1);
            using var step = Step(Options(OptimizerKind.Sgd, GradientMode.Parameters), tasks, network, method);
            using var scope = torch.NewDisposeScope();
            var (x, y) = Batch(1, regressionScale: 100);
            step.LearningRateForEpoch(1);
            step.Run(x, y, 1, 1);
            double squared = network.SharedParameters().Sum(p => p.grad!.pow(2).sum().to_type(ScalarType.Float64).item<double>());
            return Math.Sqrt(squared);
        }
        Assert.IsLessThanOrEqualTo(1.0 + 1e-5, Norm("nashmtl"));
        Assert.IsGreaterThan(1.0, Norm("ew"));
    }

    [TestMethod]
    public void DeclaredExtrasReachTheMethods()
    {
        var tasks = Tasks();
        using var network = Network(tasks, 1);
        var gradNorm = new GradNorm();
        var famo = new FAMO();
        using (var step = new TrainingStep(Options(OptimizerKind.Adam, GradientMode.Parameters), tasks, network, gradNorm, Seed, (_, _) => { }))
            Train(step, 1, 1);
        Assert.IsTrue(gradNorm.TaskWeights().Any(w => Math.Abs(w - 1) > 1e-6), "the balancing loss moved GradNorm's weights");
        using (var step = new TrainingStep(Options(OptimizerKind.Adam, GradientMode.Parameters), tasks, network, famo, Seed, (_, _) => { }))
            Train(step, 1, 1);
        Assert.IsTrue(famo.Logits.Any(l => l != 0), "FAMO's logits moved from the losses after each step");
    }

    [TestMethod]
    public void TheScheduleIsSteppedOncePerEpochAndCannotGoBack()
    {
        var tasks = Tasks();
        using var network = Network(tasks, 1);
        using var step = Step(Options(OptimizerKind.Adam, GradientMode.Parameters), tasks, network, "ew");
        Assert.AreEqual(0.01, step.LearningRateForEpoch(1), 1e-15);
        Assert.AreEqual(0.01, step.LearningRateForEpoch(1), 1e-15, "the same epoch twice does not step");
        Assert.AreEqual(0.01 * 0.9 * 0.9, step.LearningRateForEpoch(3), 1e-15);
        Assert.ThrowsExactly<InvalidOperationException>(() => step.LearningRateForEpoch(2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => step.LearningRateForEpoch(0));
    }

    [TestMethod]
    public void ANonFiniteLossNamesTaskAndStep()
    {
        var tasks = Tasks();
        using var network = Network(tasks, 1);
        using var step = Step(Options(OptimizerKind.Adam, GradientMode.Parameters), tasks, network, "ew");
        using var scope = torch.NewDisposeScope();
        var (x, y) = Batch(1);
        y[2] = torch.full([8], double.NaN, ScalarType.Float32);
        var e = Assert.ThrowsExactly<NonFiniteLossException>(() => step.Run(x, y, 7, 2));
        Assert.AreEqual("C", e.Task);
        Assert.AreEqual(7, e.Step);
        StringAssert.Contains(e.Message, "step 7");
    }
}
