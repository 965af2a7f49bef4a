using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Mtl.Trainers.Engine;

namespace Mtl.Trainers.Tests;

[TestClass]
public class GradientEngineTests
{
    // A tiny two-task network in float64: z = tanh(W x), L1 = mean((h1·z)²), L2 = mean(sin(h2·z)).
    private sealed class Toy : IDisposable
    {
        public readonly Parameter W, H1, H2;
        public readonly Tensor X;

        public Toy()
        {
            manual_seed(3);
            W = new Parameter(randn(new long[] { 3, 4 }, float64));
            H1 = new Parameter(randn(new long[] { 1, 3 }, float64));
            H2 = new Parameter(randn(new long[] { 1, 3 }, float64));
            X = randn(new long[] { 5, 4 }, float64).DetachFromDisposeScope();
        }

        public Tensor Z() => X.matmul(W.t()).tanh();
        public Tensor L1(Tensor z) => z.matmul(H1.t()).pow(2).mean();
        public Tensor L2(Tensor z) => z.matmul(H2.t()).sin().mean();

        public void Dispose()
        {
            W.Dispose(); H1.Dispose(); H2.Dispose(); X.Dispose();
        }
    }

    private static double[] Flat(Tensor t) => t.contiguous().data<double>().ToArray();

    [TestMethod]
    public void GramianEqualsPairwiseDotProductsOfTaskGradients()
    {
        using var toy = new Toy();
        using var scope = NewDisposeScope();
        Tensor g1 = autograd.grad(new[] { toy.L1(toy.Z()) }, new Tensor[] { toy.W })[0]!;
        Tensor g2 = autograd.grad(new[] { toy.L2(toy.Z()) }, new Tensor[] { toy.W })[0]!;
        Tensor z = toy.Z();
        using StackedGradients sg = TaskGradientEngine.ParameterGradients(new[] { toy.L1(z), toy.L2(z) }, new Tensor[] { toy.W },
            new[] { new Tensor[] { toy.H1 }, new Tensor[] { toy.H2 } });
        double[,] g = sg.Gramian();
        Assert.AreEqual(g1.flatten().dot(g1.flatten()).item<double>(), g[0, 0], 1e-12);
        Assert.AreEqual(g1.flatten().dot(g2.flatten()).item<double>(), g[0, 1], 1e-12);
        Assert.AreEqual(g[0, 1], g[1, 0], 1e-15);
        Assert.AreEqual(g2.flatten().dot(g2.flatten()).item<double>(), g[1, 1], 1e-12);
    }

    [TestMethod]
    public void ParameterModeCombinesWeightedGradientsAndGivesHeadsTheirOwnGradient()
    {
        using var toy = new Toy();
        using var scope = NewDisposeScope();
        Tensor[] r1 = autograd.grad(new[] { toy.L1(toy.Z()) }, new Tensor[] { toy.W, toy.H1 }).Select(t => t!).ToArray();
        Tensor[] r2 = autograd.grad(new[] { toy.L2(toy.Z()) }, new Tensor[] { toy.W, toy.H2 }).Select(t => t!).ToArray();
        Tensor z = toy.Z();
        using StackedGradients sg = TaskGradientEngine.ParameterGradients(new[] { toy.L1(z), toy.L2(z) }, new Tensor[] { toy.W },
            new[] { new Tensor[] { toy.H1 }, new Tensor[] { toy.H2 } });
        sg.CombineInto(new Tensor[] { toy.W }, new[] { 0.25, 2.0 });
        double[] expected = Flat(0.25 * r1[0] + 2.0 * r2[0]);
        CollectionAssert.AreEqual(expected.Select(v => Math.Round(v, 12)).ToArray(), Flat(toy.W.grad!).Select(v => Math.Round(v, 12)).ToArray());
        // Heads: exactly their own task's unweighted gradient.
        CollectionAssert.AreEqual(Flat(r1[1]), Flat(toy.H1.grad!));
        CollectionAssert.AreEqual(Flat(r2[1]), Flat(toy.H2.grad!));
    }

