using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Cli.Tests.Support;
using Mtl.Datasets;

namespace Mtl.Cli.Tests;

/// <summary>`mtl train` end to end, as the user runs it: a child process `dotnet mtl.dll train …`.</summary>
[TestClass]
public sealed class TrainEndToEndTests
{
    private static readonly string[] Tasks = ["Left", "Right"];

    [TestMethod]
    public void Train_ExitsZero_AndPrintsTestAccuracyWellAboveChanceForBothTasks()
    {
        ProcessResult run = TrainedModels.First.Process;
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        TrainOutput output = TrainOutput.Parse(run.StandardOutput);
        CollectionAssert.AreEquivalent(Tasks, output.Fitted.Keys.ToArray(), run.Transcript);
        foreach (string task in Tasks)
        {
            double accuracy = TrainOutput.Number(output.Fitted[task].Accuracy);
            double logLoss = TrainOutput.Number(output.Fitted[task].LogLoss);
            // Ten classes: chance is 0.1; 64 Adam steps reach ≈ 0.37 on this seed.
            Assert.IsTrue(accuracy > 0.25 && accuracy <= 1, $"{task}: test accuracy {accuracy} is not well above chance.\n{run.Transcript}");
            // ln 10 ≈ 2.303 is the log-loss of a uniform guess.
            Assert.IsTrue(logLoss > 0 && logLoss < 2.2, $"{task}: log-loss {logLoss} is no better than a uniform guess.");
        }
        Assert.AreEqual(1, output.EpochLines.Length, "one epoch was asked for: " + run.Transcript);
    }

    [TestMethod]
    [DataRow("mmoe(experts=2)")]
    [DataRow("cross-stitch")]
    [DataRow("mtan")]
    public void TrainWithAnArchitecture_SavesAZipThatPlainMlNetScoresLikeTheFittedModel(string architecture)
    {
        using var temp = new TempFolder("mtl-cli-tests-arch");
        string model = Path.Combine(temp.Path, "arch.zip");
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, temp.Path,
            ["train", "--dataset", "multi-fashion", "--arch", architecture, "--train-rows", "512", "--batch-size", "128", "--epochs", "1", "--lr", "0.003",
             "--seed", "3", "--model", model]);
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        StringAssert.Contains(run.StandardOutput, "architecture " + architecture, run.Transcript);
        Assert.IsTrue(File.Exists(model), run.Transcript);
        TrainOutput output = TrainOutput.Parse(run.StandardOutput);
        foreach (string task in Tasks)
            Assert.AreEqual(0, TrainOutput.Number(output.Reloaded[task].Difference), 1e-4, $"{architecture}/{task}: the reloaded zip's accuracy\n{run.Transcript}");
    }

    [TestMethod]
    public void Train_WritesARealMlNetZip_ThatPlainModelLoadReopens_WithThePrintedAccuracy()
    {
        TrainedModel trained = TrainedModels.First;
        Assert.AreEqual(0, trained.Process.ExitCode, trained.Process.Transcript);
        Assert.IsTrue(File.Exists(trained.ModelPath), "no zip at " + trained.ModelPath);
        using (ZipArchive zip = ZipFile.OpenRead(trained.ModelPath))
            Assert.IsTrue(zip.Entries.Count > 0, "the zip is empty");

        using var temp = new TempFolder("mtl-cli-tests-reload");
        var ml = new MLContext(seed: 1) { TempFilePath = temp.Path };
        ITransformer model = ml.Model.Load(trained.ModelPath, out DataViewSchema inputSchema);
        try
        {
            Assert.IsTrue(inputSchema.GetColumnOrNull(MultiTaskDatasets.ImageColumnName).HasValue, "the saved input schema has no image column");
            IDataView test = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, TrainedModels.Seed).AsDataView();
            IDataView scored = model.Transform(test);
            TrainOutput printed = TrainOutput.Parse(trained.Process.StandardOutput);
            foreach (string task in Tasks)
            {
                Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), scored.Schema[task + ".Score"].Type, task);
                Assert.IsInstanceOfType<KeyDataViewType>(scored.Schema[task + ".PredictedLabel"].Type, task);
                MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName: task,
                    scoreColumnName: task + ".Score", predictedLabelColumnName: task + ".PredictedLabel");
                // The app prints four decimals: equal up to that rounding.
                Assert.AreEqual(TrainOutput.Number(printed.Fitted[task].Accuracy), metrics.MicroAccuracy, 5e-5, task);
            }
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void Train_ReloadedModelMetrics_EqualTheFittedOnes()
    {
        ProcessResult run = TrainedModels.First.Process;
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        TrainOutput output = TrainOutput.Parse(run.StandardOutput);
        CollectionAssert.AreEquivalent(Tasks, output.Reloaded.Keys.ToArray(), run.Transcript);
        foreach (string task in Tasks)
        {
            ReloadedTaskRow row = output.Reloaded[task];
            Assert.AreEqual(output.Fitted[task].Accuracy, row.FittedAccuracy, $"{task}: the two tables disagree on the fitted accuracy");
            Assert.AreEqual(row.FittedAccuracy, row.Accuracy, $"{task}: reloaded zip and fitted model differ");
            Assert.AreEqual(0.0, TrainOutput.Number(row.Difference), $"{task}: |difference| {row.Difference}");
        }
    }

    [TestMethod]
    public void Train_SameSeedInTwoProcesses_PrintsIdenticalNumbers()
    {
        ProcessResult first = TrainedModels.First.Process, second = TrainedModels.Second.Process;
        Assert.AreEqual(0, first.ExitCode, first.Transcript);
        Assert.AreEqual(0, second.ExitCode, second.Transcript);
        TrainOutput a = TrainOutput.Parse(first.StandardOutput), b = TrainOutput.Parse(second.StandardOutput);
        CollectionAssert.AreEqual(a.EpochLines, b.EpochLines, "training losses and validation metrics differ between the processes");
        foreach (string task in Tasks)
        {
            Assert.AreEqual(a.Fitted[task], b.Fitted[task], task);
            Assert.AreEqual(a.Reloaded[task], b.Reloaded[task], task);
        }
    }
}
