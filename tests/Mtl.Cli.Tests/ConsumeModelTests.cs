using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// examples/ConsumeModel as a user runs it (`dotnet ConsumeModel.dll model.zip`) on the zip `mtl train` wrote:
/// plain ML.NET with the ONNX packages, none of our assemblies.
/// </summary>
[TestClass]
public sealed class ConsumeModelTests
{
    private const int Rows = 2000;
    private static ProcessResult consumed = null!;

    [ClassInitialize]
    public static void ConsumeTheTrainedModel(TestContext _)
    {
        TrainedModel trained = TrainedModels.First;
        Assert.AreEqual(0, trained.Process.ExitCode, trained.Process.Transcript);
        consumed = ChildProcess.RunDotnet(BuiltApps.ConsumeModel, Path.GetDirectoryName(trained.ModelPath)!,
            trained.ModelPath, "--rows", Rows.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void ConsumeModel_ExitsZero_AndPrintsThePerTaskOutputColumns()
    {
        Assert.AreEqual(0, consumed.ExitCode, consumed.Transcript);
        Dictionary<string, string> input = ConsumeOutput.Schema(consumed.StandardOutput, "input schema");
        Dictionary<string, string> output = ConsumeOutput.Schema(consumed.StandardOutput, "output schema");
        Assert.AreEqual("Vector<Single, 1, 28, 28>", input["Image"], consumed.Transcript);
        foreach (string task in new[] { "Left", "Right" })
        {
            Assert.AreEqual("Vector<Single, 10>", output[task + ".Score"], consumed.Transcript);
            StringAssert.StartsWith(output[task + ".PredictedLabel"], "Key<UInt32, 0-9>", consumed.Transcript);
            // The class names travel in the zip as the key's KeyValues.
            StringAssert.Contains(output[task + ".PredictedLabel"], "keys: T-shirt/top, Trouser", consumed.Transcript);
        }
    }

    [TestMethod]
    public void ConsumeModel_Accuracy_IsWellAboveChance_AndCloseToWhatMtlTrainPrinted()
    {
        Assert.AreEqual(0, consumed.ExitCode, consumed.Transcript);
        Dictionary<string, double> accuracy = ConsumeOutput.Accuracies(consumed.StandardOutput);
        TrainOutput trained = TrainOutput.Parse(TrainedModels.First.Process.StandardOutput);
        CollectionAssert.AreEquivalent(new[] { "Left", "Right" }, accuracy.Keys.ToArray(), consumed.Transcript);
        foreach ((string task, double value) in accuracy)
        {
            Assert.IsTrue(value > 0.25 && value <= 1, $"{task}: accuracy {value} is not well above chance 0.1.\n{consumed.Transcript}");
            // Other pairs from the same distribution: a standard error of ≈ 0.011 on 2,000 rows. A wrong normalisation
            // or canvas in the example would cost far more than this margin.
            double printed = TrainOutput.Number(trained.Fitted[task].Accuracy);
            Assert.AreEqual(printed, value, 0.06, $"{task}: ConsumeModel {value} vs mtl train {printed}");
        }
    }

    [TestMethod]
    public void ConsumeModel_PredictsRowsWithAPredictionEngine()
    {
        Assert.AreEqual(0, consumed.ExitCode, consumed.Transcript);
        StringAssert.Contains(consumed.StandardOutput, "PredictionEngine, one row at a time:");
        Assert.HasCount(5, ConsumeOutput.PredictionLines(consumed.StandardOutput), consumed.Transcript);
        Assert.AreEqual("", consumed.StandardError.Trim(), "a successful run wrote to stderr");
    }
}
