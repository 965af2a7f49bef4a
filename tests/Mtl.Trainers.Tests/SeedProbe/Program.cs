using System.Globalization;
using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Network;

// Usage: SeedProbe <context seed>. Prints every epoch's task losses (round-trip format), one per line.
int seed = int.Parse(args[0], CultureInfo.InvariantCulture);
var ml = new MLContext(seed);
IDataView data = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
{
    RowCount = 128, FeatureCount = 6, TaskCount = 2, TaskNames = new[] { "A", "B" }, Seed = 4,
}).AsDataView();
var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
{
    FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
    Tasks =
    {
        new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0.3 },
        new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0.3 },
    },
    Trunk = TrunkSpec.Mlp(16),
    Method = "rlw",
    BatchSize = 16,
    MaxEpoch = 3,
    LearningRate = 1e-2,
});
using var model = trainer.Fit(data);
foreach (EpochReport e in model.TrainingReport!.Epochs)
    foreach (TaskEpochResult t in e.Tasks)
        Console.WriteLine(t.TrainLoss.ToString("R", CultureInfo.InvariantCulture));
