using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Cli.Tests.Support;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl train --data table.csv --label …</c> on a synthetic table written here: two numeric features with holes, a
/// categorical and a free-text column, and three labels of different kinds, each with missing values. The built
/// <c>mtl</c> runs as a child process; the schema, the metrics and the zip it writes are checked, and the zip is loaded by
/// plain ML.NET and scored through a PredictionEngine over the file's raw rows.
/// </summary>
[TestClass]
public sealed partial class TableTrainTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-table");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    private static readonly string[] Colors = ["red", "green", "blue"];
    private static readonly string[] Words = ["calm", "storm", "bright", "dull", "quick", "slow", "warm", "cold"];

    /// <summary>
    /// Writes the synthetic table: size and shade depend on x, colour and the note's words, so every task is learnable.
    /// Row 7k has no tier, row 11k no flag, row 13k no size; x is missing on every 17th row ("" or NA).
    /// </summary>
    internal static string WriteTable(string path, int rows = 400, int seed = 5)
    {
        var random = new Random(seed);
        var text = new StringBuilder("x,y,color,note,tier,flag,size\n");
        for (int i = 0; i < rows; i++)
        {
            double x = random.NextDouble() * 4 - 2, y = random.NextDouble() * 4 - 2;
            int color = random.Next(3);
            string[] note = Enumerable.Range(0, 4).Select(_ => Words[random.Next(Words.Length)]).ToArray();
            bool warm = note.Contains("warm");
            string tier = x + (color == 0 ? 1 : 0) > 0.5 ? "high" : x > -0.8 ? "mid" : "low";
            bool flag = y + (warm ? 1.5 : 0) > 0;
            double size = 3 * x - 2 * y + color + random.NextDouble() * 0.1;
            string xs = i % 17 == 5 ? (i % 2 == 0 ? "" : "NA") : x.ToString("F4", CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture,
                $"{xs},{y:F4},{Colors[color]},\"{string.Join(' ', note)}\",{(i % 7 == 0 ? "NA" : tier)},{(i % 11 == 0 ? "" : flag ? "yes" : "no")}," +
                $"{(i % 13 == 0 ? "NA" : size.ToString("F3", CultureInfo.InvariantCulture))}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [TestMethod]
    public void TrainsATableWithMixedKinds_PrintsTheSchema_AndItsZipPredictsLikeTheFittedModel()
    {
        string data = WriteTable(folder.File("shapes.csv"));
        string outFolder = folder.File("out");
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, folder.Path,
            "train", "--data", data, "--label", "tier", "--label", "flag", "--label", "size", "--out", outFolder, "--seed", "3");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        string output = run.StandardOutput;

        // The schema, as mlnet prints it: column, type, values, purpose, task kind, missing count (400 rows: 24 missing x, …).
        StringAssert.Matches(output, SchemaRow("x", "Single", "number", "feature", "", 24), run.Transcript);
        StringAssert.Matches(output, SchemaRow("color", "String", "category", "feature", "", 0), run.Transcript);
        StringAssert.Matches(output, SchemaRow("note", "String", "text", "feature", "", 0), run.Transcript);
        StringAssert.Matches(output, SchemaRow("tier", "String", "category", "label", "multiclass", 58), run.Transcript);
        StringAssert.Matches(output, SchemaRow("flag", "String", "boolean", "label", "binary", 37), run.Transcript);
        StringAssert.Matches(output, SchemaRow("size", "Single", "number", "label", "regression", 31), run.Transcript);
        StringAssert.Contains(output, "400 rows, separator ','", run.Transcript);

        // Per-task test metrics by ML.NET's names, and the reloaded zip's equal to the fitted model's.
        Assert.IsTrue(Metric(output, "tier", "MicroAccuracy") > 0.75, run.Transcript);
        Assert.IsTrue(Metric(output, "flag", "AreaUnderRocCurve") > 0.8, run.Transcript);
        Assert.IsTrue(Metric(output, "size", "RSquared") > 0.8, run.Transcript);
        Match difference = LargestDifference().Match(output);
        Assert.IsTrue(difference.Success, run.Transcript);
        Assert.IsTrue(double.Parse(difference.Groups[1].Value, CultureInfo.InvariantCulture) < 1e-4, run.Transcript);
        // Beside the zip, the generated code (built and run by Mtl.Analysis.Tests' ConsumptionCodeGeneratorTests); the run lists it.
        CollectionAssert.AreEquivalent(new[] { "shapes.zip", "shapes.mtlconfig", "shapes.consumption.cs", "shapes.training.cs" },
            Directory.GetFiles(outFolder).Select(Path.GetFileName).ToArray());
        CollectionAssert.AreEquivalent(new[] { "Directory.Build.props", "shapes.ConsoleApp.csproj", "shapes.consumption.cs", "Program.cs" },
            Directory.GetFiles(Path.Combine(outFolder, "shapes.ConsoleApp")).Select(Path.GetFileName).ToArray());
        StringAssert.Contains(output, "shapes.ConsoleApp/Program.cs", run.Transcript);

        // The same run through the library in this process (same seed, same automatic options) is the fitted model; the
        // zip the child wrote, loaded by plain ML.NET, predicts what it predicts for raw rows.
        TableSchema schema = TableSchema.Infer(data, new TableReadOptions { Labels = new[] { "tier", "flag", "size" }.Select(LabelRequest.Parse).ToList() });
        var ml = new MLContext(seed: 3) { TempFilePath = folder.Path };
        IDataView all = TablePipeline.CreateLoader(ml, schema).Load(data);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(all, 0.2, seed: 3);
        TableModel model = TablePipeline.Fit(ml, schema, split.TrainSet, new TrainingConfig { Seed = 3 }, seed: 3);
        var plain = new MLContext(seed: 1) { TempFilePath = folder.Path };
        ITransformer reloaded = plain.Model.Load(Path.Combine(outFolder, "shapes.zip"), out _);
        using var fitted = ml.Model.CreatePredictionEngine<RawRow, Prediction>(model.Model);
        using var fromZip = plain.Model.CreatePredictionEngine<RawRow, Prediction>(reloaded);
        foreach (RawRow row in ml.Data.CreateEnumerable<RawRow>(split.TestSet, reuseRowObject: false).Take(20))
            AssertSamePrediction(fitted.Predict(row), fromZip.Predict(row));
        (reloaded as IDisposable)?.Dispose();
        model.Network.Dispose();
    }

    private static void AssertSamePrediction(Prediction a, Prediction b)
    {
        Assert.AreEqual(a.Tier, b.Tier);
        Assert.IsTrue(a.Tier is >= 1 and <= 3, $"tier key {a.Tier}");
        Assert.AreEqual(a.Flag, b.Flag);
        Assert.AreEqual(a.FlagProbability, b.FlagProbability, 1e-4);
        Assert.AreEqual(a.Size, b.Size, 1e-4 * Math.Max(1, Math.Abs(a.Size)));
        Assert.AreEqual(a.TierScores.Length, b.TierScores.Length);
        for (int k = 0; k < a.TierScores.Length; k++) Assert.AreEqual(a.TierScores[k], b.TierScores[k], 1e-4);
    }

    [TestMethod]
    public void TheSavedChainTakesRawRows_AndPlainMlNetPredictsWhatTheFittedModelPredicts()
    {
        string data = WriteTable(folder.File("shapes.csv"));
        TableSchema schema = TableSchema.Infer(data, new TableReadOptions
        {
            Labels = [LabelRequest.Parse("tier"), LabelRequest.Parse("flag"), LabelRequest.Parse("size:regression")],
        });
        var ml = new MLContext(seed: 2);
        ml.TempFilePath = folder.Path;
        IDataView rows = TablePipeline.CreateLoader(ml, schema).Load(data);
        TableModel model = TablePipeline.Fit(ml, schema, rows, new TrainingConfig { Epochs = 15, Seed = 2 }, seed: 2);
        string zip = folder.File("model.zip");
        ml.Model.Save(model.Model, rows.Schema, zip);

        var plain = new MLContext(seed: 9) { TempFilePath = folder.Path };
        ITransformer reloaded = plain.Model.Load(zip, out DataViewSchema input);
        CollectionAssert.AreEqual(new[] { "x", "y", "color", "note", "tier", "flag", "size" }, input.Select(c => c.Name).ToArray());
        using var fitted = ml.Model.CreatePredictionEngine<RawRow, Prediction>(model.Model);
        using var again = plain.Model.CreatePredictionEngine<RawRow, Prediction>(reloaded);
        RawRow[] raw =
        [
            new() { X = 1.2f, Y = -0.4f, Color = "red", Note = "warm calm storm dull", Tier = "high", Flag = "no", Size = 5f },
            // Unlabelled, a missing number, a colour and words never seen: still scored.
            new() { X = float.NaN, Y = 0.7f, Color = "purple", Note = "entirely new words", Tier = "", Flag = "", Size = float.NaN },
        ];
        foreach (RawRow row in raw) AssertSamePrediction(fitted.Predict(row), again.Predict(row));
        // The class names are the training values (sorted), not the missing marker.
        CollectionAssert.AreEqual(new[] { "high", "low", "mid" }, model.Network.ClassNames("tier")!.ToArray());
        (reloaded as IDisposable)?.Dispose();
        model.Network.Dispose();
    }

    [TestMethod]
    public void TsvWithoutHeader_WithATestFile_AndIgnoredColumns()
    {
        // The same table as tab-separated text without a header: columns col0 … col6; col2 (colour) ignored.
        string[] lines = File.ReadAllLines(WriteTable(folder.File("shapes.csv"), rows: 300)).Skip(1)
            .Select(l => string.Join('\t', TableSchema.SplitFields(l, ','))).ToArray();
        File.WriteAllLines(folder.File("train.txt"), lines[..240]);
        File.WriteAllLines(folder.File("test.txt"), lines[240..]);
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, folder.Path, "train", "--data", folder.File("train.txt"), "--has-header", "false",
            "--separator", "tab", "--test-data", folder.File("test.txt"), "--label", "col4", "--label", "col6", "--ignore-cols", "col2",
            "--name", "shapes", "--out", folder.File("out"), "--epochs", "20");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        StringAssert.Contains(run.StandardOutput, "240 rows, separator tab, no header", run.Transcript);
        StringAssert.Matches(run.StandardOutput, new Regex(@"│ col2\s+│ -\s+│ category\s+│ ignore \(--ignore-cols\)"), run.Transcript);
        Assert.IsTrue(Metric(run.StandardOutput, "col6", "RSquared") > 0.5, run.Transcript);
        Assert.IsTrue(File.Exists(folder.File("out/shapes.zip")), run.Transcript);
    }

    [TestMethod]
    public void KindsAreInferred_FromTheValues()
    {
        string path = folder.File("kinds.tsv");
        var text = new StringBuilder("bool\tdigit\tprice\tname\tfeature\n");
        for (int i = 0; i < 40; i++) text.Append(CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? "True" : "False")}\t{i % 4}\t{i * 1.5 + 0.25}\tn{i % 3}\t{i}\n");
        File.WriteAllText(path, text.ToString());
        TableSchema schema = TableSchema.Infer(path, new TableReadOptions { Labels = new[] { "bool", "digit", "price", "name" }.Select(LabelRequest.Parse).ToList() });
        Assert.AreEqual('\t', schema.Separator);
        CollectionAssert.AreEqual(new TaskKind?[] { TaskKind.Binary, TaskKind.Multiclass, TaskKind.Regression, TaskKind.Multiclass },
            schema.Labels.Select(l => l.Kind).ToArray());
        Assert.AreEqual(("False", "True"), TableSchema.BinaryOrder("True", "False"));
    }

    [TestMethod]
    public void EveryMissingMarker_IsCountedByTheSchema_AndLoadsAsNaN()
    {
        string path = folder.File("markers.csv");
        File.WriteAllText(path, "x,label\n1.5,a\n,b\nNA,a\nN/A,b\nNaN,a\n?,b\nnull,a\n-2,b\n");
        TableSchema schema = TableSchema.Infer(path, new TableReadOptions { Labels = [LabelRequest.Parse("label")] });
        Assert.AreEqual(6, schema.Columns[0].MissingCount);
        Assert.IsTrue(schema.Columns[0].LoadsAsNumber);
        var ml = new MLContext(seed: 1);
        float[] x = TablePipeline.CreateLoader(ml, schema).Load(path).GetColumn<float>("x").ToArray();
        CollectionAssert.AreEqual(new[] { 1.5f, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, float.NaN, -2f }, x);
    }

    private static Regex SchemaRow(string column, string type, string values, string purpose, string kind, int missing) =>
        new($@"│ {column}\s+│ {type}\s+│ {values}\s+│ {purpose}\s+│ {kind}\s+│\s+{missing} │");

    // The first table (the fitted model's test metrics) has a row per task and metric; the task is named on its first row.
    internal static double Metric(string output, string task, string metric)
    {
        string? current = null;
        foreach (string line in output.Split('\n'))
        {
            string[] cells = line.Split('│').Select(c => c.Trim()).ToArray();
            if (cells.Length < 5) continue;
            if (cells[1].Length > 0) current = cells[1];
            if (current == task && cells[2] == metric) return double.Parse(cells[3], CultureInfo.InvariantCulture);
        }
        Assert.Fail($"no {metric} for {task}:\n{output}");
        return double.NaN;
    }

    [GeneratedRegex(@"largest \|difference\| from the fitted model: ([0-9.E+-]+)")]
    internal static partial Regex LargestDifference();

    /// <summary>A row as the file holds it: numbers as Single, text as string (the zip's input).</summary>
    private sealed class RawRow
    {
        [ColumnName("x")] public float X { get; set; }
        [ColumnName("y")] public float Y { get; set; }
        [ColumnName("color")] public string Color { get; set; } = "";
        [ColumnName("note")] public string Note { get; set; } = "";
        [ColumnName("tier")] public string Tier { get; set; } = "";
        [ColumnName("flag")] public string Flag { get; set; } = "";
        [ColumnName("size")] public float Size { get; set; }
    }

    private sealed class Prediction
    {
        [ColumnName("tier.PredictedLabel")] public uint Tier { get; set; }
        [ColumnName("tier.Score")] public float[] TierScores { get; set; } = [];
        [ColumnName("flag.PredictedLabel")] public bool Flag { get; set; }
        [ColumnName("flag.Probability")] public float FlagProbability { get; set; }
        [ColumnName("size.Score")] public float Size { get; set; }
    }
}
