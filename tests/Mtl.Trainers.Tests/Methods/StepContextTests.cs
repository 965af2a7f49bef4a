using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests.Methods;

/// <summary>The step context checks what the training step (or a custom loop) records into it, naming the task and step.</summary>
[TestClass]
public sealed class StepContextTests
{
    [TestMethod]
    public void AContextNeedsATask()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepContext(0));
        StringAssert.Contains(e.Message, "A step context needs at least one task");
    }

    [TestMethod]
    public void LossesMustBeOnePerTaskAndFinite()
    {
        using var context = new StepContext(2);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => context.BeginStep(1, 1, [0.5])).Message, "Expected 2 task losses, got 1");
        StringAssert.Contains(Assert.ThrowsExactly<NonFiniteLossException>(() => context.BeginStep(4, 1, [0.5, double.NaN])).Message,
            "The loss of task 'task 1' is NaN at step 4");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => context.RecordLossesAfterStep([0.1, 0.2])).Message,
            "called before BeginStep");
        context.BeginStep(1, 1, [0.5, 0.25]);
        context.RecordLossesAfterStep([0.4, 0.2]);
        CollectionAssert.AreEqual(new[] { 0.4, 0.2 }, context.LossesAfterStep!.ToArray());
    }

    [TestMethod]
    public void SharedLayerGradientNormsMustBeOnePerTaskFiniteAndNonNegative()
    {
        using var context = new StepContext(2);
        context.BeginStep(3, 1, [1, 1]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => context.RecordSharedLayerGradientNorms([1.0])).Message,
            "Expected 2 gradient norms, got 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => context.RecordSharedLayerGradientNorms([1.0, -2.0])).Message,
            "The gradient norm of task 1 is -2 at step 3");
        context.RecordSharedLayerGradientNorms([1.0, 2.0]);
        CollectionAssert.AreEqual(new[] { 1.0, 2.0 }, context.SharedLayerGradientNorms!.ToArray());
    }
}
