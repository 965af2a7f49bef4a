using System.IO.Compression;
using Microsoft.ML;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>examples/ConsumeModel on bad input: exit code 1 and one "error:" line on stderr that says what and what to do.</summary>
[TestClass]
public sealed class ConsumeModelErrorTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-consume");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    private ProcessResult Consume(params string[] args) => ChildProcess.RunDotnet(BuiltApps.ConsumeModel, folder.Path, args);

    private static void AssertError(ProcessResult result, params string[] messageParts)
    {
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        StringAssert.StartsWith(result.StandardError, "error: ", result.Transcript);
        foreach (string part in messageParts)
            Assert.IsTrue(result.StandardError.Contains(part, StringComparison.Ordinal), $"the error does not say '{part}':\n{result.Transcript}");
    }

    [TestMethod]
    public void MissingZip_SaysWhereItLookedAndHowToMakeOne()
    {
        string missing = folder.File("missing.zip");
        AssertError(Consume(missing), $"No model at '{missing}'", "mtl train");
    }

    [TestMethod]
    public void DefaultPathWithoutAModel_SaysWhereItLooked()
    {
        // No argument: model.zip in the working folder, as ./run.sh leaves it.
        AssertError(Consume(), $"No model at '{folder.File("model.zip")}'", "./run.sh");
    }

    [TestMethod]
    public void FileThatIsNotAZip_IsNamedAsNotAModel()
    {
        string path = folder.File("notes.zip");
        File.WriteAllText(path, "these are notes, not a model");
        AssertError(Consume(path), $"'{path}' is not an ML.NET model zip", "Pass a model.zip written by `mtl train`");
    }

    [TestMethod]
    public void ZipThatIsNotAModel_IsNamedAsNotAModel()
    {
        string path = folder.File("photos.zip");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(zip.CreateEntry("readme.txt").Open()))
            writer.Write("holiday photos");
        AssertError(Consume(path), $"'{path}' is not an ML.NET model zip", "Pass a model.zip written by `mtl train`");
    }

    [TestMethod]
    public void MlNetModelOfAnotherShape_SaysWhatTheExampleNeeds()
    {
        // A real, loadable ML.NET zip, but with no image input and no per-task outputs.
        string path = folder.File("other.zip");
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new NumberRow { Value = 1 }, new NumberRow { Value = 2 } });
        ITransformer model = ml.Transforms.CopyColumns("Copy", nameof(NumberRow.Value)).Fit(data);
        ml.Model.Save(model, data.Schema, path);
        AssertError(Consume(path), "column 'Image'", "no such column", "Use a model from `mtl train`");
    }

    [TestMethod]
    public void MissingDataFolder_NamesItAndTheOption()
    {
        string missing = folder.File("no-fashion-here");
        AssertError(Consume(TrainedModels.First.ModelPath, "--fashion-dir", missing),
            $"is not in '{missing}'", "dataset-fashion-mnist", "--fashion-dir");
    }

    [TestMethod]
    [DataRow("--rows", "0", "Option '--rows' needs a positive integer; got 0.")]
    [DataRow("--rows", "many", "Option '--rows' needs an integer; got 'many'.")]
    [DataRow("--colour", "red", "Unknown option '--colour'")]
    public void BadOption_NamesIt(string option, string value, string message)
    {
        AssertError(Consume(TrainedModels.First.ModelPath, option, value), message);
    }

    [TestMethod]
    public void TwoModelPaths_AreRefused()
    {
        AssertError(Consume("a.zip", "b.zip"), "Two model paths given ('a.zip' and 'b.zip'); pass one.");
    }

    private sealed class NumberRow
    {
        public float Value { get; set; }
    }
}
