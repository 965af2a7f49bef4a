using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Network;

namespace Mtl.Trainers.Tests.Support;

/// <summary>A synthetic two-task regression table (tasks A and B) and a small MLP trained on it for one epoch: for scoring tests.</summary>
public static class SmallRegression
{
    public static IDataView Data(int rows, int features, int seed) => new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
    {
        RowCount = rows, FeatureCount = features, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = seed,
    }).AsDataView();

    public static MultiHeadNetworkTransformer Fit(IDataView data, int scoringBatchSize) =>
        new MLContext(1).MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = { new TaskDefinition("A", kind: TaskKind.Regression), new TaskDefinition("B", kind: TaskKind.Regression) },
            Trunk = TrunkSpec.Mlp(8),
            BatchSize = 32,
            MaxEpoch = 1,
            Seed = 2,
            ScoringBatchSize = scoringBatchSize,
        }).Fit(data);
}