    [TestMethod]
    public void RepresentationModeWithEqualWeightsGivesTheSameSharedGradientAsTheSummedLoss()
    {
        using var toy = new Toy();
        using var scope = NewDisposeScope();
        // Reference: backward of L1 + L2.
        Tensor zr = toy.Z();
        (toy.L1(zr) + toy.L2(zr)).backward();
        double[] reference = Flat(toy.W.grad!);
        toy.W.grad = null; toy.H1.grad = null; toy.H2.grad = null;

        Tensor z = toy.Z();
        Tensor zd = z.detach().requires_grad_(true);
        using StackedGradients sg = TaskGradientEngine.RepresentationGradients(new[] { toy.L1(zd), toy.L2(zd) }, [zd],
            new[] { new Tensor[] { toy.H1 }, new Tensor[] { toy.H2 } });
        TaskGradientEngine.BackwardThroughTrunk([z], sg, new[] { 1.0, 1.0 });
        double[] representation = Flat(toy.W.grad!);
        for (int i = 0; i < reference.Length; i++) Assert.AreEqual(reference[i], representation[i], 1e-12);

        // And parameter mode with weights (1, 1) agrees too.
        toy.W.grad = null;
        Tensor z2 = toy.Z();
        using StackedGradients sp = TaskGradientEngine.ParameterGradients(new[] { toy.L1(z2), toy.L2(z2) }, new Tensor[] { toy.W },
            new[] { new Tensor[] { toy.H1 }, new Tensor[] { toy.H2 } });
        sp.CombineInto(new Tensor[] { toy.W }, new[] { 1.0, 1.0 });
        double[] parameters = Flat(toy.W.grad!);
        for (int i = 0; i < reference.Length; i++) Assert.AreEqual(reference[i], parameters[i], 1e-12);
    }

    [TestMethod]
    public void RepresentationModeRejectsANonLeafRepresentation()
    {
        using var toy = new Toy();
        using var scope = NewDisposeScope();
        Tensor z = toy.Z();
        Assert.ThrowsExactly<ArgumentException>(() =>
            TaskGradientEngine.RepresentationGradients(new[] { toy.L1(z), toy.L2(z) }, [z], new[] { new Tensor[] { toy.H1 }, new Tensor[] { toy.H2 } }));
    }

    [TestMethod]
    public void UnflattenInvertsTheJacobianColumnLayout()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, new long[] { 2, 3 });
        var b = tensor(new double[] { 7, 8, 9, 10 }, new long[] { 2, 2 });
        using var sg = new StackedGradients(new[] { a.alias(), b.alias() }, new[] { new long[] { 3 }, new long[] { 2 } });
        Tensor j = sg.Jacobian();
        CollectionAssert.AreEqual(new long[] { 2, 5 }, j.shape);
        Tensor[] pieces = sg.Unflatten(j[0]);
        CollectionAssert.AreEqual(new double[] { 1, 2, 3 }, Flat(pieces[0]));
        CollectionAssert.AreEqual(new double[] { 7, 8 }, Flat(pieces[1]));
    }

    [TestMethod]
    public void PerTensorGramiansSumToTheGramian()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new double[] { 1, 2, 3, -1, 0, 2 }, new long[] { 2, 3 });
        var b = tensor(new double[] { 4, -2, 1, 5 }, new long[] { 2, 2 });
        using var sg = new StackedGradients(new[] { a.alias(), b.alias() }, new[] { new long[] { 3 }, new long[] { 2 } });
        double[][,] parts = sg.GramianPerTensor();
        double[,] whole = sg.Gramian();
        // Hand-computed: A Aᵀ = [[14, 5], [5, 5]], B Bᵀ = [[20, -6], [-6, 26]].
        Assert.AreEqual(14, parts[0][0, 0]); Assert.AreEqual(5, parts[0][0, 1]); Assert.AreEqual(5, parts[0][1, 1]);
        Assert.AreEqual(20, parts[1][0, 0]); Assert.AreEqual(-6, parts[1][1, 0]); Assert.AreEqual(26, parts[1][1, 1]);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                Assert.AreEqual(parts[0][i, j] + parts[1][i, j], whole[i, j], 1e-12);
    }
}
