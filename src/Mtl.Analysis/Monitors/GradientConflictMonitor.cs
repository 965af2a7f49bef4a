using Mtl.Analysis.Gradients;
using Mtl.Analysis.Statistics;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;
using static TorchSharp.torch;

namespace Mtl.Analysis.Monitors;

/// <summary>
/// Elich et al.'s gradient-conflict measurement (studies.md A3) as a training monitor: on every k-th step, before the
/// optimizer moves the weights, it takes per-sample, per-task gradients on the shared parameters for the batch's first n
/// rows and compares inter-task pairs ∇L_s(xᵢ) vs ∇L_t(xᵢ) (every task pair) and inter-sample pairs ∇L_t(x_a) vs ∇L_t(x_b).
/// Per epoch it summarises cosine, magnitude similarity and the conflicting-parameter ratio, keeps the raw values and
/// records each task's mean training loss. Attach it through <see cref="TrainingHooks.Monitors"/>; it
/// measures in evaluation mode and leaves gradients and the random generator alone, so the run trains as without it.
/// One instance describes one run: <see cref="ITrainingMonitor.OnTrainingStart"/> forgets earlier epochs.
/// </summary>
public sealed class GradientConflictMonitor : ITrainingMonitor
{
    private readonly ConflictSamplingSchedule schedule;
    private readonly ConflictAccumulator accumulator = new();
    private readonly List<GradientPair> epochPairs = new();
    private readonly List<ConflictEpoch> epochs = new();
    private string[] taskNames = Array.Empty<string>();
    private int stepsPerEpoch;
    private int skipped;

    /// <summary>Creates a monitor measuring every <paramref name="interval"/> steps on <paramref name="samples"/> rows.</summary>
    /// <param name="interval">k ≥ 1 (Elich et al.: 5).</param>
    /// <param name="samples">n ≥ 2 rows per measurement (Elich et al.: 8); every full batch needs at least n rows.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> &lt; 1 or <paramref name="samples"/> &lt; 2.</exception>
    public GradientConflictMonitor(int interval = ConflictSamplingSchedule.DefaultEveryIterations, int samples = GradientConflictSampler.DefaultSamples)
    {
        schedule = new ConflictSamplingSchedule(interval, samples);
    }

    /// <inheritdoc />
    public int Interval => schedule.EveryIterations;

    /// <summary>n: rows measured per due step.</summary>
    public int Samples => schedule.Samples;

    /// <summary>Called after each epoch is summarised (live progress, cancellation); may be null.</summary>
    public Action<ConflictEpoch>? EpochCompleted { get; set; }

    /// <summary>The epochs measured so far, in order.</summary>
    public IReadOnlyList<ConflictEpoch> Epochs => epochs;

    /// <summary>Task names in head order (known once training starts).</summary>
    public IReadOnlyList<string> TaskNames => taskNames;

    /// <inheritdoc />
    public void OnTrainingStart(MonitorStartContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TrainingRows < Samples)
            throw new ArgumentException(
                $"The gradient conflict monitor measures {Samples} rows per step, but the training set has only {context.TrainingRows}; lower its sample count or use more rows.",
                nameof(context));
        taskNames = context.Tasks.Select(t => t.Name).ToArray();
        stepsPerEpoch = context.StepsPerEpoch;
        epochs.Clear();
        ResetEpoch();
    }

    /// <inheritdoc />
    public void BeforeStep(MonitorStepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        long rows = context.Features.shape[0];
        if (rows < Samples)
        {
            // Only the epoch's last batch may be short (rows not a multiple of the batch size); it is counted, not measured.
            if (context.BatchIndex == stepsPerEpoch - 1)
            {
                skipped++;
                return;
            }
            throw new InvalidOperationException(
                $"The gradient conflict monitor measures {Samples} rows per step, but step {context.Step}'s batch has {rows}; raise BatchSize to at least {Samples} or lower the monitor's sample count.");
        }
        using var scope = NewDisposeScope();
        using var oneThread = new ConflictSingleThread();
        ConflictSample sample = GradientConflictSampler.Compare(taskNames, context.PerSampleSharedGradients(Samples));
        accumulator.Add(sample);
        epochPairs.AddRange(sample.Pairs);
    }

    /// <inheritdoc />
    public void OnEpochEnd(EpochReport epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var losses = epoch.Tasks.ToDictionary(t => t.Task, t => t.TrainLoss);
        var summary = new ConflictEpoch(epoch.Epoch, accumulator.Measurements, skipped, accumulator.Summarize(), epochPairs.ToArray(), losses);
        epochs.Add(summary);
        ResetEpoch();
        EpochCompleted?.Invoke(summary);
    }

    private void ResetEpoch()
    {
        accumulator.Clear();
        epochPairs.Clear();
        skipped = 0;
    }
}
