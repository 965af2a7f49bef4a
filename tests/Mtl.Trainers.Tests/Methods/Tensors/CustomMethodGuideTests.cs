using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods.Tensors;

// The four examples of docs/custom-method.md, verbatim, so the guide cannot drift from the API.

public sealed class InitialLossNormalization : LossWeighting
{
    private double[]? _initial;

    public InitialLossNormalization() : base("InitialLossNormalization") { }

    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        var values = Values(losses);                 // one device-to-host copy
        RequirePositive(values, context);            // clear error naming the task and step
        _initial ??= values;
        return WeightedSum(losses, _initial.Select(v => 1 / v).ToArray());   // also sets CurrentWeights
    }

    // The first losses are learned state: save them, so a resumed run keeps normalising by the same values.
    protected override void OnWriteState(BinaryWriter writer)
    {
        writer.Write(_initial is not null);
        foreach (var v in _initial ?? []) writer.Write(v);
    }

    protected override void OnReadState(BinaryReader reader) =>
        _initial = reader.ReadBoolean() ? Enumerable.Range(0, TaskCount).Select(_ => reader.ReadDouble()).ToArray() : null;
}

public sealed class NormalizedSum : GramianWeighting
{
    public NormalizedSum() : base("NormalizedSum", GradientMode.Parameters, GradientMode.Representation) { }

    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        var norms = Norms(gramian);                  // √Gᵢᵢ
        return norms.Select(n => n > 0 ? 1 / n : 0).ToArray();
    }
}

/// Coordinate-wise median of the task gradients, scaled by T.
public sealed class MedianAggregator : GradientMethod
{
    public MedianAggregator() : base("Median", GradientMode.Parameters, GradientMode.Representation) { }

    public override Tensor Aggregate(Tensor jacobian, StepContext context)
    {
        using var rows = RowsOf(jacobian, context);          // checks T, views J as [T, D]
        var (sorted, order) = rows.sort(0);                  // sort each coordinate over the tasks
        using (sorted)
        using (order)
        using (var median = sorted[(context.TaskCount - 1) / 2])
        using (var scaled = median * context.TaskCount)
            return scaled.reshape(jacobian.shape[1..]);      // same shape as one row
    }
}

public sealed class ClippedNormalizedSum : GramianWeighting
{
    public ClippedNormalizedSum() : base("ClippedNormalizedSum", GradientMode.Parameters) { }

    public override MethodRequirements Requirements => base.Requirements with { SharedGradientClipNorm = 5.0 };

    protected override double[] ComputeWeights(double[,] gramian, StepContext context) =>
        Norms(gramian).Select(n => n > 0 ? 1 / n : 0).ToArray();
}

/// A custom aggregator that forgets to name its gradient modes.
public sealed class ModelessAggregator : GradientMethod
{
    public ModelessAggregator() : base("Modeless") { }

    public override Tensor Aggregate(Tensor jacobian, StepContext context) => jacobian.sum(0);
}

[TestClass]
public sealed class CustomMethodGuideTests
{
    [TestMethod]
    public void ACustomMethodMustNameAGradientModeAndWeightingsRefuseANullLoss()
    {
        var modes = Assert.ThrowsExactly<ArgumentException>(() => new ModelessAggregator());
        StringAssert.Contains(modes.Message, "Method 'Modeless' must support at least one gradient mode");

        using var scope = torch.NewDisposeScope();
        var method = new InitialLossNormalization();
        method.Initialize(2);
        var context = new StepContext(2);
        var e = Assert.ThrowsExactly<ArgumentException>(() => method.Combine(new Tensor[] { torch.tensor(1.0), null! }, context));
        StringAssert.Contains(e.Message, "The loss of task 1 is null");
    }

    [TestMethod]
    public void GuideLossWeightingNormalisesByTheFirstLosses()
    {
        using var scope = torch.NewDisposeScope();
        var method = new InitialLossNormalization();
        var context = new StepContext(2);
        var total = method.Combine(TensorMath.Leaves(2, 0.5), context);
        Assert.AreEqual(2.0, TensorMath.Value(total), 1e-12);
        method.Combine(TensorMath.Leaves(1, 1), context);
        MethodMath.AreClose([0.5, 2], method.CurrentWeights!, 1e-12);
    }

    [TestMethod]
    public void GuideLossWeightingStateSurvivesACheckpoint()
    {
        using var scope = torch.NewDisposeScope();
        var method = new InitialLossNormalization();
        method.Combine(TensorMath.Leaves(2, 0.5), new StepContext(2));
        using var saved = new MemoryStream();
        using (var writer = new BinaryWriter(saved, System.Text.Encoding.UTF8, leaveOpen: true))
            method.WriteState(writer);
        var resumed = new InitialLossNormalization();
        resumed.Initialize(2);
        saved.Position = 0;
        using (var reader = new BinaryReader(saved))
            resumed.ReadState(reader);
        resumed.Combine(TensorMath.Leaves(1, 1), new StepContext(2));
        MethodMath.AreClose([0.5, 2], resumed.CurrentWeights!, 1e-12);
    }

    [TestMethod]
    public void GuideDeclarationsReachTheRequirementsAndTheRuleStillRunsOnAMatrix()
    {
        var method = new ClippedNormalizedSum();
        Assert.AreEqual(5.0, method.Requirements.SharedGradientClipNorm);
        Assert.AreEqual(GradientNeed.Gramian, method.Requirements.Gradients);
        Assert.IsTrue(method.Requirements.YieldsTaskWeights);
        Assert.ThrowsExactly<NotSupportedException>(() => method.EnsureSupports(GradientMode.Representation));
        MethodMath.AreClose([0.5, 1], method.Weights(new double[,] { { 4, 0 }, { 0, 1 } }), 1e-15);
    }

    [TestMethod]
    public void GuideGramianWeightingGivesInverseNorms()
    {
        MethodMath.AreClose([0.5, 1], new NormalizedSum().Weights(new double[,] { { 4, 0 }, { 0, 1 } }), 1e-15);
    }

    [TestMethod]
    public void GuideAggregatorTakesTheCoordinateMedian()
    {
        using var scope = torch.NewDisposeScope();
        var j = torch.tensor(new[] { 1.0, 5.0, 3.0, 2.0, 9.0, -1.0 }, new long[] { 3, 2 });
        MethodMath.AreClose([9, 6], TensorMath.Values(new MedianAggregator().Aggregate(j, new StepContext(3))), 1e-12);
    }

    [TestMethod]
    public void GuideCustomOptionsCreateAFreshMethodPerFit()
    {
        MtlMethodOptions options = MtlMethodOptions.Custom("guide-normalized-sum", () => new NormalizedSum());
        Assert.IsInstanceOfType<NormalizedSum>(options.Create());
        Assert.AreNotSame(options.Create(), options.Create());
    }
}
