using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>The multi-task model beside single-task baselines: per-task and overall Δm and the verdict, on hand-made figures.</summary>
[TestClass]
public sealed class BaselineComparisonTests
{
    private static readonly MultiTaskMetrics Model = new(
    [
        new TaskMetrics("species", TaskKind.Multiclass, 0.96, true),
        new TaskMetrics("mass", TaskKind.Regression, 300, false),
        new TaskMetrics("sex", TaskKind.Binary, 0.80, true),
    ], null);

    [TestMethod]
    public void DeltaM_PerTaskAndOverall_AndTheVerdict()
    {
        BaselineComparison c = BaselineComparison.Of(Model,
        [
            Baseline("sex", TaskKind.Binary, "LightGbm", 0.90),
            Baseline("species", TaskKind.Multiclass, "SdcaMaximumEntropy", 0.80),
            Baseline("mass", TaskKind.Regression, "LightGbm", 400),
        ]);
        // species +20 %, mass (RMSE, lower is better) +25 %, sex −11.1 %.
        CollectionAssert.AreEqual(new[] { "species", "mass", "sex" }, c.Tasks.Select(t => t.Task).ToArray());
        Assert.AreEqual(20, c.Tasks[0].DeltaM, 1e-9);
        Assert.AreEqual(25, c.Tasks[1].DeltaM, 1e-9);
        Assert.AreEqual(-100 * 0.1 / 0.9, c.Tasks[2].DeltaM, 1e-9);
        Assert.AreEqual((20 + 25 - 100 * 0.1 / 0.9) / 3, c.DeltaM, 1e-9);
        Assert.AreEqual(DeltaM.Of([0.96, 300, 0.80], [0.80, 400, 0.90], [true, false, true]), c.DeltaM, 1e-12);
        Assert.AreEqual(("MicroAccuracy", "RootMeanSquaredError", "Accuracy"), (c.Tasks[0].MetricName, c.Tasks[1].MetricName, c.Tasks[2].MetricName));
        Assert.AreEqual("LightGbm", c.Tasks[2].BaselineTrainer);
        Assert.IsTrue(c.MultiTaskHelps);
        Assert.AreEqual("One multi-task model beats separate single-task models on this data: Δm = +11.30 % (2 of 3 tasks better).", c.Verdict);
    }

    [TestMethod]
    public void AWorseModel_DoesNotBeatTheBaselines()
    {
        BaselineComparison c = BaselineComparison.Of(Model,
        [
            Baseline("species", TaskKind.Multiclass, "LightGbm", 0.99),
            Baseline("mass", TaskKind.Regression, "LightGbm", 250),
            Baseline("sex", TaskKind.Binary, "LightGbm", 0.80),
        ]);
        Assert.IsFalse(c.MultiTaskHelps);
        Assert.IsTrue(c.DeltaM < 0);
        StringAssert.StartsWith(c.Verdict, "One multi-task model does not beat separate single-task models on this data: Δm = -7.68 %");
    }

    [TestMethod]
    public void BaselinesThatDoNotMatchTheTasks_AreRefused_NamingTheTask()
    {
        BaselineResult species = Baseline("species", TaskKind.Multiclass, "LightGbm", 0.9), mass = Baseline("mass", TaskKind.Regression, "LightGbm", 1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BaselineComparison.Of(Model, [species, mass])).Message, "No baseline for the task 'sex'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BaselineComparison.Of(Model,
            [species, mass, Baseline("sex", TaskKind.Multiclass, "LightGbm", 0.9)])).Message, "The baseline of 'sex' is Multiclass but the task is Binary");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BaselineComparison.Of(Model,
            [species, mass, Baseline("sex", TaskKind.Binary, "x", 0.9), Baseline("island", TaskKind.Multiclass, "x", 0.9)])).Message, "'island', which is not a task");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BaselineComparison.Of(Model,
            [species, species, mass, Baseline("sex", TaskKind.Binary, "x", 0.9)])).Message, "Two baselines for the task 'species'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => BaselineComparison.Of(Model,
            [species, Baseline("mass", TaskKind.Regression, "x", double.NaN), Baseline("sex", TaskKind.Binary, "x", 0.9)])).Message, "'mass' metrics must be finite");
    }

    // A baseline as SingleTaskBaselines reports it: its trainer and its test metrics (only the primary metric matters here).
    private static BaselineResult Baseline(string task, TaskKind kind, string trainer, double metric) =>
        new(task, trainer, new TaskMetrics(task, kind, metric, kind != TaskKind.Regression), []);
}
