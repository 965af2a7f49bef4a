using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods;

/// <summary>Methods' declarations, and their saved state: a restored method continues exactly like the original.</summary>
[TestClass]
public sealed class MethodStateAndRequirementsTests
{
    private const int Tasks = 3;

    [TestMethod]
    public void MethodsDeclareWhatTheStepMustServe()
    {
        Assert.AreEqual(GradientNeed.CombinedLoss, new EW().Requirements.Gradients);
        Assert.AreEqual(GradientNeed.Gramian, new PCGrad().Requirements.Gradients);
        Assert.AreEqual(GradientNeed.Jacobian, new RandomGradDrop().Requirements.Gradients);
        Assert.AreEqual(1.0, new NashMTL().Requirements.SharedGradientClipNorm);
        Assert.AreEqual(0.0, new NashMTL(maxGradientNorm: 0).Requirements.SharedGradientClipNorm, "≤ 0 disables the clip");
        Assert.AreEqual(0.0, new MGDA().Requirements.SharedGradientClipNorm);
        Assert.IsTrue(new FAMO().Requirements.NeedsLossesAfterStep);
        Assert.IsFalse(new UW().Requirements.NeedsLossesAfterStep);
        Assert.IsTrue(new GradNorm().Requirements.NeedsSharedLayerGradientNorms);
        Assert.IsFalse(new DWA().Requirements.NeedsSharedLayerGradientNorms);
        Assert.IsTrue(new GradDrop().Requirements.NeedsRepresentation);
        Assert.IsTrue(new UPGrad().Requirements.YieldsTaskWeights);
        Assert.IsTrue(new STCH().Requirements.YieldsTaskWeights);
        Assert.IsFalse(new GradDrop().Requirements.YieldsTaskWeights);
        CollectionAssert.AreEqual(new[] { GradientMode.Parameters }, new NashMTL().Requirements.SupportedModes.ToArray());
    }

