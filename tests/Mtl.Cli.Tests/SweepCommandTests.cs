using System.Diagnostics;
using Mtl.Analysis.Sweeps;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>`mtl sweep` as the user runs it: child processes of the built app (so --jobs can start its workers), plus the error paths in process.</summary>
[TestClass]
public sealed class SweepCommandTests
{
    private const string Grid = """
        {
          "base": { "trainRows": 256, "validationRows": 128, "testRows": 128, "epochs": 2, "batchSize": 64 },
          "axes": { "method": ["ew", "uw", "pcgrad"] },
          "seeds": [1]
        }
        """;

    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-sweep");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    private ProcessResult Mtl(params string[] args) => ChildProcess.RunDotnet(BuiltApps.MtlCli, folder.Path, args);

    [TestMethod]
    public void JobsTwoThenTwoShardsMergedGiveTheSameResults()
    {
        File.WriteAllText(folder.File("grid.json"), Grid);
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
        // Every sweep here runs with --jobs 2, so every run trains in a worker with the same thread count.
        ProcessResult whole = Mtl("sweep", "run", "--grid", "grid.json", "--work", "whole", "--jobs", "2");
        Assert.AreEqual(0, whole.ExitCode, whole.Transcript);
        StringAssert.Contains(whole.StandardOutput, "trained 3, already recorded 0");
        foreach (int shard in new[] { 1, 2 })
        {
            ProcessResult part = Mtl("sweep", "run", "--grid", "grid.json", "--work", $"shard{shard}", "--shard", $"{shard}/2", "--jobs", "2");
            Assert.AreEqual(0, part.ExitCode, part.Transcript);
        }
        ProcessResult merge = Mtl("sweep", "merge", "--out", "merged.jsonl", "shard2/results.jsonl", "shard1/results.jsonl");
        Assert.AreEqual(0, merge.ExitCode, merge.Transcript);
        StringAssert.Contains(merge.StandardOutput, "3 runs");

        IReadOnlyList<RunResult> merged = ResultsFile.Read(folder.File("merged.jsonl")).Results;
        IReadOnlyList<RunResult> unsharded = SweepMerge.Merge([folder.File("whole/results.jsonl")]);
        CollectionAssert.AreEqual(plan.Select(p => p.Id).ToArray(), merged.Select(r => r.Id).ToArray(), "merged file is in grid order");
        for (int i = 0; i < plan.Count; i++)
            Assert.IsTrue(merged[i].SameOutcome(unsharded[i]), $"{ResultsFile.Serialize(merged[i])}\nvs\n{ResultsFile.Serialize(unsharded[i])}");

        // A rerun of a finished sweep trains nothing.
        ProcessResult again = Mtl("sweep", "run", "--grid", "grid.json", "--work", "whole", "--jobs", "2");
        Assert.AreEqual(0, again.ExitCode, again.Transcript);
        StringAssert.Contains(again.StandardOutput, "trained 0, already recorded 3");
    }

    [TestMethod]
    public void AKilledSweepResumesWithoutRedoingTheFinishedRun()
    {
        const string grid = """
            {
              "base": { "trainRows": 512, "validationRows": 128, "testRows": 128, "batchSize": 64 },
              "runs": [ { "epochs": 1 }, { "epochs": 8, "method": "uw" } ],
              "seeds": [1]
            }
            """;
        File.WriteAllText(folder.File("grid.json"), grid);
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(grid);
        string results = folder.File("work/results.jsonl"), latest = folder.File($"work/checkpoints/{plan[1].Id}/latest.json");

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { BuiltApps.MtlCli, "sweep", "run", "--grid", "grid.json", "--work", "work" }) start.ArgumentList.Add(a);
        using (Process sweep = Process.Start(start)!)
        {
            _ = sweep.StandardOutput.ReadToEndAsync();
            _ = sweep.StandardError.ReadToEndAsync();
            // Kill it as soon as the second run has checkpointed an epoch: the first run is recorded, the second is mid-way.
            var watch = Stopwatch.StartNew();
            while (!File.Exists(latest) && !sweep.HasExited && watch.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(5);
            Assert.IsFalse(sweep.HasExited, "the sweep ended before its second run checkpointed an epoch");
            sweep.Kill(entireProcessTree: true);
            sweep.WaitForExit();
        }
        ResultsReadout killed = ResultsFile.Read(results);
        Assert.AreEqual(1, killed.Results.Count, "only the first run was recorded before the kill");
        string firstLine = File.ReadAllLines(results)[0];

        ProcessResult resumed = Mtl("sweep", "run", "--grid", "grid.json", "--work", "work");
        Assert.AreEqual(0, resumed.ExitCode, resumed.Transcript);
        StringAssert.Contains(resumed.StandardOutput, "trained 1, already recorded 1");
        string[] lines = File.ReadAllLines(results);
        Assert.AreEqual(2, lines.Length);
        Assert.AreEqual(firstLine, lines[0], "the finished run was not redone");
        RunResult second = ResultsFile.Read(results).Results[1];
        Assert.AreEqual(plan[1].Id, second.Id);
        Assert.IsTrue(second.ResumedFromEpoch >= 1, $"the second run started over: {lines[1]}");
        Assert.AreEqual(8, second.Epochs.Length);
        Assert.IsFalse(Directory.Exists(folder.File($"work/checkpoints/{plan[1].Id}")), "a recorded run's checkpoints are deleted");
    }

