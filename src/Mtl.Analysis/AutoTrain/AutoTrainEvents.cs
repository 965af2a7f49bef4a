using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// What a run reports while it runs, in order: the schema, the split, each trial's start, epochs and end, a new best,
/// the test metrics, the saved model, the baselines and the end. <see cref="AutoTrainer.Run"/> reports them synchronously
/// on its own thread, so a receiver that renders or forwards them (the CLI's live table, the web app's push) sees them as
/// they happen.
/// </summary>
public abstract record AutoTrainEvent;

/// <summary>The table's schema was inferred.</summary>
/// <param name="Schema">The schema.</param>
public sealed record SchemaInferred(TableSchema Schema) : AutoTrainEvent;

/// <summary>The rows were split.</summary>
/// <param name="TrainRows">Training rows (of which <see cref="TablePipeline.ValidationFraction"/> validate).</param>
/// <param name="TestRows">Test rows.</param>
/// <param name="Search">The search's rung epochs and budget, or null for a single trial.</param>
public sealed record DataSplit(long TrainRows, long TestRows, SearchPlan? Search) : AutoTrainEvent;

/// <summary>How the search will spend the budget.</summary>
/// <param name="Budget">The search's share of the time budget.</param>
/// <param name="FullEpochs">Epochs of every bracket's top rung (the trainer's automatic count for the table).</param>
/// <param name="ResumedTrials">Trials taken from the configuration file's history instead of trained again.</param>
public sealed record SearchPlan(TimeSpan Budget, int FullEpochs, int ResumedTrials);

/// <summary>A trial starts training.</summary>
/// <param name="Trial">The trial.</param>
public sealed record TrialStarted(TrialPlan Trial) : AutoTrainEvent;

/// <summary>A trial finished an epoch.</summary>
/// <param name="Trial">The trial's number.</param>
/// <param name="Epoch">The epoch's report.</param>
/// <param name="MaxEpochs">The trial's epoch limit, or null when the trainer chooses it.</param>
public sealed record TrialEpoch(int Trial, EpochReport Epoch, int? MaxEpochs) : AutoTrainEvent;

/// <summary>A line the trainer logged (its automatic choices, its epochs) during a trial.</summary>
/// <param name="Trial">The trial's number.</param>
/// <param name="Message">The line.</param>
public sealed record TrainerMessage(int Trial, string Message) : AutoTrainEvent;

/// <summary>A trial ended (or was taken from the history of a resumed run).</summary>
/// <param name="Result">What it gave.</param>
/// <param name="FromHistory">True when it came from the configuration file instead of being trained now.</param>
/// <param name="Best">The best trial so far, this one included (null while none finished).</param>
public sealed record TrialFinished(TrialResult Result, bool FromHistory, TrialResult? Best) : AutoTrainEvent;

/// <summary>A trial beat every earlier one on validation.</summary>
/// <param name="Best">The new best.</param>
public sealed record BestChanged(TrialResult Best) : AutoTrainEvent;

/// <summary>The search stopped starting trials.</summary>
/// <param name="Reason">Why, in words ("the next trial would exceed the budget", "the trial limit").</param>
public sealed record SearchStopped(string Reason) : AutoTrainEvent;

/// <summary>The best trial's model is being trained again (its trial came from the history of a resumed run).</summary>
/// <param name="Best">The trial.</param>
public sealed record RefittingBest(TrialResult Best) : AutoTrainEvent;

/// <summary>The best model's metrics on the test rows.</summary>
/// <param name="Best">The trial the model comes from.</param>
/// <param name="Metrics">Per-task test metrics.</param>
public sealed record TestEvaluated(TrialResult Best, MultiTaskMetrics Metrics) : AutoTrainEvent;

/// <summary>The zip was written and reloaded with plain <c>mlContext.Model.Load</c>.</summary>
/// <param name="ZipPath">Where.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Reloaded">The reloaded zip's metrics on the same test rows.</param>
/// <param name="Fitted">The fitted model's, for comparison.</param>
public sealed record ModelSaved(string ZipPath, long Bytes, MultiTaskMetrics Reloaded, MultiTaskMetrics Fitted) : AutoTrainEvent;

/// <summary>The generated consumption code, training code and console app were written beside the zip.</summary>
/// <param name="Code">The files written.</param>
public sealed record CodeGenerated(GeneratedCode Code) : AutoTrainEvent;

/// <summary>One candidate trainer of a task's single-task baseline was fitted and validated.</summary>
/// <param name="Trial">The trainer, its validation metric and time.</param>
public sealed record BaselineTrialFinished(BaselineTrial Trial) : AutoTrainEvent;

/// <summary>The single-task baselines were not trained.</summary>
/// <param name="Reason">Why.</param>
public sealed record BaselinesSkipped(string Reason) : AutoTrainEvent;

/// <summary>The multi-task model beside the single-task baselines.</summary>
/// <param name="Comparison">Per task and overall.</param>
public sealed record BaselinesCompared(BaselineComparison Comparison) : AutoTrainEvent;

/// <summary>The run finished; everything is written.</summary>
/// <param name="Result">The run's result.</param>
public sealed record RunFinished(AutoTrainResult Result) : AutoTrainEvent;

/// <summary>What a trial gave.</summary>
/// <param name="Number">1-based position in the trial sequence.</param>
/// <param name="Candidate">Its candidate (0 without a search).</param>
/// <param name="Rung">Its rung (0 without a search).</param>
/// <param name="Config">What it trained.</param>
/// <param name="Status">Finished, Diverged (non-finite loss) or NotApplicable (the trainer refused the combination).</param>
/// <param name="Score">The validation selection score of the selected epoch (null unless finished; see <see cref="EpochReport.SelectionScore"/>).</param>
/// <param name="Seconds">Wall time, preprocessing included.</param>
/// <param name="TrainingSeconds">Seconds of training steps.</param>
/// <param name="EpochsTrained">Epochs trained (fewer than configured when early stopping ended it).</param>
/// <param name="SelectedEpoch">The epoch whose weights the model holds.</param>
/// <param name="Reason">Why it did not finish, when it did not.</param>
public sealed record TrialResult(int Number, int Candidate, int Rung, TrainingConfig Config, string Status, double? Score, double Seconds,
    double TrainingSeconds, int EpochsTrained, int SelectedEpoch, string? Reason = null)
{
    /// <summary>The status of a trial that trained to the end.</summary>
    public const string Finished = "Finished";

    /// <summary>The status of a trial whose loss became non-finite.</summary>
    public const string Diverged = "Diverged";

    /// <summary>The status of a trial the trainer refused (an unsupported combination).</summary>
    public const string NotApplicable = "NotApplicable";

    /// <summary>What the planner needs of it.</summary>
    public TrialOutcome Outcome => new(Candidate, Rung, Score);
}

/// <summary>The end of a run.</summary>
/// <param name="ZipPath">The saved model.</param>
/// <param name="ConfigPath">The <c>.mtlconfig</c>.</param>
/// <param name="Trials">Every trial, in order (resumed ones included).</param>
/// <param name="Best">The trial the model comes from.</param>
/// <param name="TestMetrics">The model's per-task test metrics.</param>
/// <param name="Comparison">Beside the single-task baselines, when they ran.</param>
public sealed record AutoTrainResult(string ZipPath, string ConfigPath, IReadOnlyList<TrialResult> Trials, TrialResult Best, MultiTaskMetrics TestMetrics,
    BaselineComparison? Comparison);
