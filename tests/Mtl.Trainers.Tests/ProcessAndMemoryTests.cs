using System.Globalization;
using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>Same seed → same numbers across processes; native memory stays flat over many training steps.</summary>
[TestClass]
public class ProcessAndMemoryTests
{
    private static string[] RunProbe(int seed) => Probes.Run("SeedProbe", seed.ToString(CultureInfo.InvariantCulture));

    [TestMethod]
    public void TheSameSeedGivesIdenticalLossesInTwoProcesses()
    {
        string[] first = RunProbe(7), second = RunProbe(7), other = RunProbe(8);
        Assert.AreEqual(6, first.Length, string.Join(" ", first));
        CollectionAssert.AreEqual(first, second);
        CollectionAssert.AreNotEqual(first, other, "another context seed must give another run");
    }

    [TestMethod]
    public void ResidentMemoryStaysFlatOverTenThousandTrainingSteps()
    {
        IDataView data = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = 80, FeatureCount = 8, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 2,
        }).AsDataView();
        MultiHeadNetworkTrainer.Options Options(int epochs) => new()
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 } }, new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 } } },
            Trunk = TrunkSpec.Mlp(16),
            BatchSize = 8,
            MaxEpoch = epochs,
            Seed = 1,
        };
        var ml = new MLContext(1);
        using (ml.MultiTask().Trainers.MultiHead(Options(50)).Fit(data)) { } // warm-up: 500 steps
        long before = ResidentMemory.Settled();
        var trainer = ml.MultiTask().Trainers.MultiHead(Options(1000)); // 10 batches per epoch: 10,000 steps
        int epochs;
        using (var model = trainer.Fit(data)) epochs = model.TrainingReport!.Epochs.Count;
        long growth = ResidentMemory.Settled() - before;
        Assert.AreEqual(1000, epochs);
        Assert.IsTrue(growth < 50L << 20, $"resident memory grew by {growth >> 20} MB over 10,000 steps");
    }
}
