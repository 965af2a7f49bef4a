using Microsoft.ML.Data;
using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>Each task kind's loss, metric and scores against hand-computed values.</summary>
[TestClass]
public class TaskKindTests
{
    private static double Item(Tensor t) => t.to_type(ScalarType.Float64).item<double>();

    [TestMethod]
    public void MulticlassLossIsSoftmaxCrossEntropyAndItsMetricCountsArgmaxHits()
    {
        using var scope = NewDisposeScope();
        var task = new TaskDefinition("T") { ClassCount = 3 };
        Tensor logits = tensor(new float[] { 1, 2, 0, 3, 0, 1 }, 2, 3);
        Tensor target = tensor(new long[] { 1, 2 });
        double row0 = -Math.Log(Math.Exp(2) / (Math.Exp(1) + Math.Exp(2) + 1));
        double row1 = -Math.Log(Math.Exp(1) / (Math.Exp(3) + 1 + Math.Exp(1)));
        Assert.AreEqual((row0 + row1) / 2, Item(TaskLosses.Loss(task, logits, target)), 1e-6);
        Assert.AreEqual(1.0, Item(TaskLosses.MetricSum(task, logits, target)));
        Assert.AreEqual(0.5, TaskLosses.Finish(task, 1, 2));
        Tensor p = task.Handler().ScoreValues(logits);
        Assert.AreEqual(Math.Exp(2) / (Math.Exp(1) + Math.Exp(2) + 1), Item(p[0, 1]), 1e-6);
        Assert.AreEqual(2.0, Item(p.sum()), 1e-6);
        Assert.AreEqual(3, task.OutputSize);
        Assert.AreEqual(TaskLoss.CrossEntropy, task.EffectiveLoss);
    }

    [TestMethod]
    public void BinaryLossIsLogisticAndItsScoresAreRawAndSigmoid()
    {
        using var scope = NewDisposeScope();
        var task = new TaskDefinition("T", kind: TaskKind.Binary) { LossWeight = 3 };
        Tensor logits = tensor(new float[] { 0.5f, -1 }, 2, 1);
        Tensor target = tensor(new float[] { 1, 1 });
        double expected = 3 * (Math.Log(1 + Math.Exp(-0.5)) + Math.Log(1 + Math.Exp(1))) / 2;
        Assert.AreEqual(expected, Item(TaskLosses.Loss(task, logits, target)), 1e-6);
        Assert.AreEqual(1.0, Item(TaskLosses.MetricSum(task, logits, target)), "only the positive logit predicts true");
        float[] scores = task.Handler().ScoreValues(logits).data<float>().ToArray();
        CollectionAssert.AreEqual(new[] { 0.5f, (float)(1 / (1 + Math.Exp(-0.5))), -1f, (float)(1 / (1 + Math.Exp(1))) }, scores);
        Assert.AreEqual(1, task.OutputSize);
    }

    [TestMethod]
    public void RegressionLossIsMeanSquaredErrorAndItsMetricIsRmse()
    {
        using var scope = NewDisposeScope();
        var task = new TaskDefinition("T", kind: TaskKind.Regression);
        Tensor output = tensor(new float[] { 1, 3 }, 2, 1);
        Tensor target = tensor(new float[] { 0, 1 });
        Assert.AreEqual(2.5, Item(TaskLosses.Loss(task, output, target)), 1e-6);
        Assert.AreEqual(5.0, Item(TaskLosses.MetricSum(task, output, target)), 1e-9);
        Assert.AreEqual(Math.Sqrt(2.5), TaskLosses.Finish(task, 5, 2), 1e-12);
        // The constant predictor (the mean, 0.5) has RMSE 0.5 on {0, 1}: the selection score's reference.
        Assert.AreEqual(0.5, task.Handler().ConstantPredictorMetric(target, 1.0), 1e-12);
        task.Loss = TaskLoss.AbsoluteError;
        Assert.AreEqual(1.5, Item(TaskLosses.Loss(task, output, target)), 1e-6);
    }

    [TestMethod]
    public void EachKindNamesTheLabelTypeItNeeds()
    {
        StringAssert.Contains(TaskKinds.Of(TaskKind.Multiclass).LabelMismatch(NumberDataViewType.Single), "Key<UInt32>");
        Assert.IsNull(TaskKinds.Of(TaskKind.Multiclass).LabelMismatch(new KeyDataViewType(typeof(uint), 4)));
        StringAssert.Contains(TaskKinds.Of(TaskKind.Binary).LabelMismatch(NumberDataViewType.Double), "Boolean");
        StringAssert.Contains(TaskKinds.Of(TaskKind.Binary).LabelMismatch(new KeyDataViewType(typeof(uint), 3)), "2 values");
        Assert.IsNull(TaskKinds.Of(TaskKind.Binary).LabelMismatch(BooleanDataViewType.Instance));
        Assert.IsNull(TaskKinds.Of(TaskKind.Binary).LabelMismatch(NumberDataViewType.Single), "0/1 with NaN holes");
        Assert.IsNull(TaskKinds.Of(TaskKind.Binary).LabelMismatch(new KeyDataViewType(typeof(uint), 2)));
        StringAssert.Contains(TaskKinds.Of(TaskKind.Regression).LabelMismatch(BooleanDataViewType.Instance), "Single");
        Assert.IsNull(TaskKinds.Of(TaskKind.Regression).LabelMismatch(NumberDataViewType.Double));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TaskKinds.Of((TaskKind)42));
    }

    [TestMethod]
    public void ScoreColumnsFollowMlNetsEvaluatorConventions()
    {
        var multi = new TaskDefinition("M") { ClassCount = 3 };
        var columns = multi.Handler().ScoreColumns(multi, new[] { "a", "b", "c" });
        Assert.AreEqual("M.Score", columns[0].Column.Name);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), columns[0].Column.Type);
        Assert.AreEqual("M.PredictedLabel", columns[1].Column.Name);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), columns[1].Column.Type);
        var binary = new TaskDefinition("B", kind: TaskKind.Binary);
        CollectionAssert.AreEqual(new[] { "B.Score", "B.Probability", "B.PredictedLabel" }, binary.Handler().ScoreColumns(binary, null).Select(c => c.Column.Name).ToArray());
        Assert.AreEqual(BooleanDataViewType.Instance, binary.Handler().ScoreColumns(binary, null)[2].Column.Type);
        var regression = new TaskDefinition("R", kind: TaskKind.Regression);
        Assert.AreEqual(NumberDataViewType.Single, regression.Handler().ScoreColumns(regression, null).Single().Column.Type);
    }
}
