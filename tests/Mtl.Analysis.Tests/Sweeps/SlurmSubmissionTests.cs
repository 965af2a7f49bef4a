using System.Text.Json;
using Mtl.Analysis.Sweeps;
using Mtl.Analysis.Sweeps.Slurm;

namespace Mtl.Analysis.Tests.Sweeps;

/// <summary>The Slurm submission's pure parts and its refusals (the live cluster is in Mtl.Cli.Tests' SlurmSweepTests).</summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SlurmSubmissionTests
{
    private const string Grid = """
        { "base": { "trainRows": 64, "epochs": 1 }, "axes": { "method": ["ew", "pcgrad", "uw"] }, "seeds": [1, 2] }
        """;

    private static readonly AppCommand App = new("/opt/mtl's tools/dotnet", ["/opt/mtl.dll"]);

    private static string Scratch() => Directory.CreateTempSubdirectory("mtl-slurm-unit-").FullName;

    [TestMethod]
    public void ArrayIndicesAreARangeWhenContiguousElseAList()
    {
        Assert.AreEqual("1-4", SlurmSubmitter.FormatShards([1, 2, 3, 4]));
        Assert.AreEqual("2,4", SlurmSubmitter.FormatShards([2, 4]));
        Assert.AreEqual("3", SlurmSubmitter.FormatShards([3]));
    }

    [TestMethod]
    public void ADryRunWritesNothingAndItsScriptsQuotePathsForBash()
    {
        string root = Scratch();
        try
        {
            string work = Path.Combine(root, "w");
            SlurmSubmission dry = SlurmSubmitter.Submit(SweepGrid.Expand(Grid), work,
                new SlurmOptions { Shards = 3, CpusPerTask = 2, Partition = "short", Time = "1:00:00", DryRun = true }, App);
            Assert.IsNull(dry.Jobs);
            Assert.IsFalse(Directory.Exists(work), "a dry run writes nothing");
            CollectionAssert.AreEqual(new[] { 1, 2, 3 }, dry.Shards.ToArray());
            StringAssert.Contains(dry.ArrayScript, "#SBATCH --cpus-per-task=2");
            StringAssert.Contains(dry.ArrayScript, "#SBATCH --partition=short");
            StringAssert.Contains(dry.ArrayScript, "#SBATCH --time=1:00:00");
            // The quote in the path is closed, escaped and reopened.
            StringAssert.Contains(dry.ArrayScript, "exec '/opt/mtl'\\''s tools/dotnet' '/opt/mtl.dll' sweep run");
            StringAssert.Contains(dry.ArrayScript, "--shard \"$shard/3\"");
            StringAssert.Contains(dry.MergeScript, "sweep merge --out '" + Path.Combine(work, "results.jsonl") + "'");
            StringAssert.Contains(dry.Commands[0], "--array=1-3");
            StringAssert.Contains(dry.Commands[1], "--dependency=afterany:");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void AStudyFollowUpMergesIntoTheStudyAndWritesTheReportOnlyWhenComplete()
    {
        var followUp = new SlurmFollowUp("/r/sweep/results.jsonl", ["study", "pareto", "--preset", "paper", "--out", "/r"]);
        SlurmSubmission dry = SlurmSubmitter.Submit(SweepGrid.Expand(Grid), "/r/slurm-sweep", new SlurmOptions { Shards = 2, DryRun = true }, App, followUp);
        StringAssert.Contains(dry.MergeScript, "sweep merge --out '/r/sweep/results.jsonl'");
        StringAssert.Contains(dry.MergeScript, "sweep status '/r/slurm-sweep' --complete; then");
        StringAssert.Contains(dry.MergeScript, "'study' 'pareto' '--preset' 'paper' '--out' '/r'");
    }

    [TestMethod]
    public void BadSettingsAndFoldersAreRefusedNamingTheSetting()
    {
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, "/tmp/x", new SlurmOptions { Shards = 0, DryRun = true }, App)).Message, "--shards");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, "/tmp/x", new SlurmOptions { Shards = 7, DryRun = true }, App)).Message, "6 runs");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, "/tmp/x", new SlurmOptions { CpusPerTask = 0, DryRun = true }, App)).Message, "--cpus");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, "/tmp/x", new SlurmOptions { Time = "1 day", DryRun = true }, App)).Message, "--time");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, "/tmp/with space", new SlurmOptions { DryRun = true }, App)).Message, "space");
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => SlurmSubmitter.Submit(plan, "/tmp/never-submitted-" + Guid.NewGuid().ToString("N"),
            new SlurmOptions { Resume = true, DryRun = true }, App)).Message, "mtl sweep submit");
    }

    [TestMethod]
    public void ResumeRefusesAnotherPlanOrShardCount()
    {
        string root = Scratch();
        try
        {
            var layout = new SubmissionLayout(root);
            IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
            Directory.CreateDirectory(layout.SlurmFolder);
            File.WriteAllText(layout.PlanPath, JsonSerializer.Serialize(plan, RunConfig.Json));
            File.WriteAllText(layout.ManifestPath, """{ "shards": 2, "runs": 6, "submissions": [] }""");
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, root, new SlurmOptions { Shards = 3, Resume = true, DryRun = true }, App)).Message,
                "--shards 2");
            IReadOnlyList<RunConfig> other = SweepGrid.Expand(Grid.Replace("\"uw\"", "\"dwa\""));
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(other, root, new SlurmOptions { Shards = 2, Resume = true, DryRun = true }, App)).Message,
                "another plan");
            // Nothing recorded yet: both shards are resubmitted (no squeue lists them as queued).
            SlurmSubmission again = SlurmSubmitter.Submit(plan, root, new SlurmOptions { Shards = 2, Resume = true, DryRun = true }, App);
            CollectionAssert.AreEqual(new[] { 1, 2 }, again.Shards.ToArray());
            // A second fresh submission into the folder is refused.
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SlurmSubmitter.Submit(plan, root, new SlurmOptions { Shards = 2, DryRun = true }, App)).Message, "--resume");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void StatusCountsRecordedClaimedAndInterruptedRunsPerShard()
    {
        string root = Scratch();
        try
        {
            IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
            var layout = new SubmissionLayout(root);
            // Shard 1 of 2 holds grid positions 0, 2, 4: one finished, one interrupted (checkpoint, no claim), one pending.
            string shard1 = layout.ShardFolder(1);
            ResultsFile.Append(SweepRunner.ResultsPath(shard1), SweepTestSupport.FakeResult(plan[0], 0, 0.9));
            Directory.CreateDirectory(SweepRunner.CheckpointFolder(shard1, plan[2].Id));
            // Shard 2 (positions 1, 3, 5): one diverged, one claimed by a dead process, one pending.
            string shard2 = layout.ShardFolder(2);
            ResultsFile.Append(SweepRunner.ResultsPath(shard2), SweepTestSupport.FakeResult(plan[1], 1, 0.9) with { Status = RunStatus.Diverged });
            Directory.CreateDirectory(Path.Combine(shard2, "claims"));
            File.WriteAllText(Path.Combine(shard2, "claims", plan[3].Id + ".lock"), "");
            File.WriteAllText(Path.Combine(shard2, "claims", plan[3].Id + ".owner"), $"{Environment.MachineName} {int.MaxValue - 1}\n");

            SubmissionStatus status = SweepStatus.Read(root, plan, 2);
            Assert.AreEqual(new ShardStatus(1, 3, 1, 0, 0, 0, 1), status.Shards[0]);
            Assert.AreEqual(new ShardStatus(2, 3, 0, 0, 1, 0, 1), status.Shards[1]);
            Assert.AreEqual(1, status.Shards[0].Pending);
            Assert.IsFalse(status.Complete);

            // A claim held by a live process on this host (this one) counts as running.
            File.WriteAllText(Path.Combine(shard2, "claims", plan[3].Id + ".owner"), $"{Environment.MachineName} {Environment.ProcessId}\n");
            Assert.AreEqual(1, SweepStatus.Read(root, plan, 2).Shards[1].Running);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void AGridFileMayBeAnExpandedPlan()
    {
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(Grid);
        IReadOnlyList<RunConfig> again = SweepGrid.Expand(JsonSerializer.Serialize(plan, RunConfig.Json));
        CollectionAssert.AreEqual(plan.Select(p => p.Id).ToArray(), again.Select(p => p.Id).ToArray());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("[1]")).Message, "plan entry 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""[{"nope": 1}]""")).Message, "plan entry 0");
    }

    /// <summary>Runs <paramref name="body"/> with PATH set to <paramref name="path"/> only (the Slurm client is looked up there).</summary>
    private static void WithPath(string path, Action body)
    {
        string? saved = Environment.GetEnvironmentVariable("PATH");
        try
        {
            Environment.SetEnvironmentVariable("PATH", path);
            body();
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", saved);
        }
    }

    [TestMethod]
    public void WithoutSbatchTheErrorNamesTheFixAndNothingIsWritten()
    {
        string root = Scratch();
        try
        {
            string work = Path.Combine(root, "w");
            WithPath(Path.Combine(root, "empty-bin"), () =>
            {
                var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
                    SlurmSubmitter.Submit(SweepGrid.Expand(Grid), work, new SlurmOptions { Shards = 2 }, App));
                StringAssert.Contains(error.Message, "'sbatch' was not found on PATH");
                StringAssert.Contains(error.Message, "--dry-run");
            });
            Assert.IsFalse(Directory.Exists(work), "nothing is written when nothing can be submitted");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void AnSbatchThatRefusesTheJobIsReportedWithItsMessage()
    {
        string root = Scratch();
        try
        {
            string bin = Path.Combine(root, "bin");
            Directory.CreateDirectory(bin);
            string sbatch = Path.Combine(bin, "sbatch");
            File.WriteAllText(sbatch, "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n");
            File.SetUnixFileMode(sbatch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            WithPath(bin, () =>
            {
                var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
                    SlurmSubmitter.Submit(SweepGrid.Expand(Grid), Path.Combine(root, "w"), new SlurmOptions { Shards = 2, Partition = "nope" }, App));
                StringAssert.Contains(error.Message, "exit code 1");
                StringAssert.Contains(error.Message, "invalid partition specified: nope");
            });
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void TheJobIdsSbatchPrintsAreRecordedInTheManifest()
    {
        string root = Scratch();
        try
        {
            // A stand-in sbatch that prints "<id>;<cluster>" as --parsable does on a federated cluster.
            string bin = Path.Combine(root, "bin");
            Directory.CreateDirectory(bin);
            string sbatch = Path.Combine(bin, "sbatch");
            File.WriteAllText(sbatch, "#!/bin/sh\ncase \"$*\" in *--array=*) echo '41;alpha' ;; *) echo '42;alpha' ;; esac\n");
            File.SetUnixFileMode(sbatch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            string work = Path.Combine(root, "w");
            SlurmSubmission submitted = null!;
            WithPath(bin, () => submitted = SlurmSubmitter.Submit(SweepGrid.Expand(Grid), work, new SlurmOptions { Shards = 2 }, App));
            Assert.AreEqual("41", submitted.Jobs!.ArrayJobId);
            Assert.AreEqual("42", submitted.Jobs.MergeJobId);
            SubmissionManifest manifest = SubmissionManifest.Read(new SubmissionLayout(work));
            Assert.AreEqual(2, manifest.Shards);
            Assert.AreEqual("41", manifest.Submissions.Single().ArrayJobId);
            Assert.IsTrue(File.Exists(Path.Combine(work, "slurm", "array.sh")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
