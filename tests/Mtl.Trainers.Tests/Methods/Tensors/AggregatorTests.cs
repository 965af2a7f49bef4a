using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods.Tensors;

[TestClass]
public sealed class AggregatorTests
{
    private static Tensor Matrix(double[][] rows, ScalarType dtype = ScalarType.Float32) =>
        torch.tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length }, dtype: dtype);

    [TestMethod]
    public void GramianAggregateEqualsJTransposeWeights()
    {
        using var scope = torch.NewDisposeScope();
        double[][] j = [[1, 0], [-1, 1]];
        var d = new PCGrad().Aggregate(Matrix(j), new StepContext(2));
        Assert.AreEqual(ScalarType.Float32, d.dtype);
        MethodMath.AreClose([0.5, 1.5], TensorMath.Values(d), 1e-6);

        var random = MethodMath.RandomJacobian(4, 9, 5);
        var method = new UPGrad();
        var expected = MethodMath.Direction(random, method.Weights(MethodMath.Gramian(random)));
        var actual = new UPGrad().Aggregate(Matrix(random, ScalarType.Float64), new StepContext(4));
        MethodMath.AreClose(expected, TensorMath.Values(actual), 1e-10);
    }

    [TestMethod]
    public void AggregateKeepsTheRowShape()
    {
        using var scope = torch.NewDisposeScope();
        var j = torch.ones([2, 3, 4], ScalarType.Float32);
        var d = new MGDA().Aggregate(j, new StepContext(2));
        CollectionAssert.AreEqual(new long[] { 3, 4 }, d.shape);
        Assert.ThrowsExactly<ArgumentException>(() => new MGDA().Aggregate(j, new StepContext(3)));
    }

    [TestMethod]
    public void WeightsFromATensorGramian()
    {
        using var scope = torch.NewDisposeScope();
        var g = torch.tensor(new double[,] { { 4, 0 }, { 0, 1 } }, ScalarType.Float32);
        MethodMath.AreClose([1.0 / 3, 2.0 / 3], new IMTLG().Weights(g, new StepContext(2)), 1e-7);
        Assert.ThrowsExactly<ArgumentException>(() => new IMTLG().Weights(torch.ones([4], ScalarType.Float32), new StepContext(2)));
    }

    [TestMethod]
    public void GradDropKeepsOneSignPerConflictingFeature()
    {
        using var scope = torch.NewDisposeScope();
        // U comes from the context's (seed, step) generator, not from torch's global one.
        const int features = 4000;
        // Batch of 1, z > 0: Gᵢ = ∇zLᵢ. Task 1 pushes +2, task 2 pushes −1 on every feature: P = ½(1 + 1/3) = 2/3.
        var j = torch.cat([torch.full([1, features], 2.0), torch.full([1, features], -1.0)], 0);
        var context = new StepContext(2);
        context.BeginStep(0, 0, [1, 1]);
        context.Representation = torch.ones([1, features]);
        var method = new GradDrop();
        var d = TensorMath.Values(method.Aggregate(j, context));
        Assert.IsTrue(d.All(x => x == 2.0 || x == -1.0), "each feature keeps exactly one task's gradient");
        double positiveShare = d.Count(x => x == 2.0) / (double)features;
        Assert.AreEqual(2.0 / 3, positiveShare, 0.03);
    }

    [TestMethod]
    public void GradDropUsesTheSignOfTheRepresentationAndSumsAgreement()
    {
        using var scope = torch.NewDisposeScope();
        // Two samples, one feature. Per-sample gradients: task 1 (+1, +1), task 2 (+1, −3); z = (1, −1).
        // G₁ = 1·1 + 1·(−1) = 0 → task 1 is dropped on this feature (neither sign); G₂ = 1 + 3 = 4 > 0 and P = 1 → kept.
        var j = torch.tensor(new[] { 1.0, 1.0, 1.0, -3.0 }, new long[] { 2, 2 });
        var context = new StepContext(2);
        context.BeginStep(0, 0, [1, 1]);
        context.Representation = torch.tensor(new[] { 1.0, -1.0 }, new long[] { 2, 1 });
        MethodMath.AreClose([1, -3], TensorMath.Values(new GradDrop().Aggregate(j, context)), 1e-12);
        // Full leak keeps everything: the plain sum.
        MethodMath.AreClose([2, -2], TensorMath.Values(new GradDrop(leak: 1).Aggregate(j, context)), 1e-12);
        // Rescaling to the plain sum's norm.
        var rescaled = TensorMath.Values(new GradDrop(rescaleToSumNorm: true).Aggregate(j, context));
        Assert.AreEqual(Math.Sqrt(8), MethodMath.Norm(rescaled), 1e-6);
    }

    [TestMethod]
    public void TwoIdenticalTasksReduceGradDropAndImtlToScaledEw()
    {
        using var scope = torch.NewDisposeScope();
        var row = new[] { 0.5, -1.0, 2.0, 0.25, -3.0, 1.0 };
        var j = torch.tensor(row.Concat(row).ToArray(), new long[] { 2, 6 });
        var context = new StepContext(2);
        context.BeginStep(0, 0, [1, 1]);
        context.Representation = torch.tensor(new[] { 1.0, -2.0, 0.5, 3.0, 1.0, -1.0 }, new long[] { 2, 3 });
        // Agreeing signs everywhere: purity is 0 or 1, so nothing is dropped and the result is the plain sum.
        MethodMath.AreClose(row.Select(x => 2 * x).ToArray(), TensorMath.Values(new GradDrop().Aggregate(j, context)), 1e-12);
        var imtl = new IMTL();
        imtl.Initialize(2);
        // IMTL-G weights sum to 1: d = ½g + ½g.
        MethodMath.AreClose(row, TensorMath.Values(imtl.Aggregate(j, context)), 1e-12);
    }

    [TestMethod]
    public void GradDropNeedsTheRepresentationAndItsMode()
    {
        using var scope = torch.NewDisposeScope();
        var method = new GradDrop();
        Assert.IsTrue(method.Requirements.NeedsRepresentation);
        Assert.AreEqual(GradientNeed.Jacobian, method.Requirements.Gradients);
        Assert.IsFalse(method.Requirements.YieldsTaskWeights);
        Assert.ThrowsExactly<NotSupportedException>(() => method.EnsureSupports(GradientMode.Parameters));
        var context = new StepContext(2);
        context.BeginStep(0, 0, [1, 1]);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => method.Aggregate(torch.ones([2, 3]), context)).Message, "Representation");
        context.Representation = torch.ones([2, 2]);
        Assert.ThrowsExactly<ArgumentException>(() => method.Aggregate(torch.ones([2, 3]), context));
        // A new step clears the representation.
        context.BeginStep(1, 0, [1, 1]);
        Assert.IsNull(context.Representation);
    }

    [TestMethod]
    public void RandomGradDropMasksElementsAndRescales()
    {
        using var scope = torch.NewDisposeScope();
        var j = torch.tensor(new[] { 1.0, 2.0, 3.0, 10.0, 20.0, 30.0 }, new long[] { 2, 3 });
        var context = new StepContext(2);
        MethodMath.AreClose([11, 22, 33], TensorMath.Values(new RandomGradDrop(0, rescaleToSumNorm: false).Aggregate(j, context)), 1e-12);
        var masked = TensorMath.Values(new RandomGradDrop(0.5, rescaleToSumNorm: false).Aggregate(j, context));
        for (int k = 0; k < 3; k++)
            CollectionAssert.Contains(new[] { 0.0, k + 1.0, 10 * (k + 1.0), 11 * (k + 1.0) }, masked[k]);
        var rescaled = TensorMath.Values(new RandomGradDrop(0.5).Aggregate(j, context));
        if (rescaled.Any(x => x != 0))
            Assert.AreEqual(MethodMath.Norm([11, 22, 33]), MethodMath.Norm(rescaled), 1e-5);
    }

    [TestMethod]
    public void ImtlPreparesScaledLossesAndUsesEqualProjections()
    {
        using var scope = torch.NewDisposeScope();
        var method = new IMTL();
        method.Initialize(2);
        Assert.AreEqual(1, method.Parameters().Count());
        var leaves = TensorMath.Leaves(0.5, 2);
        var prepared = method.PrepareTaskLosses(leaves, new StepContext(2));
        MethodMath.AreClose([0.5, 2], prepared.Select(TensorMath.Value).ToArray(), 1e-6);
        torch.stack(prepared.ToArray()).sum().backward();
        MethodMath.AreClose([-0.5, 1], TensorMath.Values(method.Parameters().Single().grad!), 1e-6);
        MethodMath.AreClose([1.0 / 3, 2.0 / 3], method.Weights(new double[,] { { 4, 0 }, { 0, 1 } }), 1e-12);
    }

    [TestMethod]
    public void RegistryCreatesEveryMethodByName()
    {
        foreach (var name in MethodRegistry.Names)
        {
            var method = MethodRegistry.Create(name);
            Assert.IsNotNull(method, name);
            Assert.AreNotSame(method, MethodRegistry.Create(name), "a fresh instance per call");
        }
        Assert.IsInstanceOfType<PCGrad>(MethodRegistry.Create("PCGrad"));
        Assert.IsInstanceOfType<IMTLG>(MethodRegistry.Create("imtl_g"));
        Assert.IsInstanceOfType<EW>(MethodRegistry.Create("US"));
        Assert.AreEqual("MGDA-UB", MethodRegistry.Create("mgda-ub").Name);
        var fixedWeights = (FixedWeights)MethodRegistry.Create("fixed: 0.3, 0.7");
        MethodMath.AreClose([0.3, 0.7], fixedWeights.Weights.ToArray(), 0);
        Assert.AreEqual("STL", MethodRegistry.Create("stl:1").Name);
        foreach (var expected in new[] { "ew", "mgda", "pcgrad", "cagrad", "nashmtl", "upgrad", "dualproj", "alignedmtl", "gradvac", "famo", "graddrop" })
            Assert.IsTrue(MethodRegistry.Contains(expected), expected);
    }

    [TestMethod]
    public void RegistryErrorsAreClear()
    {
        var unknown = Assert.ThrowsExactly<ArgumentException>(() => MethodRegistry.Create("bogus"));
        StringAssert.Contains(unknown.Message, "bogus");
        StringAssert.Contains(unknown.Message, "upgrad");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => MethodRegistry.Create("fixed:a,b")).Message, "'a,b' is not a valid weights");
        Assert.ThrowsExactly<ArgumentException>(() => MethodRegistry.Create("stl:x"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => MethodRegistry.Create(" ")).Message, "An MTL method is required. Accepted methods:");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => MethodRegistry.Create("pcgrad:2")).Message, "pcgrad takes no arguments");
    }

    [TestMethod]
    public void UserMethodsGoOnTheOptionsNotIntoTheRegistry()
    {
        MtlMethodOptions mine = MtlMethodOptions.Custom("test-half-weights", () => new FixedWeights(0.5, 0.5));
        Assert.IsInstanceOfType<FixedWeights>(mine.Create());
        Assert.AreNotSame(mine.Create(), mine.Create(), "a fresh method per call");
        Assert.AreEqual("test-half-weights", mine.ToString());
        CollectionAssert.DoesNotContain(MethodRegistry.Names.ToArray(), "test-half-weights");
    }
}
