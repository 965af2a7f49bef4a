using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mtl.Analysis.AutoTrain;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl train --data … --time</c> (the search) and <c>mtl train --config</c> (repeat or resume), in process: the trial
/// lines, the top-5 table and the test metrics; the .mtlconfig the run writes; the flags refused with these modes.
/// </summary>
[TestClass]
public sealed partial class TableTrainSearchTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-table-search");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    private string Config => folder.File("out/shapes.mtlconfig");

    private ProcessResult Search(params string[] more)
    {
        string data = TableTrainTests.WriteTable(folder.File("shapes.csv"), rows: 240);
        return InProcessCli.Run(["train", "--data", data, "--label", "tier", "--label", "size", "--out", folder.File("out"), "--seed", "2",
            "--time", "300", "--epochs", "6", .. more]);
    }

    [TestMethod]
    public void TheSearch_PrintsItsTrialsAndTopFive_AndItsConfigRepeatsAndResumesTheRun()
    {
        ProcessResult run = Search("--max-trials", "3");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        string output = run.StandardOutput;
        StringAssert.Contains(output, "search: successive halving (η = 3", run.Transcript);
        Assert.AreEqual(3, TrialLine().Matches(output).Count, run.Transcript);
        StringAssert.Contains(output, "search stopped: the trial limit (3) was reached", run.Transcript);
        StringAssert.Contains(output, "Top 3 of 3 trials by validation score", run.Transcript);
        StringAssert.Matches(output, new Regex(@"│ size\s+│ RootMeanSquaredError │"), run.Transcript);
        // The single-task baselines (ML.NET's trainers per label, same split) and the verdict.
        StringAssert.Contains(output, "baseline tier: LightGbmMulti validation", run.Transcript);
        StringAssert.Contains(output, "baseline size: LightGbmRegression validation", run.Transcript);
        StringAssert.Contains(output, "One multi-task model beside single-task baselines (test rows)", run.Transcript);
        StringAssert.Matches(output, new Regex(@"One multi-task model (beats|does not beat) separate single-task models on this data: Δm = [+-]?\d+\.\d\d %"), run.Transcript);
        StringAssert.Contains(output, $"wrote {Config}: repeat or resume with mtl train --config {Config}", run.Transcript);
        MtlConfig file = MtlConfig.Read(Config);
        Assert.AreEqual(3, file.RunHistory.Trials.Count);
        Assert.AreEqual(300, file.TrainingOption.TrainingTime);
        Assert.AreEqual(6, file.TrainingOption.SearchSpace.Epochs);
        Assert.AreEqual("Compared", file.Baselines.Status);
        CollectionAssert.AreEqual(new[] { "tier", "size" }, file.Baselines.Tasks!.Select(t => t.Task).ToArray());
        int best = file.RunHistory.BestTrial!.Value;

        // Repeat: every trial comes from the file (none trains again but the best, whose model the file does not hold).
        ProcessResult repeat = InProcessCli.Run("train", "--config", Config);
        Assert.AreEqual(0, repeat.ExitCode, repeat.Transcript);
        Assert.AreEqual(3, Regex.Matches(repeat.StandardOutput, @"\(resumed\)").Count, repeat.Transcript);
        StringAssert.Contains(repeat.StandardOutput, $"training trial {best} again", repeat.Transcript);
        Assert.AreEqual(best, MtlConfig.Read(Config).RunHistory.BestTrial);

        // Resume with a larger trial limit: trials 1–3 from the file, trial 4 trains.
        ProcessResult resume = InProcessCli.Run("train", "--config", Config, "--max-trials", "4");
        Assert.AreEqual(0, resume.ExitCode, resume.Transcript);
        Assert.AreEqual(4, TrialLine().Matches(resume.StandardOutput).Count, resume.Transcript);
        Assert.AreEqual(3, Regex.Matches(resume.StandardOutput, @"\(resumed\)").Count, resume.Transcript);
        Assert.AreEqual(4, MtlConfig.Read(Config).RunHistory.Trials.Count);
        Assert.AreEqual(4, MtlConfig.Read(Config).TrainingOption.MaxTrials);
    }

    [TestMethod]
    public void Arch_TrainsTheOneRunWithIt_TheConfigRecordsIt_AndRepeatsIt()
    {
        string data = TableTrainTests.WriteTable(folder.File("shapes.csv"), rows: 120);
        ProcessResult run = InProcessCli.Run("train", "--data", data, "--label", "tier", "--label", "size", "--out", folder.File("out"), "--seed", "2",
            "--epochs", "2", "--baselines", "none", "--arch", "mmoe(experts=3)");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        MtlConfig file = MtlConfig.Read(Config);
        Assert.AreEqual("mmoe(experts=3)", file.TrainingOption.Trainer.Architecture);
        Assert.AreEqual("mmoe(experts=3)", file.RunHistory.Trials.Single().Parameter.Architecture);

        // --config repeats the run with the recorded architecture (its one trial comes from the file, then trains again).
        ProcessResult repeat = InProcessCli.Run("train", "--config", Config);
        Assert.AreEqual(0, repeat.ExitCode, repeat.Transcript);
        StringAssert.Contains(repeat.StandardOutput, "mmoe(experts=3)", repeat.Transcript);
        Assert.AreEqual("mmoe(experts=3)", MtlConfig.Read(Config).TrainingOption.Trainer.Architecture);
        AssertRefused(InProcessCli.Run("train", "--config", Config, "--arch", "ple"), "--arch cannot be combined with --config");
    }

    [TestMethod]
    public void Arch_WithTime_FixesTheArchitectureOfEveryTrial()
    {
        ProcessResult run = Search("--max-trials", "2", "--baselines", "none", "--arch", "cgc");
        Assert.AreEqual(0, run.ExitCode, run.Transcript);
        MtlConfig file = MtlConfig.Read(Config);
        CollectionAssert.AreEqual(new[] { "cgc" }, file.TrainingOption.SearchSpace.Architectures!.ToArray());
        CollectionAssert.AreEqual(new[] { "cgc", "cgc" }, file.RunHistory.Trials.Select(t => t.Parameter.Architecture).ToArray());
    }

    [TestMethod]
    public void FlagsThatDoNotGoWithTheseModes_AreRefused()
    {
        string data = TableTrainTests.WriteTable(folder.File("shapes.csv"), rows: 60);
        AssertRefused(InProcessCli.Run("train", "--config", folder.File("x.mtlconfig"), "--label", "tier"), "--label cannot be combined with --config");
        AssertRefused(InProcessCli.Run("train", "--config", folder.File("x.mtlconfig"), "--seed", "4"), "--seed cannot be combined with --config");
        AssertRefused(InProcessCli.Run("train", "--data", data, "--label", "tier", "--time", "10", "--method", "uw"), "--method cannot be combined with --time");
        AssertRefused(InProcessCli.Run("train", "--data", data, "--label", "tier", "--max-trials", "2"), "--max-trials limits the search: give --time too");
        AssertRefused(InProcessCli.Run("train", "--data", data, "--label", "tier", "--time", "0"), "--time must be a positive number of seconds");
        AssertRefused(InProcessCli.Run("train", "--data", data, "--label", "tier", "--time", "9", "--baselines", "maybe"), "--baselines takes auto or none");
        AssertRefused(InProcessCli.Run("train", "--time", "9"), "--time belongs to --data");
        AssertRefused(InProcessCli.Run("train", "--config", folder.File("x.mtlconfig")), $"The configuration file '{folder.File("x.mtlconfig")}' does not exist");
        Assert.IsFalse(Directory.Exists(folder.File("out")));
    }

    [TestMethod]
    public void ABadConfig_IsRefused_NamingTheFieldAndTheFile()
    {
        Assert.AreEqual(0, Search("--max-trials", "1").ExitCode);
        JsonObject json = JsonNode.Parse(File.ReadAllText(Config))!.AsObject();
        json["TrainingOption"]!["Seeds"] = 3;
        File.WriteAllText(Config, json.ToJsonString());
        ProcessResult run = InProcessCli.Run("train", "--config", Config);
        AssertRefused(run, $"'{Config}': $.TrainingOption.Seeds:");

        json.Remove("TrainingOption");
        json["Version"] = 99;
        File.WriteAllText(Config, json.ToJsonString());
        AssertRefused(InProcessCli.Run("train", "--config", Config), "version 99 .mtlconfig, written by a newer mtl", "Upgrade mtl");
    }

    private static void AssertRefused(ProcessResult result, params string[] parts)
    {
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        StringAssert.StartsWith(result.StandardError, "error: ", result.Transcript);
        foreach (string part in parts) StringAssert.Contains(result.StandardError, part, result.Transcript);
    }

    // "    3   2  uw lr=0.004 wd=0 dropout=0.1 mlp…  +41.20   1.3s   +45.10 #1"
    [GeneratedRegex(@"^\s+\d+\s+\d+  \S+ lr=.*\s[+-]\d+\.\d\d\s+\d+\.\ds ", RegexOptions.Multiline)]
    private static partial Regex TrialLine();
}
