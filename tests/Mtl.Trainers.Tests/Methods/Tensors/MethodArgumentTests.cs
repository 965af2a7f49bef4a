using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods.Tensors;

[TestClass]
public sealed class MethodArgumentTests
{
    [TestMethod]
    public void InvalidSettingsAreRejectedAtConstruction()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CAGrad(ca: -0.1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GradVac(beta: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DWA(temperature: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FAMO(learningRate: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new STCH(mu: 0));
        Assert.ThrowsExactly<ArgumentException>(() => new STCH(preferences: [1, -1]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GradDrop(leak: 1.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new RandomGradDrop(dropProbability: 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new NashMTL(updateEvery: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MGDA(maxIterations: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AlignedMTL(relativeTolerance: -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UW(double.NaN));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GradNorm(alpha: -1));
    }

    [TestMethod]
    public void ModesFollowTheReferenceImplementations()
    {
        (MtlMethod Method, GradientMode[] Modes)[] expected =
        [
            (new PCGrad(), [GradientMode.Parameters]),
            (new CAGrad(), [GradientMode.Parameters]),
            (new NashMTL(), [GradientMode.Parameters]),
            (new GradVac(), [GradientMode.Parameters]),
            (new GradDrop(), [GradientMode.Representation]),
            (MGDA.UpperBound(), [GradientMode.Representation]),
            (new MGDA(), [GradientMode.Parameters, GradientMode.Representation]),
            (new UPGrad(), [GradientMode.Parameters, GradientMode.Representation]),
            (new EW(), [GradientMode.Parameters, GradientMode.Representation]),
        ];
        foreach (var (method, modes) in expected)
            CollectionAssert.AreEquivalent(modes, method.SupportedModes.ToArray(), method.Name);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => new PCGrad().EnsureSupports(GradientMode.Representation));
        StringAssert.Contains(e.Message, "GradientMode.Parameters");
    }

    [TestMethod]
    public void TaskCountIsFixedByInitialize()
    {
        var method = new UW();
        method.Initialize(3);
        method.Initialize(3);
        Assert.AreEqual(3, method.TaskCount);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => method.Initialize(2)).Message, "new method instance");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new EW().Initialize(0));
    }
}
