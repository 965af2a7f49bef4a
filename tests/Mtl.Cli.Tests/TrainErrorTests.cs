using Mtl.Cli.Tests.Support;
using Mtl.Trainers.Methods;

namespace Mtl.Cli.Tests;

/// <summary>
/// `mtl train` on bad input, in process through <see cref="Program.Main"/>: exit code 1, one clear error line, and
/// nothing written where the model would have gone.
/// </summary>
[TestClass]
public sealed class TrainErrorTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-errors");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    // A tiny run that would succeed; each test spoils one option.
    private ProcessResult Train(params string[] overrides)
    {
        var options = new Dictionary<string, string>
        {
            ["--dataset"] = "multi-fashion", ["--method"] = "ew", ["--train-rows"] = "256", ["--epochs"] = "1",
            ["--batch-size"] = "64", ["--model"] = folder.File("model.zip"),
        };
        for (int i = 0; i < overrides.Length; i += 2) options[overrides[i]] = overrides[i + 1];
        return InProcessCli.Run(["train", .. options.SelectMany(o => new[] { o.Key, o.Value })]);
    }

    private void AssertFailedCleanly(ProcessResult result, params string[] messageParts)
    {
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        Assert.IsFalse(string.IsNullOrWhiteSpace(result.StandardError), "errors belong on stderr:\n" + result.Transcript);
        string text = result.StandardOutput + result.StandardError;
        foreach (string part in messageParts)
            Assert.IsTrue(text.Contains(part, StringComparison.Ordinal), $"the error does not say '{part}':\n{result.Transcript}");
        CollectionAssert.AreEqual(Array.Empty<string>(), folder.Entries(), "a failed run left files behind");
    }

    [TestMethod]
    public void UnknownDataset_NamesItAndTheKnownOnes()
    {
        AssertFailedCleanly(Train("--dataset", "multi-cifar"),
            "error:", "Unknown dataset 'multi-cifar'", "multi-fashion", "multi-mnist", "multi-fashion-mnist");
    }

    [TestMethod]
    public void UnknownMethod_ListsEveryKnownMethod()
    {
        ProcessResult result = Train("--method", "no-such-method");
        AssertFailedCleanly(result, "error:", "Unknown MTL method 'no-such-method'");
        foreach (string name in MethodRegistry.Names)
            Assert.IsTrue(result.StandardError.Contains(name, StringComparison.Ordinal), $"the known method '{name}' is not listed:\n{result.Transcript}");
    }

    [TestMethod]
    public void ModeTheMethodDoesNotSupport_SaysWhichModesItSupports()
    {
        // PCGrad projects whole parameter gradients; the registry says it has no Representation mode.
        Assert.IsFalse(MethodRegistry.Create("pcgrad").Supports(GradientMode.Representation), "precondition: pcgrad lacks Representation");
        AssertFailedCleanly(Train("--method", "pcgrad", "--mode", "Representation"),
            "error:", "'PCGrad' does not support GradientMode.Representation", "GradientMode.Parameters");
    }

    [TestMethod]
    [DataRow("--epochs", "0", "--epochs must be at least 1; got 0")]
    [DataRow("--epochs", "-3", "--epochs must be at least 1; got -3")]
    [DataRow("--lr", "-1", "--lr must be a positive finite number; got -1")]
    [DataRow("--lr", "0", "--lr must be a positive finite number; got 0")]
    [DataRow("--lr", "NaN", "--lr must be a positive finite number; got NaN")]
    [DataRow("--batch-size", "0", "--batch-size must be at least 1; got 0")]
    [DataRow("--train-rows", "-5", "--train-rows must be 0 (all rows) or positive; got -5")]
    public void BadNumericOption_NamesTheOptionAndTheValue(string option, string value, string message)
    {
        AssertFailedCleanly(Train(option, value), "error:", message);
    }

    [TestMethod]
    [DataRow("--epochs", "three")]
    [DataRow("--lr", "fast")]
    [DataRow("--mode", "Sideways")]
    public void UnparsableOptionValue_IsRejectedByTheParser_NamingTheValue(string option, string value)
    {
        AssertFailedCleanly(Train(option, value), value);
    }

    [TestMethod]
    public void ModelPathInAMissingFolder_FailsBeforeTraining()
    {
        string missing = Path.Combine(folder.Path, "no", "such");
        AssertFailedCleanly(Train("--model", Path.Combine(missing, "model.zip")), "error:", $"the folder '{missing}' does not exist");
    }

    [TestMethod]
    public void ModelPathThatIsAFolder_AsksForAFilePath()
    {
        AssertFailedCleanly(Train("--model", folder.Path), "error:", "is a folder; pass a file path");
    }

    [TestMethod]
    public void ModelPathInAnUnwritableFolder_FailsBeforeTraining()
    {
        // sysfs refuses new files to every user, root included (tests may run as root, where chmod would not stop a write).
        const string unwritable = "/sys/mtl-cli-test-model.zip";
        ProcessResult result = Train("--model", unwritable);
        AssertFailedCleanly(result, "error:", "cannot write in the folder '/sys'");
        Assert.IsFalse(File.Exists(unwritable));
    }

    [TestMethod]
    public void TrainingThatDiverges_NamesTaskAndStep_AndWritesNoZip()
    {
        // Adam at lr 1e30 turns the weights to ±inf within a step or two: the failure happens inside Fit, after training started.
        AssertFailedCleanly(Train("--lr", "1e30"), "error:", "The loss of task 'Left' is NaN at step", "Lower the learning rate");
    }

    [TestMethod]
    public void FailedRun_LeavesAnExistingModelUntouched()
    {
        string model = folder.File("model.zip");
        File.WriteAllText(model, "the previous model");
        ProcessResult result = Train("--epochs", "0");
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        Assert.AreEqual("the previous model", File.ReadAllText(model));
        CollectionAssert.AreEqual(new[] { "model.zip" }, folder.Entries());
    }
}
