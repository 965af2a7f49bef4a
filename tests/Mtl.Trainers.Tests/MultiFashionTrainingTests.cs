using Mtl.Datasets;
using Microsoft.ML;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Tests;

/// <summary>A short Multi-Fashion training per method must beat chance (0.1) by a wide margin.</summary>
[TestClass]
public class MultiFashionTrainingTests
{
    private static IDataView? train, test;

    [ClassInitialize]
    public static void LoadData(TestContext context)
    {
        var ml = new MLContext(1);
        train = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), 3000);
        test = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView(), 1000);
    }

    [TestMethod]
    [DataRow("ew", GradientMode.Parameters)]
    [DataRow("mgda", GradientMode.Parameters)]
    [DataRow("mgda", GradientMode.Representation)]
    [DataRow("pcgrad", GradientMode.Parameters)]
    [DataRow("cagrad", GradientMode.Parameters)]
    [DataRow("nashmtl", GradientMode.Parameters)]
    [DataRow("upgrad", GradientMode.Representation)]
    public void ShortTrainingBeatsChanceByAWideMargin(string method, GradientMode mode)
    {
        var ml = new MLContext(1);
        var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = MultiTaskDatasets.ImageColumnName,
            Tasks = { new TaskDefinition(MultiTaskDatasets.LeftColumnName), new TaskDefinition(MultiTaskDatasets.RightColumnName) },
            Method = method,
            GradientMode = mode,
            Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 2e-3 },
            BatchSize = 128,
            MaxEpoch = 2,
            Seed = 1,
        });
        using var model = trainer.Fit(train!);
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(model.Transform(test!), model);
        foreach (TaskMetrics t in metrics.Tasks)
            Assert.IsTrue(t.PrimaryMetric > 0.3, $"{method}/{mode}: task {t.Task} accuracy {t.PrimaryMetric:F3} is not far above chance (0.1)");
    }
}
