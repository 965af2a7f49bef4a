using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Transforms;
using Mtl.Transforms.Corruptions;

// Trains a multi-head MultiLeNet on clean Multi-Fashion for a few epochs, then evaluates it on the test split after
// each corruption of a chosen set at severities 1, 3 and 5: the corruption is an ordinary ML.NET pipeline step in front
// of the fitted model, and ML.NET's own multiclass evaluator scores each task.
// Usage: dotnet run -c Release --project examples/CorruptionRobustness [-- epochs trainRows]
int epochs = args.Length > 0 ? PositiveArgument(args[0], "epochs") : 2;
int trainRows = args.Length > 1 ? PositiveArgument(args[1], "trainRows") : 20000;
var ml = new MLContext(seed: 1);
MultiImageSet trainSet = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1);
MultiImageSet testSet = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1);
IDataView train = ml.Data.TakeRows(trainSet.AsDataView(), trainRows);
IDataView test = ml.Data.TakeRows(testSet.AsDataView(), 2000);

using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
{
    FeatureColumnName = MultiTaskDatasets.ImageColumnName,
    Tasks = { new TaskDefinition(MultiTaskDatasets.LeftColumnName), new TaskDefinition(MultiTaskDatasets.RightColumnName) },
    MaxEpoch = epochs,
    Seed = 1,
}).Fit(train);

// Average over the two tasks of ML.NET's micro accuracy.
double Accuracy(IDataView data)
{
    IDataView scored = model.Transform(data);
    return new[] { MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName }
        .Average(task => ml.MulticlassClassification.Evaluate(scored, task, task + ".Score", predictedLabelColumnName: task + ".PredictedLabel").MicroAccuracy);
}

Console.WriteLine($"clean test accuracy (average of Left/Right): {Accuracy(test):F4}");
Console.WriteLine($"{"corruption",-18}{"sev 1",8}{"sev 3",8}{"sev 5",8}");
foreach (string corruption in new[] { "gaussian_noise", "defocus_blur", "fog", "contrast", "pixelate", "jpeg_compression" })
{
    var row = new List<string>();
    foreach (int severity in new[] { 1, 3, 5 })
    {
        // The images are mean/std-normalised; PixelScale/PixelOffset map them back to [0, 1] pixels for the corruption.
        var corrupt = ml.Corruptions.Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = MultiTaskDatasets.ImageColumnName,
            Corruptions = new[] { corruption },
            Severities = new[] { severity },
            PixelScale = testSet.Normalization.Std,
            PixelOffset = testSet.Normalization.Mean,
        });
        IDataView corrupted = corrupt.Fit(test).Transform(test);
        row.Add(Accuracy(corrupted).ToString("F4"));
    }
    Console.WriteLine($"{corruption,-18}{row[0],8}{row[1],8}{row[2],8}");
}
return 0;

static int PositiveArgument(string text, string name) =>
    int.TryParse(text, out int value) && value > 0
        ? value
        : throw new ArgumentException($"{name} must be a positive integer; got '{text}'. Usage: CorruptionRobustness [epochs] [trainRows].");