    [TestMethod]
    public void BadInputFailsWithOneErrorLineAndExitCodeOne()
    {
        ProcessResult missing = InProcessCli.Run("sweep", "run", "--grid", folder.File("none.json"), "--work", folder.File("w"));
        Assert.AreEqual(1, missing.ExitCode, missing.Transcript);
        StringAssert.StartsWith(missing.StandardError, "error: ");
        StringAssert.Contains(missing.StandardError, "none.json");

        File.WriteAllText(folder.File("grid.json"), Grid);
        ProcessResult shard = InProcessCli.Run("sweep", "run", "--grid", folder.File("grid.json"), "--work", folder.File("w"), "--shard", "0/2");
        Assert.AreEqual(1, shard.ExitCode, shard.Transcript);
        StringAssert.Contains(shard.StandardError, "--shard");

        ProcessResult jobs = InProcessCli.Run("sweep", "run", "--grid", folder.File("grid.json"), "--work", folder.File("w"), "--jobs", "0");
        Assert.AreEqual(1, jobs.ExitCode, jobs.Transcript);
        StringAssert.Contains(jobs.StandardError, "--jobs must be at least 1; got 0");

        File.WriteAllText(folder.File("w-file"), "keep me");
        ProcessResult workFile = InProcessCli.Run("sweep", "run", "--grid", folder.File("grid.json"), "--work", folder.File("w-file"));
        Assert.AreEqual(1, workFile.ExitCode, workFile.Transcript);
        StringAssert.Contains(workFile.StandardError, "is a file; pass a folder path");
        Assert.AreEqual("keep me", File.ReadAllText(folder.File("w-file")));

        ProcessResult noInput = InProcessCli.Run("sweep", "merge", "--out", folder.File("m.jsonl"), folder.File("none.jsonl"));
        Assert.AreEqual(1, noInput.ExitCode, noInput.Transcript);
        StringAssert.Contains(noInput.StandardError, "none.jsonl");

        File.WriteAllText(folder.File("typo.json"), """{ "axes": { "lr": [0.1] } }""");
        ProcessResult typo = InProcessCli.Run("sweep", "run", "--grid", folder.File("typo.json"), "--work", folder.File("w"));
        Assert.AreEqual(1, typo.ExitCode, typo.Transcript);
        StringAssert.Contains(typo.StandardError, "learningRate");
        Assert.IsFalse(Directory.Exists(folder.File("w")), "a rejected grid leaves no work folder");

        // Two files that disagree on one run: the merge names it and writes nothing.
        RunConfig run = SweepGrid.Expand(Grid)[0];
        RunResult result = new() { Id = run.Id, Index = 0, Config = run, Status = RunStatus.Finished, TestAtSelected = new SplitFigures([1], [0.5]) };
        ResultsFile.Append(folder.File("a.jsonl"), result);
        ResultsFile.Append(folder.File("b.jsonl"), result with { TestAtSelected = new SplitFigures([1], [0.6]) });
        ProcessResult conflict = InProcessCli.Run("sweep", "merge", "--out", folder.File("m.jsonl"), folder.File("a.jsonl"), folder.File("b.jsonl"));
        Assert.AreEqual(1, conflict.ExitCode, conflict.Transcript);
        StringAssert.Contains(conflict.StandardError, run.Id);
        Assert.IsFalse(File.Exists(folder.File("m.jsonl")));
    }
}
