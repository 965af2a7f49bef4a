namespace Mtl.Analysis.Sweeps;

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    /// <summary>Trained to the end (or to early stopping); every metric is present.</summary>
    Finished,
    /// <summary>The combination cannot run (e.g. per-task Adam with a method that does not weight whole task gradients); <see cref="RunResult.Reason"/> says why.</summary>
    NotApplicable,
    /// <summary>The loss became non-finite (typically a too-large learning rate); the epochs before it are kept.</summary>
    Diverged,
}

/// <summary>Loss and metric of every task on one split, in task order.</summary>
/// <param name="Loss">Mean loss per task.</param>
/// <param name="Metric">Accuracy (classification) or RMSE (regression) per task.</param>
public sealed record SplitFigures(double[] Loss, double[] Metric);

/// <summary>One epoch of a run.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="LearningRate">Learning rate of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training steps (a wall-clock field: not compared by <see cref="RunResult.SameOutcome"/>).</param>
/// <param name="Train">Training figures (over the epoch's batches).</param>
/// <param name="Validation">Validation figures.</param>
/// <param name="Test">Test figures (scored after the epoch by the sweep's monitor).</param>
/// <param name="ValidationAverage">Mean validation metric over tasks (accuracy: the sweeps' datasets are classification only); the configuration ranking uses it.</param>
/// <param name="MethodWeights">The method's mean task weights over the epoch, or null when it has none.</param>
public sealed record EpochRecord(int Epoch, double LearningRate, double Seconds, SplitFigures Train, SplitFigures Validation, SplitFigures Test,
    double ValidationAverage, double[]? MethodWeights);

/// <summary>The method's solver figures over the run.</summary>
/// <param name="Calls">Solver calls.</param>
/// <param name="Failures">Calls that did not converge.</param>
/// <param name="Seconds">Seconds spent in the method's solver / weighting code (wall clock).</param>
public sealed record SolverFigures(long Calls, long Failures, double Seconds);

/// <summary>
/// One line of a results file: a run's configuration and everything it produced. Studies read these; merge compares
/// them with <see cref="SameOutcome"/> (everything but the wall-clock fields).
/// </summary>
public sealed record RunResult
{
    /// <summary>The format tag every line carries.</summary>
    public const string CurrentFormat = "mtl-sweep-result/1";

    /// <summary>Format tag (<see cref="CurrentFormat"/>).</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The run's id (<see cref="RunConfig.Id"/>).</summary>
    public required string Id { get; init; }

    /// <summary>Position of the run in its grid's full order (0-based), so merged shards come back in grid order.</summary>
    public required int Index { get; init; }

    /// <summary>The configuration.</summary>
    public required RunConfig Config { get; init; }

    /// <summary>How the run ended.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>Why the run is not applicable or diverged (null when finished).</summary>
    public string? Reason { get; init; }

    /// <summary>Task names, in the order of every per-task array.</summary>
    public string[] Tasks { get; init; } = [];

    /// <summary>Every epoch trained (the resumed run's earlier epochs included).</summary>
    public EpochRecord[] Epochs { get; init; } = [];

    /// <summary>The best-on-validation epoch whose weights the model kept (0 when none).</summary>
    public int SelectedEpoch { get; init; }

    /// <summary>Test figures at <see cref="SelectedEpoch"/> (null unless finished).</summary>
    public SplitFigures? TestAtSelected { get; init; }

    /// <summary>Validation figures at <see cref="SelectedEpoch"/> (null unless finished).</summary>
    public SplitFigures? ValidationAtSelected { get; init; }

    /// <summary>True when early stopping ended the run.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>The epoch this run resumed from after an interruption (0 = trained in one go).</summary>
    public int ResumedFromEpoch { get; init; }

    /// <summary>Solver statistics.</summary>
    public SolverFigures Solver { get; init; } = new(0, 0, 0);

    /// <summary>Wall time of the run in this process (a wall-clock field).</summary>
    public double WallSeconds { get; init; }

    /// <summary>When the line was written, UTC ISO 8601 (a wall-clock field).</summary>
    public string FinishedAt { get; init; } = "";

    /// <summary>True for a finished run.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsFinished => Status == RunStatus.Finished;

    /// <summary>
    /// True when both results record the same outcome of the same run: equal in every field except the grid position
    /// <see cref="Index"/> (a run may sit elsewhere in another grid), the wall-clock ones (epoch seconds,
    /// wall seconds, finish time), the solver figures (a resumed run counts solver calls since its resume) and
    /// <see cref="ResumedFromEpoch"/> (a resumed run continues bit-exactly).
    /// </summary>
    public bool SameOutcome(RunResult other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ResultsFile.Serialize(WithoutWallClock()) == ResultsFile.Serialize(other.WithoutWallClock());
    }

    private RunResult WithoutWallClock() => this with
    {
        Index = 0,
        Epochs = Epochs.Select(e => e with { Seconds = 0 }).ToArray(),
        Solver = new SolverFigures(0, 0, 0),
        WallSeconds = 0,
        FinishedAt = "",
        ResumedFromEpoch = 0,
    };
}
