using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Cli.Tests.Support;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl train --data</c> on images: a folder with one subfolder per class, and a CSV with an image-path column and two
/// labels. Tiny synthetic PNGs (16×16 grey patterns) so each run takes seconds; the zip is reloaded by plain ML.NET.
/// </summary>
[TestClass]
public sealed class ImageTrainTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-images");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    [TestMethod]
    public void AnImageFolder_TrainsAConvNetAboveChance_AndItsZipTakesImagePaths()
    {
        string data = SyntheticImages.WriteFolder(folder.File("patterns"), perClass: 30);
        string outFolder = folder.File("out");
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, folder.Path, "train", "--data", data, "--out", outFolder, "--seed", "3", "--epochs", "30");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        string output = run.StandardOutput;
        // The terminal width wraps long lines (the folder's path): compare with whitespace collapsed.
        StringAssert.Contains(Regex.Replace(output, @"\s+", " "), "90 images in 3 classes, one multiclass task 'Label'", run.Transcript);
        foreach (string pattern in SyntheticImages.Patterns) StringAssert.Matches(output, new Regex($@"│ {pattern}\s+│\s+30 │"), run.Transcript);
        StringAssert.Contains(Regex.Replace(output, @"\s+", " "), "resizes each to 16×16 grey", run.Transcript);
        Assert.IsTrue(TableTrainTests.Metric(output, "Label", "MicroAccuracy") > 0.7, run.Transcript); // chance: 1/3
        Assert.IsTrue(double.Parse(TableTrainTests.LargestDifference().Match(output).Groups[1].Value, CultureInfo.InvariantCulture) < 1e-4, run.Transcript);
        string zip = Path.Combine(outFolder, "patterns.zip");
        Assert.IsTrue(File.Exists(zip), run.Transcript);

        // Plain ML.NET: the zip takes an image path, absolute or relative to the training folder, and predicts its class.
        var plain = new MLContext(seed: 1) { TempFilePath = folder.Path };
        ITransformer model = plain.Model.Load(zip, out DataViewSchema input);
        CollectionAssert.AreEqual(new[] { "ImagePath", "Label" }, input.Select(c => c.Name).ToArray());
        using var engine = plain.Model.CreatePredictionEngine<FolderInput, FolderPrediction>(model);
        FolderPrediction absolute = engine.Predict(new FolderInput { ImagePath = Path.Combine(data, "square", "001.png") });
        FolderPrediction relative = engine.Predict(new FolderInput { ImagePath = Path.Combine("square", "001.png") });
        Assert.AreEqual(3, absolute.Scores.Length);
        CollectionAssert.AreEqual(absolute.Scores, relative.Scores);
        (model as IDisposable)?.Dispose();

        // The generated console app (ML.NET packages only) builds without warnings and predicts what the zip predicts for an image.
        string app = Path.Combine(outFolder, "patterns.ConsoleApp");
        ProcessResult build = ChildProcess.RunDotnet("build", app, "-nologo", "-v:minimal");
        Assert.AreEqual(0, build.ExitCode, build.Transcript);
        StringAssert.Contains(build.StandardOutput, "0 Warning(s)", build.Transcript);
        string dll = Directory.GetFiles(Path.Combine(app, "bin"), "patterns.ConsoleApp.dll", SearchOption.AllDirectories).Single();
        ProcessResult predicted = ChildProcess.RunDotnet(dll, folder.Path, Path.Combine(data, "square", "001.png"));
        Assert.AreEqual(0, predicted.ExitCode, predicted.Transcript);
        string[] classes = ["horizontal", "square", "vertical"]; // key order: the class names sorted
        for (int k = 0; k < classes.Length; k++)
        {
            Match line = Regex.Match(predicted.StandardOutput, $@"^  {classes[k]}: (\S+)$", RegexOptions.Multiline);
            Assert.IsTrue(line.Success, predicted.Transcript);
            Assert.AreEqual(absolute.Scores[k], float.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture), 1e-5, predicted.Transcript);
        }
        string best = classes[Array.IndexOf(absolute.Scores, absolute.Scores.Max())];
        StringAssert.Contains(predicted.StandardOutput, "  PredictedValue: " + best + "\n", predicted.Transcript);
    }

    [TestMethod]
    public void AnImageFolder_WithATestFolder_IsTestedOnThatFolder()
    {
        string train = SyntheticImages.WriteFolder(folder.File("train"), perClass: 12, seed: 5);
        string test = SyntheticImages.WriteFolder(folder.File("test"), perClass: 4, seed: 6);
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, folder.Path, "train", "--data", train, "--test-data", test, "--label", "pattern",
            "--name", "patterns", "--out", folder.File("out"), "--epochs", "3");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        // All 12 test images (absolute paths from the test folder) are scored, by the fitted model and by the reloaded zip.
        StringAssert.Matches(run.StandardOutput, new Regex(@"│ pattern\s+│ MicroAccuracy\s+│\s+[0-9.]+ │ multiclass\s+│\s+12 │"), run.Transcript);
        Assert.IsTrue(double.Parse(TableTrainTests.LargestDifference().Match(run.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture) < 1e-4, run.Transcript);
    }

    [TestMethod]
    public void AnImagePathTable_WithAClassAndANumberLabel_SomeMissing_TrainsBoth()
    {
        string data = SyntheticImages.WriteTable(folder.Path, rows: 150);
        // Run from another folder: the CSV's relative image paths are read from the CSV's folder, not the working directory.
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, Path.GetTempPath(), "train", "--data", data, "--label", "shape", "--label", "brightness",
            "--out", folder.File("out"), "--seed", "2", "--epochs", "30");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        string output = run.StandardOutput;
        StringAssert.Matches(output, new Regex(@"│ image\s+│ String\s+│ imagepath\s+│ feature\s+│\s+│\s+0 │"), run.Transcript);
        StringAssert.Matches(output, new Regex(@"│ shape\s+│ String\s+│ category\s+│ label\s+│ multiclass\s+│\s+17 │"), run.Transcript);
        StringAssert.Matches(output, new Regex(@"│ brightness\s+│ Single\s+│ number\s+│ label\s+│ regression\s+│\s+21 │"), run.Transcript);
        StringAssert.Contains(output, "images in 'image': 150, sides 16 px, grey", run.Transcript);
        Assert.IsTrue(TableTrainTests.Metric(output, "shape", "MicroAccuracy") > 0.7, run.Transcript);
        Assert.IsTrue(TableTrainTests.Metric(output, "brightness", "RSquared") > 0.3, run.Transcript);
        Assert.IsTrue(double.Parse(TableTrainTests.LargestDifference().Match(output).Groups[1].Value, CultureInfo.InvariantCulture) < 1e-4, run.Transcript);
        Assert.IsTrue(File.Exists(folder.File("out/images.zip")), run.Transcript);
    }

    [TestMethod]
    public void TheImageSize_FollowsTheData_SmallImagesStaySmall_ColourIsKept()
    {
        var random = new Random(4);
        for (int i = 0; i < 4; i++)
        {
            SyntheticImages.WritePng(folder.File($"small/a/{i}.png"), 0, 0.9, random, side: 8);
            SyntheticImages.WritePng(folder.File($"small/b/{i}.png"), 1, 0.9, random, side: 8);
            SyntheticImages.WritePng(folder.File($"mixed/a/{i}.png"), 0, 0.9, random, side: 20);
            SyntheticImages.WritePng(folder.File($"mixed/b/{i}.png"), 1, 0.9, random, side: 48, colour: true);
        }
        ImageSet small = TableSchema.Infer(folder.File("small"), new TableReadOptions()).Images!;
        Assert.AreEqual((12, 1, 8, 8), (small.Side, small.Channels, small.SmallestSide, small.LargestSide));
        ImageSet mixed = TableSchema.Infer(folder.File("mixed"), new TableReadOptions { Labels = [LabelRequest.Parse("kind")] }).Images!;
        Assert.AreEqual((32, 3, 20, 48), (mixed.Side, mixed.Channels, mixed.SmallestSide, mixed.LargestSide));

        // The preprocessing gives the conv trunk its (channels, side, side) shape, pixels in [0, 1].
        var ml = new MLContext(seed: 1);
        TableSchema schema = TableSchema.Infer(folder.File("mixed"), new TableReadOptions());
        IDataView rows = TablePipeline.Load(ml, schema, schema.Path);
        IDataView features = TablePipeline.CreatePreprocessing(ml, schema, rows, "Features").Fit(rows).Transform(rows);
        var type = (VectorDataViewType)features.Schema["Features"].Type;
        CollectionAssert.AreEqual(new[] { 3, 32, 32 }, type.Dimensions.ToArray());
        float[][] pixels = features.GetColumn<float[]>("Features").ToArray();
        Assert.AreEqual(8, pixels.Length);
        Assert.IsTrue(pixels.All(p => p.Min() >= 0 && p.Max() <= 1 && p.Max() > 0.5));
    }

    private sealed class FolderInput
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class FolderPrediction
    {
        [ColumnName("Label.Score")] public float[] Scores { get; set; } = [];
    }
}
