using System.Text;
using Mtl.Analysis.Sweeps;
using Mtl.Trainers;

namespace Mtl.Analysis.Tests.Sweeps;

/// <summary>Issue 18, defects 1, 5 and 6: sweeps under divergence, damaged files, bad grids, shared folders and long histories.</summary>
[TestClass]
public sealed class SweepFaultTests
{
    [ClassCleanup]
    public static void DeleteFolders() => SweepTestSupport.DeleteAll();

    [TestMethod]
    public void DivergingRunsOfEveryMethodFamilyAreRecordedAsDivergedAndTheSweepGoesOn()
    {
        // The issue's grid: before, IMTL's Gramian check threw ArgumentException and every rerun stopped at that run.
        RunConfig diverging = SweepTestSupport.Tiny with { TrainRows = 1024, Epochs = 1, Optimizer = OptimizerKind.Sgd, LearningRate = 1000, BatchSize = 64 };
        RunConfig[] plan = new[] { "ew", "imtl", "rlw", "nashmtl", "famo" }.Select(m => diverging with { Method = m }).ToArray();
        SweepOutcome outcome = SweepRunner.Run(plan, SweepTestSupport.NewFolder("diverge"));
        Assert.AreEqual(plan.Length, outcome.Results.Count);
        foreach (RunResult r in outcome.Results)
            Assert.AreEqual(RunStatus.Diverged, r.Status, $"{r.Config.Method}: {r.Reason}");
        RunResult imtl = outcome.Results[1];
        StringAssert.Contains(imtl.Reason, "Gramian");
        StringAssert.Contains(imtl.Reason, "training diverged");
        Assert.AreEqual(0, imtl.SelectedEpoch);
    }

