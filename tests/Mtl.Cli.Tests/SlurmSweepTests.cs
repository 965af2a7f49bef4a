using System.Diagnostics;
using System.Text.Json;
using Mtl.Analysis.Sweeps;
using Mtl.Analysis.Sweeps.Slurm;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl sweep submit</c> against a live single-node Slurm (<see cref="SlurmCluster"/>): a job array of shards and a
/// merge job give the same results as an unsharded run; a cancelled array task is resubmitted by <c>--resume</c> and
/// its run resumes from its checkpoint with identical results. When Slurm cannot be started the tests fail with the
/// reason; they never skip.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmSweepTests
{
    // 8 runs, 4 shards; long enough per epoch that a task can be cancelled mid-run.
    private const string Grid = """
        {
          "name": "slurm-test",
          "base": { "trainRows": 1024, "validationRows": 128, "testRows": 128, "epochs": 4, "batchSize": 64 },
          "axes": { "method": ["ew", "pcgrad"], "learningRate": [0.01, 0.001] },
          "seeds": [1, 2]
        }
        """;

    private static SlurmCluster? s_cluster;
    private static TempFolder s_folder = null!;
    private static IReadOnlyList<RunResult>? s_unsharded;

    [ClassInitialize]
    public static void StartSlurm(TestContext _)
    {
        s_folder = new TempFolder("mtl-slurm-tests");
        File.WriteAllText(s_folder.File("grid.json"), Grid);
        s_cluster = SlurmCluster.Start();
    }

    [ClassCleanup]
    public static void StopSlurm()
    {
        s_cluster?.Dispose();
        s_folder.Dispose();
    }

    private static SlurmCluster Cluster => s_cluster ?? throw new InvalidOperationException("The test Slurm did not start.");

    private static ProcessResult Mtl(params string[] args) => ChildProcess.RunDotnetWith(Cluster.Environment, BuiltApps.MtlCli, s_folder.Path, args);

    /// <summary>The same grid swept in one process with one thread, as the array tasks train (--cpus 1).</summary>
    private static IReadOnlyList<RunResult> Unsharded()
    {
        if (s_unsharded is null)
        {
            ProcessResult whole = Mtl("sweep", "run", "--grid", "grid.json", "--work", "whole", "--threads", "1");
            Assert.AreEqual(0, whole.ExitCode, whole.Transcript);
            s_unsharded = SweepMerge.Merge([s_folder.File("whole/results.jsonl")]);
        }
        return s_unsharded;
    }

    private static SlurmJobPair LastSubmission(string work)
    {
        var manifest = JsonSerializer.Deserialize<SubmissionManifest>(File.ReadAllText(Path.Combine(s_folder.File(work), "slurm", "submission.json")),
            new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase })!;
        return manifest.Submissions[^1];
    }

    private static void AssertSameAsUnsharded(string mergedPath)
    {
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
        IReadOnlyList<RunResult> merged = ResultsFile.Read(mergedPath).Results;
        IReadOnlyList<RunResult> unsharded = Unsharded();
        CollectionAssert.AreEqual(plan.Select(p => p.Id).ToArray(), merged.Select(r => r.Id).ToArray(), "the merged file holds every run, in grid order");
        for (int i = 0; i < plan.Count; i++)
            Assert.IsTrue(merged[i].SameOutcome(unsharded[i]), $"run {i}: {ResultsFile.Serialize(merged[i])}\nvs\n{ResultsFile.Serialize(unsharded[i])}");
    }

    [TestMethod]
    public void DryRunPrintsTheScriptsAndSubmitsNothing()
    {
        ProcessResult dry = Mtl("sweep", "submit", "--grid", "grid.json", "--work", "dry", "--shards", "4", "--cpus", "1", "--time", "0:30:00", "--dry-run");
        Assert.AreEqual(0, dry.ExitCode, dry.Transcript);
        StringAssert.Contains(dry.StandardOutput, "#SBATCH --time=0:30:00");
        StringAssert.Contains(dry.StandardOutput, "--shard \"$shard/4\" --threads \"$threads\"");
        StringAssert.Contains(dry.StandardOutput, "sbatch --parsable --array=1-4");
        StringAssert.Contains(dry.StandardOutput, "--dependency=afterany:");
        Assert.IsFalse(Directory.Exists(s_folder.File("dry")), "a dry run writes nothing");
    }

    [TestMethod]
    public void AJobArrayOfShardsAndAMergeJobGiveTheUnshardedResults()
    {
        var watch = Stopwatch.StartNew();
        ProcessResult submit = Mtl("sweep", "submit", "--grid", "grid.json", "--work", "array", "--shards", "4", "--cpus", "1");
        Assert.AreEqual(0, submit.ExitCode, submit.Transcript);
        StringAssert.Contains(submit.StandardOutput, "submitted shards 1-4 of 4");
        SlurmJobPair jobs = LastSubmission("array");
        Cluster.WaitForJobs(TimeSpan.FromMinutes(10), jobs.ArrayJobId, jobs.MergeJobId);
        Console.WriteLine($"array of 4 shards + merge: {watch.Elapsed.TotalSeconds:0} s");

        ProcessResult status = Mtl("sweep", "status", "array", "--complete");
        Assert.AreEqual(0, status.ExitCode, status.Transcript + Cluster.Logs());
        StringAssert.Contains(status.StandardOutput, "complete: all 8 runs recorded");
        string mergeLog = Directory.GetFiles(s_folder.File("array/slurm/logs"), "merge-*.out").Single();
        StringAssert.Contains(File.ReadAllText(mergeLog), "merged 4 files");
        AssertSameAsUnsharded(s_folder.File("array/results.jsonl"));
    }

    [TestMethod]
    public void ACancelledArrayTaskIsResubmittedAndItsRunResumesFromItsCheckpoint()
    {
        ProcessResult submit = Mtl("sweep", "submit", "--grid", "grid.json", "--work", "cancel", "--shards", "4", "--cpus", "1");
        Assert.AreEqual(0, submit.ExitCode, submit.Transcript);
        SlurmJobPair first = LastSubmission("cancel");

        // Cancel shard 2 as soon as one of its runs has checkpointed an epoch and is still training.
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
        string shardFolder = s_folder.File("cancel/shard-2");
        string[] ids = new ShardSpec(2, 4).Select(plan.Count).Select(i => plan[i].Id).ToArray();
        var watch = Stopwatch.StartNew();
        bool cancelled = false;
        while (watch.Elapsed < TimeSpan.FromMinutes(5) && !cancelled)
        {
            var recorded = ResultsFile.Read(SweepRunner.ResultsPath(shardFolder)).Results.Select(r => r.Id).ToHashSet();
            if (ids.Any(id => !recorded.Contains(id) && File.Exists(Path.Combine(SweepRunner.CheckpointFolder(shardFolder, id), "latest.json"))))
            {
                (int code, _, string error) = Cluster.Client("scancel", $"{first.ArrayJobId}_2");
                Assert.AreEqual(0, code, error);
                cancelled = true;
            }
            else Thread.Sleep(100);
        }
        Assert.IsTrue(cancelled, "shard 2 never checkpointed a run in progress" + Cluster.Logs());
        Cluster.WaitForJobs(TimeSpan.FromMinutes(10), first.ArrayJobId, first.MergeJobId);

        ProcessResult incomplete = Mtl("sweep", "status", "cancel", "--complete");
        Assert.AreEqual(3, incomplete.ExitCode, incomplete.Transcript);
        ShardStatus shard2 = SweepStatus.Read(s_folder.File("cancel")).Shards[1];
        Assert.IsGreaterThan(0, shard2.Unrecorded, "the cancelled shard left runs unrecorded");
        Assert.IsGreaterThan(0, shard2.Interrupted, "its run in progress shows as interrupted (checkpoint, no live claim)");

        ProcessResult resume = Mtl("sweep", "submit", "--grid", "grid.json", "--work", "cancel", "--shards", "4", "--cpus", "1", "--resume");
        Assert.AreEqual(0, resume.ExitCode, resume.Transcript);
        StringAssert.Contains(resume.StandardOutput, "submitted shards 2 of 4");
        SlurmJobPair second = LastSubmission("cancel");
        CollectionAssert.AreEqual(new[] { 2 }, second.Shards);
        Cluster.WaitForJobs(TimeSpan.FromMinutes(10), second.ArrayJobId, second.MergeJobId);
        StringAssert.Contains(File.ReadAllText(s_folder.File("cancel/slurm/logs/shard-2.out")), "resum", "the resubmitted task resumed its run from the checkpoint");

        ProcessResult complete = Mtl("sweep", "status", "cancel", "--complete");
        Assert.AreEqual(0, complete.ExitCode, complete.Transcript);
        AssertSameAsUnsharded(s_folder.File("cancel/results.jsonl"));

        // Nothing is left to resubmit.
        ProcessResult again = Mtl("sweep", "submit", "--grid", "grid.json", "--work", "cancel", "--shards", "4", "--resume");
        Assert.AreEqual(0, again.ExitCode, again.Transcript);
        StringAssert.Contains(again.StandardOutput, "nothing to resubmit");
    }

    [TestMethod]
    public void AStudySubmittedToSlurmWritesItsReportFromTheMergeJob()
    {
        ProcessResult submit = Mtl("study", "optimizers", "--preset", "smoke", "--out", "study", "--submit", "slurm", "--shards", "2", "--cpus", "1");
        Assert.AreEqual(0, submit.ExitCode, submit.Transcript);
        StringAssert.Contains(submit.StandardOutput, "submitted shards 1-2 of 2");
        SlurmJobPair jobs = LastSubmission("study/slurm-sweep");
        Cluster.WaitForJobs(TimeSpan.FromMinutes(10), jobs.ArrayJobId, jobs.MergeJobId);
        string mergeLog = Directory.GetFiles(s_folder.File("study/slurm-sweep/slurm/logs"), "merge-*.out").Single();
        Assert.IsTrue(File.Exists(s_folder.File("study/report.md")), "the merge job wrote the report:\n" + File.ReadAllText(mergeLog));
        // The report was written from the array's results: the study trained nothing in the merge job.
        StringAssert.Matches(File.ReadAllText(mergeLog), new System.Text.RegularExpressions.Regex(@"sweep 1/1: 0 of (\d+) runs to train \(\1 already recorded\)"));
        Assert.IsNotEmpty(Directory.GetFiles(s_folder.File("study/plots"), "*.png"));
    }
}
