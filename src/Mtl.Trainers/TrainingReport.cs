namespace Mtl.Trainers;

/// <summary>Per-task figures of one epoch.</summary>
/// <param name="Task">Task name.</param>
/// <param name="TrainLoss">
/// Mean training loss over the epoch's rows labelled for the task (unweighted, before the method; in standard units for a
/// standardised regression target).
/// </param>
/// <param name="TrainMetric">Training accuracy (classification) or RMSE in the label's unit (regression) over the epoch's labelled rows.</param>
/// <param name="ValidationLoss">Validation loss over the labelled validation rows, in the same units as <paramref name="TrainLoss"/> (NaN without a validation set).</param>
/// <param name="ValidationMetric">Validation accuracy or RMSE in the label's unit over the labelled validation rows (NaN without a validation set).</param>
public sealed record TaskEpochResult(string Task, double TrainLoss, double TrainMetric, double ValidationLoss, double ValidationMetric)
{
    /// <summary>Training rows labelled for the task in the epoch (the rows its loss and metric were computed on).</summary>
    public long TrainLabelledRows { get; init; }

    /// <summary>Validation rows labelled for the task (0 without a validation set).</summary>
    public long ValidationLabelledRows { get; init; }
}

/// <summary>One epoch of training.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Tasks">Per-task results.</param>
/// <param name="MethodWeights">Mean method weights over the epoch (null when the method has none).</param>
/// <param name="LearningRate">Learning rate used in the epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
/// <param name="SelectionScore">
/// The selection score (higher is better; NaN without validation): <see cref="DeltaM"/> in percent of the validation
/// metrics over those of the best constant prediction (majority class, label mean) on the same rows — scale-free, so
/// accuracy and RMSE in any unit weigh alike, and comparable between runs on the same validation data.
/// </param>
public sealed record EpochReport(int Epoch, IReadOnlyList<TaskEpochResult> Tasks, double[]? MethodWeights, double LearningRate, double Seconds, double SelectionScore);

/// <summary>Everything a training run reports: per-epoch figures, method weights over time, solver statistics.</summary>
public sealed class TrainingReport
{
    private readonly List<EpochReport> epochs = new();

    /// <summary>Name of the method used.</summary>
    public string Method { get; init; } = "";

    /// <summary>Epochs in order (on a resumed run: the epochs trained since the resume).</summary>
    public IReadOnlyList<EpochReport> Epochs => epochs;

    /// <summary>The epochs of the run before the checkpoint it resumed from (empty for a fresh start).</summary>
    public IReadOnlyList<EpochReport> EarlierEpochs { get; internal set; } = Array.Empty<EpochReport>();

    /// <summary>Epoch whose weights the model holds (best validation epoch, or the last).</summary>
    public int SelectedEpoch { get; internal set; }

    /// <summary>True when early stopping ended training before MaxEpoch.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>Number of solver calls made by the method (Gramian/QP solvers).</summary>
    public long SolverCalls { get; internal set; }

    /// <summary>Number of solver calls that did not converge (each was logged).</summary>
    public long SolverFailures { get; internal set; }

    /// <summary>Total seconds spent in the method's solver / weighting code.</summary>
    public double SolverSeconds { get; internal set; }

    /// <summary>Total seconds of training steps.</summary>
    public double TrainingSeconds => epochs.Sum(e => e.Seconds);

    /// <summary>Epoch the run resumed from (0 = fresh start).</summary>
    public int ResumedFromEpoch { get; internal set; }

    internal void Add(EpochReport e) => epochs.Add(e);
}
