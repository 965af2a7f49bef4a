using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;
using Mtl.Transforms;

namespace Mtl.Trainers.Tests;

/// <summary>
/// Fit is a function of (data, options, context seed): the same model directly, inside a chain, after other components
/// drew from the context, and on a second Fit of the same estimator (issue 15, deliverable 1).
/// </summary>
[TestClass]
public sealed class FitDeterminismTests
{
    private sealed class TableRow
    {
        [LoadColumn(0)] public string Color { get; set; } = "";
        [LoadColumn(1)] public float Length { get; set; }
        [LoadColumn(2)] public float Width { get; set; }
        [LoadColumn(3)] public string Species { get; set; } = "";
        [LoadColumn(4)] public float Grams { get; set; }
    }

    /// <summary>A small table with a categorical column, two numbers, a text class label and a regression target in grams.</summary>
    private static string WriteTable(string folder, float? constantGrams = null, string file = "table.csv")
    {
        var random = new Random(11);
        string[] colors = ["red", "green", "blue"];
        string[] species = ["ada", "bea", "cid"];
        var lines = new List<string> { "Color,Length,Width,Species,Grams" };
        for (int i = 0; i < 240; i++)
        {
            int s = random.Next(3);
            double length = 10 + 5 * s + random.NextDouble() * 4;
            double width = 3 + s + random.NextDouble();
            double grams = constantGrams ?? 200 * length + 150 * width + random.NextDouble() * 100;
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{colors[(s + random.Next(2)) % 3]},{length:F3},{width:F3},{species[s]},{grams:F1}"));
        }
        string path = Path.Combine(folder, file);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static MultiHeadNetworkTrainer.Options Options() => new()
    {
        FeatureColumnName = "Features",
        Tasks =
        {
            new TaskDefinition("Species"),
            new TaskDefinition("Grams", kind: TaskKind.Regression),
        },
        Trunk = TrunkSpec.Mlp(16),
        Method = "uw", // learned state: a second Fit must start afresh
        BatchSize = 32,
        MaxEpoch = 3,
        Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 1e-2 },
    };

    private static IEstimator<ITransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Categorical.OneHotEncoding("ColorOneHot", "Color")
            .Append(ml.Transforms.Concatenate("Features", "ColorOneHot", "Length", "Width"))
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Species"));

