using Mtl.Analysis.Studies;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>`mtl study`: one subcommand per study, a report folder with plots, verdicts on the terminal, clear errors.</summary>
[TestClass]
public sealed class StudyCommandTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-study");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    [TestMethod]
    public void TheHelpListsEveryStudyOfTheCatalog()
    {
        ProcessResult help = InProcessCli.Run("study", "--help");
        Assert.AreEqual(0, help.ExitCode, help.Transcript);
        Assert.AreEqual(8, StudyCatalog.All.Count);
        foreach (IStudy study in StudyCatalog.All)
            StringAssert.Contains(help.StandardOutput, study.Name, help.Transcript);
    }

    [TestMethod]
    public void ASmokeRunWritesTheReportFolderWithPlotsAndPrintsTheVerdicts()
    {
        string output = folder.File("loss-scale");
        ProcessResult run = ChildProcess.RunDotnet(BuiltApps.MtlCli, folder.Path, "study", "loss-scale", "--preset", "smoke", "--out", output);
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        foreach (string file in new[] { "report.md", "report.html", "runs.csv", "runs.json" })
            Assert.IsTrue(new FileInfo(Path.Combine(output, file)).Length > 0, $"{file} is missing or empty");
        string[] png = Directory.GetFiles(Path.Combine(output, "plots"), "*.png");
        Assert.IsTrue(png.Length > 0, "no plots");
        Assert.AreEqual(png.Length, Directory.GetFiles(Path.Combine(output, "plots"), "*.svg").Length, "every plot comes as PNG and SVG");
        string markdown = File.ReadAllText(Path.Combine(output, "report.md"));
        StringAssert.Contains(markdown, "mtl study loss-scale --preset smoke --seed 1", "the report states the command that reproduces it");
        StringAssert.Contains(run.StandardOutput, "reproduced");
        StringAssert.Contains(run.StandardOutput, "report.md");
    }

    private void AssertFailedCleanly(ProcessResult result, params string[] messageParts)
    {
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        StringAssert.StartsWith(result.StandardError, "error: ", result.Transcript);
        foreach (string part in messageParts)
            Assert.IsTrue(result.StandardError.Contains(part, StringComparison.Ordinal), $"the error does not say '{part}':\n{result.Transcript}");
    }

    [TestMethod]
    public void TableOptionsAreOfferedOnlyByTableStudiesAndGoTogether()
    {
        string output = folder.File("report");
        string table = folder.File("t.csv");
        File.WriteAllText(table, "a,b\n1,2\n");
        AssertFailedCleanly(InProcessCli.Run("study", "architectures", "--preset", "smoke", "--out", output, "--table", table), "--table and --label go together");
        AssertFailedCleanly(InProcessCli.Run("study", "architectures", "--preset", "smoke", "--out", output, "--label", "b"), "--table and --label go together");
        AssertFailedCleanly(InProcessCli.Run("study", "architectures", "--preset", "smoke", "--out", output, "--table", folder.File("none.csv"), "--label", "b"), "does not exist");
        Assert.AreNotEqual(0, InProcessCli.Run("study", "conflicts", "--preset", "smoke", "--out", output, "--table", table, "--label", "b").ExitCode, "a study without a table part does not take --table");
        Assert.IsFalse(Directory.Exists(output), "a refused run created its report folder");
    }

    [TestMethod]
    public void BadOptionsFailBeforeAnyTrainingAndWriteNothing()
    {
        string output = folder.File("report");
        AssertFailedCleanly(InProcessCli.Run("study", "conflicts", "--preset", "smoke", "--out", output, "--seeds", "0"), "--seeds must be at least 1; got 0");
        AssertFailedCleanly(InProcessCli.Run("study", "optimizers", "--preset", "smoke", "--out", output, "--jobs", "0"), "--jobs must be at least 1; got 0");
        AssertFailedCleanly(InProcessCli.Run("study", "conflicts", "--preset", "smoke", "--out", output, "--method", "ew,no-such-method"), "Unknown MTL method 'no-such-method'");
        Assert.IsFalse(Directory.Exists(output), "a refused run created its report folder");

        string file = folder.File("a-file");
        File.WriteAllText(file, "keep me");
        AssertFailedCleanly(InProcessCli.Run("study", "gap", "--preset", "smoke", "--out", file), "is a file; pass a folder path");
        Assert.AreEqual("keep me", File.ReadAllText(file));
    }
}
