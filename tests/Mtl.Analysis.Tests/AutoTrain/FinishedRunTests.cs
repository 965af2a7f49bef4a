using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.AutoTrain;
using Mtl.Analysis.Tests.Support;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>
/// A finished run of the penguins (species multiclass, body mass regression, sex binary; one short training, baselines on)
/// evaluated afterwards from its folder alone: the confusion matrices and predicted vs actual points come from the reloaded
/// zip on the run's own test rows, the form and one prediction from the zip's input schema, the project archive from the
/// generated code. Each is checked against plain ML.NET on the zip.
/// </summary>
[TestClass]
public sealed class FinishedRunTests
{
    private static string folder = null!;
    private static AutoTrainSettings settings = null!;
    private static AutoTrainResult result = null!;
    private static long splitTestRows;

    private static string PenguinsTable => typeof(FinishedRunTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "PenguinsTable").Value!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        folder = AutoTrainTestData.NewFolder();
        settings = new AutoTrainSettings
        {
            DataPath = PenguinsTable,
            Read = new TableReadOptions { Labels = [LabelRequest.Parse("species"), LabelRequest.Parse("body_mass_g"), LabelRequest.Parse("sex:binary")] },
            OutFolder = Path.Combine(folder, "run"),
            Name = "penguins",
            Seed = 3,
            Config = new TrainingConfig { Epochs = 12 },
            Baselines = BaselinesMode.Auto,
        };
        var split = new Progress();
        result = AutoTrainer.Run(settings, split);
        splitTestRows = split.TestRows;
    }

    private sealed class Progress : IProgress<AutoTrainEvent>
    {
        public long TestRows { get; private set; }

        public void Report(AutoTrainEvent value)
        {
            if (value is DataSplit s) TestRows = s.TestRows;
        }
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    private static FinishedRun Open() => FinishedRun.Open(settings.ConfigPath);

    // The zip scored on the run's test rows with plain ML.NET, independently of the evaluation.
    private static T WithZip<T>(Func<MLContext, IDataView, T> use)
    {
        string temp = Directory.CreateTempSubdirectory("mtl-finished-zip-").FullName;
        try
        {
            var ml = new MLContext(1) { TempFilePath = temp };
            ITransformer model = ml.Model.Load(settings.ZipPath, out _);
            try
            {
                TableSchema schema = TableSchema.Infer(settings.DataPath, settings.Read);
                return use(ml, model.Transform(RunSplit.Of(ml, schema, settings).Test));
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [TestMethod]
    public void TheEvaluationSeesTheRunsOwnTestRows_WithTheRecordedMetricsBaselinesAndVerdict()
    {
        RunEvaluation e = RunEvaluation.Of(Open());
        Assert.AreEqual(splitTestRows, e.TestRows, "the same split as the run");
        Assert.AreEqual(result.Best.Number, e.BestTrial);
        CollectionAssert.AreEqual(new[] { "species", "body_mass_g", "sex" }, e.Tasks.Select(t => t.Task).ToArray());
        Assert.AreEqual("Compared", e.BaselineStatus);
        Assert.IsNotNull(result.Comparison);
        Assert.AreEqual(result.Comparison.DeltaM, e.DeltaM!.Value, 1e-9);
        Assert.AreEqual(result.Comparison.Verdict, e.Verdict);
        foreach (TaskEvaluation t in e.Tasks)
        {
            TaskMetrics m = result.TestMetrics[t.Task];
            Assert.AreEqual(m.LabelledRows, t.LabelledRows, t.Task);
            Assert.AreEqual(m.PrimaryMetric, t.TestMetrics[TaskMetricNames.Primary(t.Kind)], 1e-9, t.Task);
            TaskComparison baseline = result.Comparison.Tasks.Single(b => b.Task == t.Task);
            Assert.AreEqual(baseline, t.Baseline, t.Task);
        }
        Assert.ThrowsExactly<ArgumentException>(() => e.Task("island"));
    }

    [TestMethod]
    public void ConfusionMatrices_SumToTheLabelledTestRows_AndGiveTheEvaluatorsAccuracy()
    {
        RunEvaluation e = RunEvaluation.Of(Open());
        ConfusionTable species = e.Task("species").Confusion!;
        CollectionAssert.AreEqual(new[] { "Adelie", "Chinstrap", "Gentoo" }, species.Classes.ToArray());
        Assert.AreEqual(e.Task("species").LabelledRows, species.Total);
        Assert.AreEqual(e.Task("species").TestMetrics["MicroAccuracy"], species.Accuracy, 1e-6);

        ConfusionTable sex = e.Task("sex").Confusion!;
        CollectionAssert.AreEqual(new[] { "male", "female" }, sex.Classes.ToArray(), "ML.NET's binary matrix: the true class first");
        Assert.AreEqual(e.Task("sex").LabelledRows, sex.Total);
        Assert.AreEqual(e.Task("sex").TestMetrics["Accuracy"], sex.Accuracy, 1e-6);
        Assert.IsNull(e.Task("body_mass_g").Confusion);

        // Counted by hand from the zip's predictions: the rows are the actual classes, the columns the predicted ones.
        (long[,] speciesCounts, long maleRows, long predictedMale) = WithZip((ml, scored) =>
        {
            IDataView labelled = ml.MultiTask().LabelledRows(scored, "species");
            uint[] actual = labelled.GetColumn<uint>("species").ToArray(), predicted = labelled.GetColumn<uint>("species.PredictedLabel").ToArray();
            var counts = new long[3, 3];
            for (int i = 0; i < actual.Length; i++) counts[actual[i] - 1, predicted[i] - 1]++;
            IDataView sexRows = ml.MultiTask().LabelledRows(scored, "sex");
            return (counts, sexRows.GetColumn<uint>("sex").LongCount(k => k == 2), sexRows.GetColumn<bool>("sex.PredictedLabel").LongCount(p => p));
        });
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++) Assert.AreEqual(speciesCounts[a, p], species.Counts[a][p], $"actual {a}, predicted {p}");
        Assert.AreEqual(maleRows, sex.Counts[0].Sum(), "row 0: the actual males");
        Assert.AreEqual(predictedMale, sex.Counts[0][0] + sex.Counts[1][0], "column 0: predicted male");
    }

    [TestMethod]
    public void PredictedVsActualPoints_AreTheReloadedZipsScoresInGrams_AndPlotAsSvg()
    {
        RunEvaluation e = RunEvaluation.Of(Open());
        PredictedActual points = e.Task("body_mass_g").Points!;
        (float[] actual, float[] predicted) = WithZip((ml, scored) =>
        {
            IDataView labelled = ml.MultiTask().LabelledRows(scored, "body_mass_g");
            return (labelled.GetColumn<float>("body_mass_g").ToArray(), labelled.GetColumn<float>("body_mass_g.Score").ToArray());
        });
        CollectionAssert.AreEqual(actual.Select(v => (double)v).ToArray(), points.Actual.ToArray());
        CollectionAssert.AreEqual(predicted.Select(v => (double)v).ToArray(), points.Predicted.ToArray());
        Assert.IsTrue(points.Actual.Min() > 2000 && points.Actual.Max() < 7000, "grams, not standardised");
        double rmse = Math.Sqrt(points.Actual.Zip(points.Predicted).Average(p => (p.First - p.Second) * (p.First - p.Second)));
        Assert.AreEqual(e.Task("body_mass_g").TestMetrics["RootMeanSquaredError"], rmse, 1e-3 * rmse);
        Assert.IsNull(e.Task("species").Points);

        string svg = points.ToSvg("body_mass_g");
        StringAssert.Contains(svg, "<svg");
        StringAssert.Contains(svg, "</svg>");
        StringAssert.Contains(svg, "predicted vs actual");
        StringAssert.Contains(svg, "y = x");
    }

    [TestMethod]
    public void TheFormComesFromTheZipsInputs_WithTheCategoriesSeenInTraining()
    {
        using RunPredictor predictor = RunPredictor.Open(Open());
        CollectionAssert.AreEqual(new[] { "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "year" }, predictor.Fields.Select(f => f.Name).ToArray());
        InputField island = predictor.Fields[0];
        Assert.AreEqual(InputFieldKind.Category, island.Kind);
        CollectionAssert.AreEqual(new[] { "Biscoe", "Dream", "Torgersen" }, island.Values.ToArray());
        Assert.IsTrue(predictor.Fields.Skip(1).All(f => f.Kind == InputFieldKind.Number && f.Values.Count == 0));
        Assert.IsFalse(predictor.TakesImage);
    }

    [TestMethod]
    public void OnePrediction_FromRawValues_IsTheZipsPredictionForThatTestRow()
    {
        var expected = WithZip((ml, scored) =>
        {
            IDataView row = ml.Data.TakeRows(scored, 1);
            return new
            {
                Island = row.GetColumn<ReadOnlyMemory<char>>("island").Single().ToString(),
                Numbers = new[] { "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "year" }.ToDictionary(c => c, c => row.GetColumn<float>(c).Single()),
                Species = row.GetColumn<VBuffer<float>>("species.Score").Single().DenseValues().ToArray(),
                SpeciesKey = row.GetColumn<uint>("species.PredictedLabel").Single(),
                Mass = row.GetColumn<float>("body_mass_g.Score").Single(),
                Male = row.GetColumn<bool>("sex.PredictedLabel").Single(),
                MaleProbability = row.GetColumn<float>("sex.Probability").Single(),
            };
        });
        var values = new Dictionary<string, string?> { ["island"] = expected.Island };
        foreach ((string column, float v) in expected.Numbers) values[column] = v.ToString("R", CultureInfo.InvariantCulture);

        using RunPredictor predictor = RunPredictor.Open(Open());
        IReadOnlyList<TaskPrediction> p = predictor.Predict(values);
        CollectionAssert.AreEqual(new[] { "species", "body_mass_g", "sex" }, p.Select(t => t.Task).ToArray());
        string[] classes = ["Adelie", "Chinstrap", "Gentoo"];
        Assert.AreEqual(classes[expected.SpeciesKey - 1], p[0].PredictedValue);
        Assert.AreEqual(p[0].PredictedValue, p[0].Classes[0].Class, "most likely first");
        for (int c = 0; c < 3; c++) Assert.AreEqual(expected.Species[c], p[0].Classes.Single(x => x.Class == classes[c]).Probability, 1e-6, classes[c]);
        Assert.AreEqual(expected.Mass, p[1].Score, 1e-3);
        Assert.AreEqual(expected.Male ? "male" : "female", p[2].PredictedValue);
        Assert.AreEqual(expected.MaleProbability, p[2].Probability!.Value, 1e-6);

        // Missing values are allowed (the model fills in the training mean); the prediction is still one per task.
        Assert.AreEqual(3, predictor.Predict(new Dictionary<string, string?> { ["island"] = "Dream", ["year"] = "" }).Count);
    }

    [TestMethod]
    public void BadValues_AreRefusedNamingTheColumn()
    {
        using RunPredictor predictor = RunPredictor.Open(Open());
        var text = Assert.ThrowsExactly<ArgumentException>(() => predictor.Predict(new Dictionary<string, string?> { ["bill_length_mm"] = "long" }));
        StringAssert.Contains(text.Message, "'bill_length_mm' takes a number; 'long' is not one");
        var unknown = Assert.ThrowsExactly<ArgumentException>(() => predictor.Predict(new Dictionary<string, string?> { ["beak"] = "1" }));
        StringAssert.Contains(unknown.Message, "no input column 'beak'");
        StringAssert.Contains(unknown.Message, "island, bill_length_mm");
        var label = Assert.ThrowsExactly<ArgumentException>(() => predictor.Predict(new Dictionary<string, string?> { ["species"] = "Adelie" }));
        StringAssert.Contains(label.Message, "'species' is a label");
    }

    [TestMethod]
    public void ARunWithoutASavedModel_IsRefusedClearly()
    {
        string other = Path.Combine(folder, "unfinished");
        Directory.CreateDirectory(other);
        MtlConfig config = MtlConfig.Read(settings.ConfigPath);
        config.RunHistory.TestMetrics = null;
        config.RunHistory.BestTrial = null;
        string path = Path.Combine(other, "penguins.mtlconfig");
        config.Write(path);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => FinishedRun.Open(path));
        StringAssert.Contains(e.Message, "has not saved a model yet");
    }

    [TestMethod]
    public void TheProjectArchive_HoldsTheGeneratedCodeAndTheModel_AndIsWrittenWhole()
    {
        FinishedRun run = Open();
        string archive = Path.Combine(folder, "penguins.project.zip");
        GeneratedProject.Write(run, archive);
        using ZipArchive zip = ZipFile.OpenRead(archive);
        CollectionAssert.AreEquivalent(new[]
        {
            "penguins/penguins.consumption.cs", "penguins/penguins.training.cs", "penguins/penguins.zip",
            "penguins/penguins.ConsoleApp/Directory.Build.props", "penguins/penguins.ConsoleApp/penguins.ConsoleApp.csproj",
            "penguins/penguins.ConsoleApp/penguins.consumption.cs", "penguins/penguins.ConsoleApp/Program.cs",
        }, zip.Entries.Select(e => e.FullName).ToArray());
        using (var reader = new StreamReader(zip.GetEntry("penguins/penguins.consumption.cs")!.Open()))
            Assert.AreEqual(GeneratedProject.ConsumptionCode(run), reader.ReadToEnd());
        Assert.AreEqual(new FileInfo(settings.ZipPath).Length, zip.GetEntry("penguins/penguins.zip")!.Length);
        CollectionAssert.AreEqual(new[] { "penguins.project.zip" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray(), "no temporary file left");
    }

    [TestMethod]
    [TestCategory("Build")]
    public void TheUnpackedProjectArchive_BuildsAndRuns()
    {
        string unpacked = Directory.CreateTempSubdirectory("mtl-project-archive-").FullName;
        try
        {
            using (var stream = new MemoryStream())
            {
                GeneratedProject.Write(Open(), stream);
                stream.Position = 0;
                ZipFile.ExtractToDirectory(stream, unpacked);
            }
            string app = Path.Combine(unpacked, "penguins", "penguins.ConsoleApp");
            (int code, string output) = DotnetCommand.Run(app, TimeSpan.FromMinutes(5), "run");
            Assert.AreEqual(0, code, output);
            StringAssert.Contains(output, "species (multiclass)");
            StringAssert.Contains(output, "body_mass_g (regression)");
        }
        finally
        {
            Directory.Delete(unpacked, recursive: true);
        }
    }
}
