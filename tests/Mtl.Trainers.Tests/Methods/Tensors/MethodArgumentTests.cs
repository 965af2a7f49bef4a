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
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MGDA(tolerance: 0)).Message, "tolerance must be positive");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FAMO(decay: -1)).Message, "γ must be a finite number ≥ 0");
    }

    [TestMethod]
    public void CallsThatDoNotFitTheMethodsStateAreNamed()
    {
        var stch = new STCH(preferences: [0.5, 0.5]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => stch.Initialize(3)).Message, "STCH has 2 preferences but the model has 3 tasks");

        var gradVac = new GradVac();
        gradVac.Initialize(2);
        using var context = new StepContext(2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => gradVac.WeightsPerGroup([], context)).Message, "at least one parameter group");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => gradVac.WeightsPerGroup([new double[3, 3]], context)).Message,
            "A group Gramian is 3×3 but the step context has 2 tasks");

        var gradNorm = new GradNorm();
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => gradNorm.WeightsTensor()).Message, "call Initialize(taskCount) first");
        gradNorm.Initialize(2);
        using var scope = TorchSharp.torch.NewDisposeScope();
        var one = TorchSharp.torch.tensor(1.0);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => gradNorm.BalanceLoss([one], context)).Message, "GradNorm needs 2 gradient norms, got 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => gradNorm.BalanceLoss([one, TorchSharp.torch.tensor(-1.0)], context)).Message,
            "The gradient norm of task 1 is -1");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => gradNorm.BalanceLoss([one, one], context)).Message,
            "call Combine(losses, context) first in the same step");
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
