using Mtl.Torch;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods.Tensors;

// The three examples of docs/custom-method.md, verbatim, so the guide cannot drift from the API.

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

[TestClass]
public sealed class CustomMethodGuideTests
{
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
    public void GuideRegistrationMakesTheMethodAvailableByName()
    {
        MethodRegistry.Register("guide-normalized-sum", () => new NormalizedSum());
        Assert.IsInstanceOfType<NormalizedSum>(MethodRegistry.Create("Guide_Normalized Sum"));
    }
}
