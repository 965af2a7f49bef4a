using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;

namespace Mtl.Analysis.Sweeps;

/// <summary>Trains one run of a sweep and turns what it produced into its <see cref="RunResult"/>.</summary>
public static class RunExecutor
{
    /// <summary>Name of the file beside a run's checkpoints that keeps its per-epoch records across a resume.</summary>
    public const string RecordFileName = "sweep-epochs.json";

    /// <summary>
    /// Trains <paramref name="config"/> with per-epoch checkpoints in <paramref name="checkpointFolder"/> (resuming from
    /// the latest one there) and the test set scored every epoch. A combination the trainer does not support
    /// (<see cref="NotSupportedException"/>) comes back as <see cref="RunStatus.NotApplicable"/>, a non-finite loss as
    /// <see cref="RunStatus.Diverged"/>; any other error propagates.
    /// </summary>
    /// <param name="config">The run.</param>
    /// <param name="index">Its position in the grid order.</param>
    /// <param name="checkpointFolder">The run's checkpoint folder.</param>
    /// <param name="cancellation">Stops training before the next step (the checkpoints stay for a resume).</param>
    /// <param name="monitors">Extra monitors for this run.</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static RunResult Execute(RunConfig config, int index, string checkpointFolder, CancellationToken cancellation = default,
        IEnumerable<ITrainingMonitor>? monitors = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var watch = Stopwatch.StartNew();
        var ml = new MLContext(config.Seed);
        SweepData data = SweepDataset.Load(ml, config);
        using var testMonitor = new TestSetMonitor(data.Test, data.FeatureColumn, Path.Combine(checkpointFolder, RecordFileName));
        MultiHeadNetworkTrainer.Options options = config.ToOptions(data.FeatureColumn, data.Tasks.Select(t => new TaskDefinition(t)), data.Validation);
        options.CheckpointFolder = checkpointFolder;
        var hooks = new TrainingHooks { Monitors = [testMonitor, new CancellationMonitor(cancellation), .. monitors ?? []] };
        var result = new RunResult
        {
            Id = config.Id,
            Index = index,
            Config = config,
            Status = RunStatus.Finished,
            Tasks = data.Tasks.ToArray(),
        };
        MultiHeadNetworkTrainer trainer = ml.MultiTask().Trainers.MultiHead(options);
        try
        {
            using MultiHeadNetworkTransformer model = trainer.Fit(data.Train, hooks);
            TrainingReport report = model.TrainingReport ?? throw new InvalidOperationException("The trained model has no training report.");
            EpochRecord[] epochs = testMonitor.Records.ToArray();
            int trained = report.EarlierEpochs.Count + report.Epochs.Count;
            if (epochs.Length != trained || epochs.Select(e => e.Epoch).Where((e, i) => e != i + 1).Any())
                throw new InvalidOperationException($"Run {config.Id}: the test monitor saw {epochs.Length} epochs but the trainer reports {trained}.");
            // The trainer selects only epochs with finite validation figures (else it throws NonFiniteLossException).
            if (report.SelectedEpoch < 1 || report.SelectedEpoch > epochs.Length)
                throw new InvalidOperationException($"Run {config.Id}: the trainer selected epoch {report.SelectedEpoch} of {epochs.Length}; this is a bug in the trainer.");
            EpochRecord selected = epochs[report.SelectedEpoch - 1];
            result = result with
            {
                Epochs = epochs,
                SelectedEpoch = report.SelectedEpoch,
                TestAtSelected = selected.Test,
                ValidationAtSelected = selected.Validation,
                StoppedEarly = report.StoppedEarly,
                ResumedFromEpoch = report.ResumedFromEpoch,
                Solver = new SolverFigures(report.SolverCalls, report.SolverFailures, report.SolverSeconds),
            };
        }
        catch (NotSupportedException e)
        {
            result = result with { Status = RunStatus.NotApplicable, Reason = e.Message };
        }
        catch (NonFiniteLossException e)
        {
            result = result with { Status = RunStatus.Diverged, Reason = e.Message, Epochs = testMonitor.Records.ToArray() };
        }
        return result with
        {
            WallSeconds = watch.Elapsed.TotalSeconds,
            FinishedAt = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
    }
}