    private static float[] Scores(MLContext ml, IDataView scored)
    {
        var result = new List<float>();
        foreach (var row in ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false))
        {
            result.AddRange(row.SpeciesScore);
            result.Add(row.GramsScore);
        }
        return result.ToArray();
    }

    private sealed class ScoreRow
    {
        [ColumnName("Species.Score")] public float[] SpeciesScore { get; set; } = [];
        [ColumnName("Grams.Score")] public float GramsScore { get; set; }
    }

    private static double[] Losses(MultiHeadNetworkTransformer model) =>
        model.TrainingReport!.Epochs.SelectMany(e => e.Tasks.Select(t => t.TrainLoss)).ToArray();

    [TestMethod]
    public void AChainTrainsTheSameModelAsADirectFitWhateverDrewFromTheContextBefore()
    {
        using var folder = new TempFolder();
        string path = WriteTable(folder.Path);

        // Direct: the preprocessing fitted first, then trainer.Fit on its output.
        var direct = new MLContext(seed: 1);
        IDataView rawDirect = direct.Data.LoadFromTextFile<TableRow>(path, separatorChar: ',', hasHeader: true);
        IDataView prepared = Preprocessing(direct).Fit(rawDirect).Transform(rawDirect);
        using MultiHeadNetworkTransformer alone = direct.MultiTask().Trainers.MultiHead(Options()).Fit(prepared);
        float[] expected = Scores(direct, alone.Transform(prepared));

        // Chained, on a fresh context whose random state other components have advanced first.
        var chained = new MLContext(seed: 1);
        IDataView raw = chained.Data.LoadFromTextFile<TableRow>(path, separatorChar: ',', hasHeader: true);
        _ = chained.Data.TrainTestSplit(chained.Data.ShuffleRows(raw), 0.3).TrainSet.Preview(5);
        _ = chained.Transforms.ProjectToPrincipalComponents("P", "Features", rank: 1).Fit(prepared);
        var model = Preprocessing(chained).Append(chained.MultiTask().Trainers.MultiHead(Options())).Fit(raw);
        try
        {
            CollectionAssert.AreEqual(Losses(alone), Losses(model.LastTransformer));
            CollectionAssert.AreEqual(expected, Scores(chained, model.Transform(raw)));
        }
        finally
        {
            model.LastTransformer.Dispose();
        }

        // Another seed trains another model: the context's seed does reach the trainer.
        var other = new MLContext(seed: 2);
        using MultiHeadNetworkTransformer otherModel = other.MultiTask().Trainers.MultiHead(Options()).Fit(prepared);
        CollectionAssert.AreNotEqual(Losses(alone), Losses(otherModel));
    }

    [TestMethod]
    public void ASecondFitOfTheSameEstimatorTrainsTheSameModel()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 3);
        IDataView raw = ml.Data.LoadFromTextFile<TableRow>(WriteTable(folder.Path), separatorChar: ',', hasHeader: true);
        IDataView prepared = Preprocessing(ml).Fit(raw).Transform(raw);
        MultiHeadNetworkTrainer trainer = ml.MultiTask().Trainers.MultiHead(Options());
        using MultiHeadNetworkTransformer first = trainer.Fit(prepared);
        using MultiHeadNetworkTransformer second = trainer.Fit(prepared);
        CollectionAssert.AreEqual(Losses(first), Losses(second));
        CollectionAssert.AreEqual(first.TrainingReport!.Epochs[^1].MethodWeights, second.TrainingReport!.Epochs[^1].MethodWeights);
        CollectionAssert.AreEqual(Scores(ml, first.Transform(prepared)), Scores(ml, second.Transform(prepared)));
    }

    [TestMethod]
    public void ChangingTheCallersOptionsAfterConstructionChangesNothing()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 3);
        IDataView raw = ml.Data.LoadFromTextFile<TableRow>(WriteTable(folder.Path), separatorChar: ',', hasHeader: true);
        IDataView prepared = Preprocessing(ml).Fit(raw).Transform(raw);
        using MultiHeadNetworkTransformer reference = ml.MultiTask().Trainers.MultiHead(Options()).Fit(prepared);

        // Validated once, at construction: the trainer keeps its own copy, so later edits can neither bypass the checks nor leak in.
        MultiHeadNetworkTrainer.Options options = Options();
        MultiHeadNetworkTrainer trainer = ml.MultiTask().Trainers.MultiHead(options);
        ((MtlOptimizerOptions.Adam)options.Optimizer).LearningRate = double.PositiveInfinity;
        options.Tasks[0].LossWeight = 1000;
        options.Trunk!.MlpHiddenSizes[0] = 1;
        options.Method = "mgda";
        using MultiHeadNetworkTransformer model = trainer.Fit(prepared);
        CollectionAssert.AreEqual(Losses(reference), Losses(model));
    }

    [TestMethod]
    public void AConstantValidationLabelIsScoredAgainstOneWithAWarning()
    {
        // The selection score divides by the constant predictor's metric; constant labels make that RMSE 0.
        using var folder = new TempFolder();
        var ml = new MLContext(seed: 3);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.RawMessage); };
        IDataView raw = ml.Data.LoadFromTextFile<TableRow>(WriteTable(folder.Path), separatorChar: ',', hasHeader: true);
        IDataView constant = ml.Data.LoadFromTextFile<TableRow>(WriteTable(folder.Path, constantGrams: 5000, file: "constant.csv"), separatorChar: ',', hasHeader: true);
        ITransformer prep = Preprocessing(ml).Fit(raw);
        MultiHeadNetworkTrainer.Options options = Options();
        options.ValidationSet = prep.Transform(constant);
        using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(options).Fit(prep.Transform(raw));
        Assert.IsTrue(model.TrainingReport!.Epochs.All(e => double.IsFinite(e.SelectionScore)));
        Assert.IsTrue(warnings.Any(w => w.Contains("'Grams'") && w.Contains("constant predictor")), string.Join("\n", warnings));
    }

    [TestMethod]
    public void SeedPolicyIgnoresTheContextsRandomState()
    {
        var fresh = new MLContext(seed: 5);
        var used = new MLContext(seed: 5);
        _ = used.Data.ShuffleRows(used.Data.LoadFromEnumerable(new[] { new TableRow() })).Preview();
        Assert.AreEqual(SeedPolicy.ContextSeed(fresh), SeedPolicy.ContextSeed(used));
        Assert.AreEqual(SeedPolicy.For(fresh, "a"), SeedPolicy.For(used, "a"));
        Assert.AreNotEqual(SeedPolicy.For(fresh, "a"), SeedPolicy.For(fresh, "b"));
        Assert.AreNotEqual(SeedPolicy.ContextSeed(fresh), SeedPolicy.ContextSeed(new MLContext(seed: 6)));
        Assert.AreEqual(7, SeedPolicy.For(fresh, "a", explicitSeed: 7));
    }

    [TestMethod]
    public void CatalogsAreOnePerContext()
    {
        var ml = new MLContext(seed: 1);
        object[] multiTask = [.. Enumerable.Range(0, 2).Select(_ => ml.MultiTask())];
        object[] corruptions = [.. Enumerable.Range(0, 2).Select(_ => ml.Corruptions)];
        Assert.AreSame(multiTask[0], multiTask[1]);
        Assert.AreSame(corruptions[0], corruptions[1]);
    }
}
