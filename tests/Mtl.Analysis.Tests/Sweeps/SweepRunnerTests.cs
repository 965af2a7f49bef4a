using Mtl.Analysis.Studies;
using Mtl.Analysis.Sweeps;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;

namespace Mtl.Analysis.Tests.Sweeps;

[TestClass]
public sealed class SweepRunnerTests
{
    [ClassCleanup]
    public static void DeleteFolders() => SweepTestSupport.DeleteAll();

    [TestMethod]
    public void TwoShardsMergedEqualOneUnshardedRun()
    {
        RunConfig[] plan =
        [
            SweepTestSupport.Tiny,
            SweepTestSupport.Tiny with { Method = "pcgrad" },
            SweepTestSupport.Tiny with { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05 },
        ];
        string whole = SweepTestSupport.NewFolder("whole"), left = SweepTestSupport.NewFolder("shard1"), right = SweepTestSupport.NewFolder("shard2");
        SweepOutcome all = SweepRunner.Run(plan, whole);
        SweepOutcome one = SweepRunner.Run(plan, left, new SweepOptions { Shard = new ShardSpec(1, 2) });
        SweepOutcome two = SweepRunner.Run(plan, right, new SweepOptions { Shard = new ShardSpec(2, 2) });
        Assert.AreEqual((3, 2, 1), (all.Results.Count, one.Results.Count, two.Results.Count));

        IReadOnlyList<RunResult> merged = SweepMerge.Merge([SweepRunner.ResultsPath(left), SweepRunner.ResultsPath(right)]);
        Assert.AreEqual(3, merged.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(RunStatus.Finished, all.Results[i].Status);
            Assert.AreEqual(plan[i].Id, merged[i].Id);
            Assert.IsTrue(merged[i].SameOutcome(all.Results[i]), $"run {i}: {ResultsFile.Serialize(merged[i])}\nvs\n{ResultsFile.Serialize(all.Results[i])}");
            CollectionAssert.AreEqual(all.Results[i].TestAtSelected!.Metric, merged[i].TestAtSelected!.Metric);
        }
        // Everything a study needs is there: per-epoch figures of all three splits, the selection, the test at it.
        RunResult r = all.Results[0];
        Assert.AreEqual(2, r.Epochs.Length);
        Assert.IsTrue(r.Epochs.All(e => e.Test.Metric.All(m => m is > 0 and <= 1) && e.Validation.Metric.All(m => m is > 0 and <= 1)));
        Assert.IsTrue(r.SelectedEpoch is 1 or 2);
        CollectionAssert.AreEqual(r.Epochs[r.SelectedEpoch - 1].Test.Metric, r.TestAtSelected!.Metric);
        Assert.IsTrue(all.Results[1].Solver.Calls >= 0);
        // Finished runs leave no checkpoints behind.
        Assert.IsFalse(Directory.EnumerateDirectories(Path.Combine(whole, "checkpoints")).Any());
    }

    [TestMethod]
    public void ARerunSkipsFinishedRunsAndResumesTheInterruptedOneFromItsCheckpoint()
    {
        RunConfig first = SweepTestSupport.Tiny with { Epochs = 3 }, second = SweepTestSupport.Tiny with { Epochs = 3, Method = "uw" };
        RunConfig[] plan = [first, second];
        string work = SweepTestSupport.NewFolder("resume");
        using var stop = new CancellationTokenSource();
        // Interrupt the second run after its second epoch (its checkpoint of epoch 2 is written before the next step).
        var interrupted = new SweepOptions
        {
            Cancellation = stop.Token,
            Monitors = config => config.Id == second.Id ? [new CancelAfterEpoch(2, stop)] : [],
        };
        Assert.ThrowsExactly<OperationCanceledException>(() => SweepRunner.Run(plan, work, interrupted));
        ResultsReadout partial = ResultsFile.Read(SweepRunner.ResultsPath(work));
        Assert.AreEqual(1, partial.Results.Count);
        Assert.AreEqual(first.Id, partial.Results[0].Id);
        Assert.IsTrue(File.Exists(Path.Combine(SweepRunner.CheckpointFolder(work, second.Id), "latest.json")));

        var progress = new RecordingProgress();
        SweepOutcome resumed = SweepRunner.Run(plan, work, new SweepOptions { Progress = progress });
        Assert.AreEqual((1, 1), (resumed.Trained, resumed.Skipped));
        Assert.AreEqual(1, progress.Advances.Count, "only the interrupted run is trained again");
        Assert.AreEqual(partial.Results[0].FinishedAt, resumed.Results[0].FinishedAt, "the finished run is not redone");
        Assert.AreEqual(2, resumed.Results[1].ResumedFromEpoch);
        Assert.AreEqual(3, resumed.Results[1].Epochs.Length);
        Assert.AreEqual(2, ResultsFile.Read(SweepRunner.ResultsPath(work)).Results.Count);

        // Bit-exact: the resumed run equals the same run trained in one go.
        SweepOutcome straight = SweepRunner.Run([second], SweepTestSupport.NewFolder("straight"));
        Assert.IsTrue(resumed.Results[1].SameOutcome(straight.Results[0]),
            $"{ResultsFile.Serialize(resumed.Results[1])}\nvs\n{ResultsFile.Serialize(straight.Results[0])}");
    }

    [TestMethod]
    public void AnInapplicableCombinationIsRecordedAndTheSweepGoesOn()
    {
        RunConfig[] plan = [SweepTestSupport.Tiny with { Method = "graddrop", Optimizer = OptimizerKind.PerTaskAdam }, SweepTestSupport.Tiny with { Epochs = 1 }];
        SweepOutcome outcome = SweepRunner.Run(plan, SweepTestSupport.NewFolder("na"));
        Assert.AreEqual(RunStatus.NotApplicable, outcome.Results[0].Status);
        Assert.IsFalse(string.IsNullOrWhiteSpace(outcome.Results[0].Reason));
        Assert.IsNull(outcome.Results[0].TestAtSelected);
        Assert.AreEqual(RunStatus.Finished, outcome.Results[1].Status);
    }

    [TestMethod]
    public void BadOptionsAreRejectedBeforeAnyTraining()
    {
        string work = SweepTestSupport.NewFolder("bad");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepRunner.Run([SweepTestSupport.Tiny], work, new SweepOptions { Jobs = 0 })).Message, "--jobs");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepRunner.Run([SweepTestSupport.Tiny, SweepTestSupport.Tiny], work)).Message, "same run");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepRunner.Run([SweepTestSupport.Tiny with { Epochs = 0 }], work)).Message, "epochs must be at least 1; got 0.");
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => SweepRunner.RunWorker(SweepTestSupport.NewFolder("noplan"), ShardSpec.All, 1)).Message, "plan.json");
    }

    private sealed class CancelAfterEpoch(int epoch, CancellationTokenSource source) : ITrainingMonitor
    {
        public int Interval => int.MaxValue;

        public void OnEpochEnd(EpochReport report)
        {
            if (report.Epoch == epoch) source.Cancel();
        }
    }

    private sealed class RecordingProgress : IStudyProgress
    {
        public List<string> Advances { get; } = new();
        public void BeginStage(string description, int units) { }
        public void Advance(string detail = "") => Advances.Add(detail);
        public void Info(string message) { }
    }
}