    [TestMethod]
    public void RequirementsRejectImpossibleDeclarations()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new MethodRequirements { SupportedModes = [] });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MethodRequirements { SharedGradientClipNorm = -1 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new NashMTL(maxGradientNorm: double.PositiveInfinity));
    }

    [TestMethod]
    public void StepSeedsArePinnedAndDifferPerStep()
    {
        // A fixed SplitMix64 mix: the same values in every process (HashCode.Combine would not be).
        Assert.AreEqual(StepContext.StepSeed(7, 3), StepContext.StepSeed(7, 3));
        Assert.AreNotEqual(StepContext.StepSeed(7, 3), StepContext.StepSeed(7, 4));
        Assert.AreNotEqual(StepContext.StepSeed(7, 3), StepContext.StepSeed(8, 3));
        Assert.AreEqual(StepSeedReference(7, 3), StepContext.StepSeed(7, 3));
        Assert.AreEqual(StepSeedReference(-5, 1L << 40), StepContext.StepSeed(-5, 1L << 40));
        // Begun at the same step, two contexts draw the same numbers whatever happened before.
        var a = new StepContext(2, seed: 11);
        var b = new StepContext(2, seed: 11);
        a.BeginStep(0, 0, [1, 1]);
        a.Random.Next();
        a.BeginStep(5, 0, [1, 1]);
        b.BeginStep(5, 0, [1, 1]);
        Assert.AreEqual(b.Random.NextDouble(), a.Random.NextDouble());
        using var ua = torch.rand([4], generator: a.TorchGenerator);
        using var ub = torch.rand([4], generator: b.TorchGenerator);
        CollectionAssert.AreEqual(ua.data<float>().ToArray(), ub.data<float>().ToArray());
    }

    /// <summary>The mix written out independently with BigInteger arithmetic modulo 2⁶⁴.</summary>
    private static int StepSeedReference(int seed, long step)
    {
        var m = System.Numerics.BigInteger.One << 64;
        System.Numerics.BigInteger x = ((System.Numerics.BigInteger)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)step) % m;
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL) % m;
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EBUL) % m;
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }

    public static IEnumerable<object[]> StatefulMethods =>
    [
        ["uw"], ["imtl-l"], ["imtl"], ["gradnorm"], ["nashmtl"], ["dwa"], ["famo"], ["gradvac"], ["stch"], ["pcgrad"], ["rlw"], ["mgda"],
    ];

    [TestMethod]
    [DynamicData(nameof(StatefulMethods))]
    public void ARestoredMethodContinuesExactlyLikeTheOriginal(string name)
    {
        const int total = 8, split = 4;
        var straight = MethodRegistry.Create(name);
        straight.Initialize(Tasks);
        var expected = Enumerable.Range(0, total).Select(step => Drive(straight, step)).ToArray();

        var first = MethodRegistry.Create(name);
        first.Initialize(Tasks);
        for (int step = 0; step < split; step++)
            Drive(first, step);
        using var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true))
            first.WriteState(writer);

        var resumed = MethodRegistry.Create(name);
        resumed.Initialize(Tasks);
        saved.Position = 0;
        using (var reader = new BinaryReader(saved))
            resumed.ReadState(reader);
        for (int step = split; step < total; step++)
            CollectionAssert.AreEqual(expected[step], Drive(resumed, step), $"{name}, step {step}");
    }

    [TestMethod]
    public void ReadingAnotherMethodsOrATruncatedStateChangesNothing()
    {
        var nash = new NashMTL();
        nash.Initialize(Tasks);
        Drive(nash, 0);
        byte[] before = Saved(nash);

        var other = new GradVac();
        other.Initialize(Tasks);
        Drive(other, 0);
        var foreign = Assert.ThrowsExactly<InvalidDataException>(() => Load(nash, Saved(other)));
        StringAssert.Contains(foreign.Message, "GradVac");
        StringAssert.Contains(foreign.Message, "NashMTL");
        CollectionAssert.AreEqual(before, Saved(nash));

        Assert.ThrowsExactly<InvalidDataException>(() => Load(nash, before[..^5]));
        CollectionAssert.AreEqual(before, Saved(nash), "a truncated state leaves the method as it was");

        var fewer = new NashMTL();
        fewer.Initialize(2);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Load(fewer, before)).Message, "3 tasks");
        Assert.ThrowsExactly<InvalidOperationException>(() => Load(new NashMTL(), before), "an uninitialised method cannot take a state");
    }

    [TestMethod]
    public void LearnableParametersAreSavedWithTheMethod()
    {
        var uw = new UW();
        uw.Initialize(2);
        using (torch.no_grad())
            uw.Parameters().Single().add_(torch.tensor(new float[] { 0.25f, -1.5f }));
        var copy = new UW();
        copy.Initialize(2);
        Load(copy, Saved(uw));
        CollectionAssert.AreEqual(uw.LogVariances, copy.LogVariances);
        MethodMath.AreClose([-0.25, -2.0], copy.LogVariances, 1e-7);
    }

    /// <summary>A method state written field by field: version, name, task count, learnable-parameter count, then the method's own fields.</summary>
    private static byte[] Crafted(string name, int parameters, Action<BinaryWriter> fields, int version = 1)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(version);
            writer.Write(name);
            writer.Write(Tasks);
            writer.Write(parameters);
            fields(writer);
        }
        return memory.ToArray();
    }

    private static string Refused(MtlMethod method, byte[] state)
    {
        method.Initialize(Tasks);
        return Assert.ThrowsExactly<InvalidDataException>(() => Load(method, state)).Message;
    }

    [TestMethod]
    public void DamagedFieldsOfAMethodStateAreNamed()
    {
        StringAssert.Contains(Refused(new DWA(), Crafted("DWA", 0, _ => { }, version: 7)), "has version 7; this build reads version 1");
        StringAssert.Contains(Refused(new UW(), Crafted("UW", 5, _ => { })), "holds 5 learnable parameter(s) but the method has 1");
        StringAssert.Contains(Refused(new DWA(), Crafted("DWA", 0, w => w.Write(-1))), "The saved DWA history has -1 epochs");
        StringAssert.Contains(Refused(new DWA(), Crafted("DWA", 0, w => { w.Write(1); w.Write(5); })), "The saved DWA epoch means has 5 values; 3 were expected");
        StringAssert.Contains(Refused(new STCH(), Crafted("STCH", 0, w => { w.Write(-1); w.Write(-2); })), "counts -2 completed epochs");
        StringAssert.Contains(Refused(new GradVac(), Crafted("GradVac", 0, w => w.Write(-3))), "The saved GradVac state has -3 parameter groups");
        StringAssert.Contains(Refused(new GradVac(), Crafted("GradVac", 0, w =>
        {
            w.Write(1);
            w.Write(1.5); // the first target similarity, outside [-1, 1]
        })), "target similarity [0, 0, 0] is 1.5");
    }

    private static byte[] Saved(MtlMethod method)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
            method.WriteState(writer);
        return memory.ToArray();
    }

    private static void Load(MtlMethod method, byte[] state)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        method.ReadState(reader);
    }

    /// <summary>
    /// One step of a method outside a network: seeded losses and Gramian, the hooks the trainer would call (after-step
    /// losses, shared-layer norms, epoch ends every other step), and an "optimizer" nudge of learnable parameters.
    /// Returns the step's weights.
    /// </summary>
    private static double[] Drive(MtlMethod method, int step)
    {
        using var scope = torch.NewDisposeScope();
        var random = new Random(1000 + step);
        double[] losses = Enumerable.Range(0, Tasks).Select(_ => 0.2 + random.NextDouble()).ToArray();
        var context = new StepContext(Tasks, seed: 5);
        context.BeginStep(step, step / 2, losses);
        double[] weights;
        if (method.Requirements.Gradients == GradientNeed.CombinedLoss)
        {
            var leaves = losses.Select(v => torch.tensor(v, ScalarType.Float64).requires_grad_()).ToArray();
            ((LossWeighting)method).Combine(leaves, context);
            weights = method.CurrentWeights!;
        }
        else
        {
            var gramian = MethodMath.Gramian(MethodMath.RandomJacobian(Tasks, 6, 2000 + step));
            weights = ((GramianWeighting)method).Weights(gramian, context);
        }
        if (method.Requirements.NeedsSharedLayerGradientNorms)
        {
            context.RecordSharedLayerGradientNorms(losses.Select(l => 2 * l).ToArray());
            method.OnGradientsReady(context);
        }
        if (method.Requirements.NeedsLossesAfterStep)
            context.RecordLossesAfterStep(losses.Select(l => 0.9 * l).ToArray());
        method.AfterStep(context);
        using (torch.no_grad())
            foreach (var p in method.Parameters())
                p.add_(0.01 * (step + 1));
        if (step % 2 == 1)
            method.OnEpochEnd(losses);
        return (double[])weights.Clone();
    }
}
