namespace Mtl.Trainers.Monitoring;

/// <summary>
/// Watches a training run from inside the trainer (<see cref="TrainingHooks.Monitors"/>): gradient
/// conflicts, update magnitudes, sharpness at checkpoints. Its step callbacks run on every <see cref="Interval"/>-th step
/// (global steps k, 2k, …), before and after the optimizer step, with the network, the batch and gradients on the shared
/// parameters at hand. A monitor observes: it must not change the weights or the batch.
/// </summary>
public interface ITrainingMonitor
{
    /// <summary>k: the step callbacks run on global steps k, 2k, 3k, … (k ≥ 1).</summary>
    int Interval { get; }

    /// <summary>Once, before the first step (after a resume: before the first step trained now).</summary>
    void OnTrainingStart(MonitorStartContext context) { }

    /// <summary>Before the forward pass of a due step: the weights are those the step's gradients will be taken at.</summary>
    void BeforeStep(MonitorStepContext context) { }

    /// <summary>After the optimizer step of a due step (<see cref="MonitorStepContext.Losses"/> holds the step's task losses).</summary>
    void AfterStep(MonitorStepContext context) { }

    /// <summary>After each epoch's validation, with that epoch's report.</summary>
    void OnEpochEnd(EpochReport epoch) { }
}