    [TestMethod]
    public void ADamagedEpochRecordFileIsAClearErrorNamingItAndWhatToDo()
    {
        RunConfig run = SweepTestSupport.Tiny with { Epochs = 1 };
        string work = SweepTestSupport.NewFolder("damaged-records");
        string records = Path.Combine(SweepRunner.CheckpointFolder(work, run.Id), RunExecutor.RecordFileName);
        Directory.CreateDirectory(Path.GetDirectoryName(records)!);
        File.WriteAllText(records, "[{\"epoch\": 1, \"learn");
        // Before: a JsonException with a stack trace (the checkpoint's hashes do not cover this file).
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SweepRunner.Run([run], work));
        StringAssert.Contains(e.Message, records);
        StringAssert.Contains(e.Message, "is damaged");
        StringAssert.Contains(e.Message, $"Delete the folder '{Path.GetDirectoryName(records)}'");
    }

    [TestMethod]
    public void FixedWeightsOfTheWrongCountOrAllZeroAreRefusedWhenTheGridIsRead()
    {
        // Before, both were found only when that run started, after the others trained, naming neither run nor grid.
        const string wrongCount = """{ "runs": [ { "method": "fixed", "weights": [1, 1] }, { "method": "fixed", "weights": [0.2, 0.3, 0.5] } ] }""";
        var count = Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand(wrongCount));
        StringAssert.Contains(count.Message, "grid position 1");
        StringAssert.Contains(count.Message, "'weights' needs one weight per task (Left, Right): 2 values; got 3");
        const string allZero = """{ "runs": [ { "method": "fixed", "weights": [0, 0] } ] }""";
        var zero = Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand(allZero));
        StringAssert.Contains(zero.Message, "grid position 0");
        StringAssert.Contains(zero.Message, "must not all be zero");
        string path = Path.Combine(SweepTestSupport.NewFolder("grid"), "grid.json");
        File.WriteAllText(path, allZero);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Load(path)).Message, $"Grid file '{path}'");
    }

    [TestMethod]
    public void ARerunOfAFinishedSweepLeavesItsFolderAsItWas()
    {
        // A finished folder may be read-only (an archive): before, every rerun rewrote plan.json through a temp file there.
        RunConfig run = SweepTestSupport.Tiny with { Epochs = 1 };
        string work = SweepTestSupport.NewFolder("finished");
        SweepOutcome first = SweepRunner.Run([run], work);
        string plan = Path.Combine(work, SweepRunner.PlanFileName);
        var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(plan, old);
        string[] before = Directory.GetFileSystemEntries(work, "*", SearchOption.AllDirectories);
        SweepOutcome again = SweepRunner.Run([run], work);
        Assert.AreEqual(old, File.GetLastWriteTimeUtc(plan), "plan.json was rewritten");
        CollectionAssert.AreEquivalent(before, Directory.GetFileSystemEntries(work, "*", SearchOption.AllDirectories));
        Assert.AreEqual((1, 0), (again.Skipped, again.Trained));
        Assert.IsTrue(first.Results[0].SameOutcome(again.Results[0]));
    }

    [TestMethod]
    public void ASweepWaitsForARunThatAnotherSweepOnItsFolderIsTraining()
    {
        RunConfig mine = SweepTestSupport.Tiny with { Epochs = 1 }, theirs = SweepTestSupport.Tiny with { Epochs = 1, Method = "uw" };
        string work = SweepTestSupport.NewFolder("shared");
        string claims = Path.Combine(work, "claims");
        Directory.CreateDirectory(claims);
        // The other sweep's claim on its run: the same exclusive open that RunClaim makes.
        var otherClaim = new FileStream(Path.Combine(claims, theirs.Id + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            Task<SweepOutcome> sweep = Task.Run(() => SweepRunner.Run([theirs, mine], work));
            string results = SweepRunner.ResultsPath(work);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (ResultsFile.Read(results).Results.Count == 0 && !sweep.IsCompleted && DateTime.UtcNow < deadline) Thread.Sleep(100);
            Thread.Sleep(2000);
            // Before: it failed at once ("ended with 1 runs of its slice unrecorded") while the other sweep still trained.
            Assert.IsFalse(sweep.IsCompleted, sweep.Exception?.ToString() ?? "the sweep returned without the other run");
            RunResult other = RunExecutor.Execute(theirs, 0, Path.Combine(work, "other-checkpoints"));
            ResultsFile.Append(results, other);
            otherClaim.Dispose();
            Assert.IsTrue(sweep.Wait(TimeSpan.FromMinutes(1)), "the sweep did not notice the other run's line");
            SweepOutcome outcome = sweep.Result;
            Assert.AreEqual(2, outcome.Results.Count);
            Assert.IsTrue(outcome.Results[0].SameOutcome(other));
            Assert.AreEqual(mine.Id, outcome.Results[1].Id);
        }
        finally
        {
            otherClaim.Dispose();
        }
    }

    [TestMethod]
    public void RecordedRunsReadsOnlyWhatWasAppendedAndWaitsForATornLineToBeCompleted()
    {
        string path = Path.Combine(SweepTestSupport.NewFolder("incremental"), SweepRunner.ResultsFileName);
        RunResult Result(int seed)
        {
            RunConfig config = SweepTestSupport.Tiny with { Seed = seed };
            return new RunResult { Id = config.Id, Index = seed, Config = config, Status = RunStatus.NotApplicable, Reason = "test" };
        }
        var recorded = new RecordedRuns(path);
        Assert.AreEqual(0, recorded.Refresh().Count, "a missing file reads as empty");
        ResultsFile.Append(path, Result(1));
        ResultsFile.Append(path, Result(2));
        CollectionAssert.AreEqual(new[] { Result(1).Id, Result(2).Id }, recorded.Refresh().Select(r => r.Id).ToArray());
        Assert.AreEqual(0, recorded.Refresh().Count, "nothing new");
        // A writer killed mid-line: the fragment is not a result yet; the next writer cuts it and appends a whole line.
        File.AppendAllText(path, ResultsFile.Serialize(Result(3))[..40]);
        Assert.AreEqual(0, recorded.Refresh().Count);
        ResultsFile.Append(path, Result(4));
        CollectionAssert.AreEqual(new[] { Result(4).Id }, recorded.Refresh().Select(r => r.Id).ToArray());
        Assert.IsTrue(recorded.Contains(Result(1).Id) && recorded.Contains(Result(4).Id) && !recorded.Contains(Result(3).Id));
        // A damaged complete line is named by its line number, counted across the incremental reads.
        File.AppendAllText(path, "not json\n", Encoding.UTF8);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => recorded.Refresh()).Message, "line 4");
    }

    [TestMethod]
    public void AMillionRunGridIsPlannedLazilyAndItsPlanIsTheGridNotItsExpansion()
    {
        // Before: 10⁶ configs in memory (2.2 GB) and a 364 MB plan.json per shard folder.
        string grid = """
            { "base": { "trainRows": 2000 }, "axes": { "method": ["ew", "pcgrad"], "learningRate": [LRS] }, "seeds": [SEEDS] }
            """.Replace("LRS", string.Join(", ", Enumerable.Range(1, 500).Select(i => (i * 1e-5).ToString("R", System.Globalization.CultureInfo.InvariantCulture))))
            .Replace("SEEDS", string.Join(", ", Enumerable.Range(1, 1000)));
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        IReadOnlyList<RunConfig> plan = SweepGrid.Expand(grid, validate: false);
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.AreEqual(1_000_000, plan.Count);
        Assert.IsTrue(allocated < 16_000_000, $"planning allocated {allocated:N0} bytes: the runs were expanded eagerly");
        // Grid order: axes in file order (the first slowest), seeds innermost.
        RunConfig last = plan[999_999], some = plan[1000 * 500 + 1000 * 2 + 6];
        Assert.AreEqual(("pcgrad", 500 * 1e-5, 1000), (last.Method, last.LearningRate, last.Seed));
        Assert.AreEqual(("pcgrad", 3 * 1e-5, 7), (some.Method, some.LearningRate, some.Seed));
        Assert.AreEqual(2000, some.TrainRows);
        string work = SweepTestSupport.NewFolder("million");
        SweepRunner.WritePlan(work, plan);
        long bytes = new FileInfo(Path.Combine(work, SweepRunner.PlanFileName)).Length;
        Assert.IsTrue(bytes < 20_000, $"plan.json holds {bytes:N0} bytes: the expansion, not the grid");
    }
}
