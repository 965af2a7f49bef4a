using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using TorchSharp;

namespace Mtl.Trainers.Tests;

/// <summary>
/// Issue 18, defects 1 and 2: every method and every check raises the one divergence type
/// (<see cref="NonFiniteLossException"/>), and divergence in an epoch's last step or in validation is never accepted.
/// </summary>
[TestClass]
public sealed class DivergenceTests
{
    private const string Features = SyntheticMultiTaskRegression.FeaturesColumnName;

    private static IDataView Synthetic(int rows, double scale = 1) =>
        new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = rows, FeatureCount = 8, TaskCount = 2, TaskNames = ["A", "B"], TaskScales = [scale, scale], Seed = 7,
        }).AsDataView();

    private static MultiHeadNetworkTrainer.Options OneStepOptions(double learningRate, IDataView validation, string method = "ew") => new()
    {
        FeatureColumnName = Features,
        Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = [8], HeadDropout = 0 },
                  new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = [8], HeadDropout = 0 } },
        Trunk = TrunkSpec.Mlp(16),
        Method = method,
        Optimizer = new MtlOptimizerOptions.Sgd { Momentum = 0, LearningRate = learningRate },
        BatchSize = 64,
        MaxEpoch = 1,
        ValidationSet = validation,
        Seed = 5,
    };

    [TestMethod]
    public void EveryGramianMethodRaisesTheDivergenceTypeForANonFiniteGramianNamingTaskAndStep()
    {
        int checkedMethods = 0;
        foreach (string name in MethodRegistry.Names)
        {
            if (MethodRegistry.Create(name) is not GramianWeighting method) continue;
            method.Initialize(2);
            using var context = new StepContext(2, seed: 1, taskNames: ["Left", "Right"]);
            context.BeginStep(12, 3, [0.5, 0.5]);
            var e = Assert.ThrowsExactly<NonFiniteLossException>(() => method.Weights(new double[,] { { 1, 0.5 }, { 0.5, double.NaN } }, context), name);
            Assert.AreEqual(NonFiniteSite.Gramian, e.Site, name);
            Assert.AreEqual("Right", e.Task, name);
            Assert.AreEqual(12, e.Step, name);
            Assert.AreEqual(3, e.Epoch, name);
            StringAssert.Contains(e.Message, "task 'Right'", name);
            checkedMethods++;
        }
        // IMTL and Nash-MTL stopped sweeps with an ArgumentException before; they must be among those checked.
        Assert.IsTrue(checkedMethods >= 8, $"only {checkedMethods} Gramian methods found");
        Assert.IsInstanceOfType<GramianWeighting>(MethodRegistry.Create("imtl"));
        Assert.IsInstanceOfType<GramianWeighting>(MethodRegistry.Create("nashmtl"));
    }

    [TestMethod]
    public void NonFiniteLossesBeforeAndAfterTheStepAndGradientNormsRaiseTheDivergenceType()
    {
        using var context = new StepContext(2, taskNames: ["Left", "Right"]);
        var before = Assert.ThrowsExactly<NonFiniteLossException>(() => context.BeginStep(4, 1, [0.5, double.NaN]));
        Assert.AreEqual(NonFiniteSite.Loss, before.Site);
        Assert.AreEqual("Right", before.Task);
        Assert.AreEqual(4, before.Step);
        context.BeginStep(5, 1, [0.5, 0.5]);
        // FAMO's after-step loss check stopped sweeps with an ArgumentException before.
        var after = Assert.ThrowsExactly<NonFiniteLossException>(() => context.RecordLossesAfterStep([double.PositiveInfinity, 0.2]));
        Assert.AreEqual(NonFiniteSite.LossAfterStep, after.Site);
        Assert.AreEqual("Left", after.Task);
        Assert.AreEqual(5, after.Step);
        var norm = Assert.ThrowsExactly<NonFiniteLossException>(() => context.RecordSharedLayerGradientNorms([1.0, double.NaN]));
        Assert.AreEqual(NonFiniteSite.GradientNorm, norm.Site);
        Assert.AreEqual("Right", norm.Task);
    }

    [TestMethod]
    public void AJacobianWithANonFiniteRowRaisesTheDivergenceTypeNamingItsTask()
    {
        using var context = new StepContext(3, taskNames: ["A", "B", "C"]);
        context.BeginStep(9, 2, [1, 1, 1]);
        using var jacobian = torch.tensor(new float[] { 1, 2, 3, 4, float.NegativeInfinity, 6 }, [3, 2]);
        var e = Assert.ThrowsExactly<NonFiniteLossException>(() => JacobianProbe.Check(jacobian, context));
        Assert.AreEqual(NonFiniteSite.Jacobian, e.Site);
        Assert.AreEqual("C", e.Task);
        Assert.AreEqual(double.NegativeInfinity, e.Value);
        using var finite = torch.ones(3, 2);
        JacobianProbe.Check(finite, context);
    }

    [TestMethod]
    public void DivergenceInTheLastStepOfTheRunIsNotAcceptedAsATrainedModel()
    {
        // One epoch of one step: no later step checks its loss. Before, Fit returned NaN weights with SelectedEpoch 0.
        IDataView data = Synthetic(64);
        foreach (double lr in new[] { 1e30, 1e38 })
        {
            var ml = new MLContext(1);
            var e = Assert.ThrowsExactly<NonFiniteLossException>(() => ml.MultiTask().Trainers.MultiHead(OneStepOptions(lr, data)).Fit(data), $"lr {lr}");
            Assert.AreEqual(1, e.Epoch);
            Assert.AreEqual(1, e.Step);
            Assert.IsTrue(e.Site is NonFiniteSite.Weights or NonFiniteSite.Validation, $"lr {lr}: {e.Site}");
            Assert.IsFalse(double.IsFinite(e.Value));
        }
    }

    [TestMethod]
    public void WithoutAValidationSetNonFiniteFinalWeightsAreStillCaught()
    {
        // Large raw targets give large gradients, so one step at lr 1e38 overflows the weights themselves (standardised
        // targets would take the scale away, so the test trains on the raw ones).
        IDataView data = Synthetic(64, scale: 1e6);
        var options = OneStepOptions(1e38, data);
        options.ValidationSet = null;
        foreach (TaskDefinition t in options.Tasks) t.StandardizeTarget = false;
        var e = Assert.ThrowsExactly<NonFiniteLossException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(data));
        Assert.AreEqual(NonFiniteSite.Weights, e.Site);
        StringAssert.Contains(e.Message, "after epoch 1");
    }

    [TestMethod]
    public void ARunThatTrainsFinitelySelectsARealEpoch()
    {
        IDataView data = Synthetic(128);
        var options = OneStepOptions(1e-2, data);
        options.MaxEpoch = 2;
        using MultiHeadNetworkTransformer model = new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(data);
        Assert.IsTrue(model.TrainingReport!.SelectedEpoch is 1 or 2);
        Assert.IsTrue(model.TrainingReport.Epochs.All(ep => double.IsFinite(ep.SelectionScore)));
    }

    /// <summary>A Jacobian aggregator that exposes the template's finiteness check.</summary>
    private sealed class JacobianProbe() : GradientMethod("probe", GradientMode.Parameters)
    {
        public static void Check(torch.Tensor jacobian, StepContext context) => RequireFinite(jacobian, context);

        public override torch.Tensor Aggregate(torch.Tensor jacobian, StepContext context) => jacobian.sum(0);
    }
}
