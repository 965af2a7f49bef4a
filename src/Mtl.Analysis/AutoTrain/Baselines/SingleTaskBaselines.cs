using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>Settings of the single-task baselines of a run.</summary>
public sealed class BaselineOptions
{
    /// <summary>What the baselines train: ML.NET's trainers (tables) or the same network with one head (images).</summary>
    public BaselineFamily Family { get; init; } = BaselineFamily.MlNetTrainers;

    /// <summary>
    /// Wall-clock budget for all tasks' baselines together. Every task gets its first candidate however long it takes; the
    /// further candidates of a task start only while the task's share of the budget (the rest of the budget divided by the
    /// tasks left) is not spent.
    /// </summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The run's seed: the same validation split as the multi-task model's, and the trainers' seeds.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The network settings of <see cref="BaselineFamily.SingleHeadNetwork"/> (the multi-task run's, whose method is replaced by equal weighting).</summary>
    public TrainingConfig? NetworkConfig { get; init; }
}

/// <summary>One candidate trainer fitted for one task's baseline, with its validation score.</summary>
/// <param name="Task">The task (label column).</param>
/// <param name="Trainer">The candidate's name, e.g. "LightGbmMulti".</param>
/// <param name="ValidationMetric">Its primary metric on the validation rows (accuracy, or RMSE in the label's unit).</param>
/// <param name="Duration">Fit and validation time.</param>
public sealed record BaselineTrial(string Task, string Trainer, double ValidationMetric, TimeSpan Duration);

/// <summary>A task's single-task baseline: the candidate with the best validation metric, evaluated on the test rows.</summary>
/// <param name="Task">The task (label column).</param>
/// <param name="Trainer">The chosen trainer.</param>
/// <param name="Test">Its test metrics (ML.NET's, on the rows labelled for the task), as the multi-task model's are reported.</param>
/// <param name="Trials">Every candidate tried for the task, in the order tried.</param>
public sealed record BaselineResult(string Task, string Trainer, TaskMetrics Test, IReadOnlyList<BaselineTrial> Trials);

/// <summary>
/// Single-task baselines on the multi-task run's own split: for each label, candidate trainers are fitted on the same
/// training rows the multi-task network trains on (the training rows less <see cref="TablePipeline.ValidationFraction"/>
/// drawn with the same seed), compared on the same validation rows, and the best is evaluated on the test rows with the
/// same evaluation as the multi-task model (<see cref="MultiTaskCatalog.Evaluate(IDataView, IReadOnlyList{TaskDefinition}, IReadOnlyDictionary{string, double}?)"/>).
/// Each task uses only the rows labelled for it. So the comparison answers "does one multi-task model beat separate
/// single-task models on this data" with nothing but the model differing.
/// </summary>
public static class SingleTaskBaselines
{
    /// <summary>Fits and evaluates the baselines of every label of <paramref name="schema"/>.</summary>
    /// <param name="ml">The context.</param>
    /// <param name="schema">The table's schema (labels and features).</param>
    /// <param name="trainingRows">The raw training rows (as <see cref="TablePipeline.Load"/> loads them), validation included.</param>
    /// <param name="testRows">The raw test rows.</param>
    /// <param name="options">Budget, seed, family.</param>
    /// <param name="stop">Cancels between candidates and inside the network's epochs.</param>
    /// <param name="progress">Called after each candidate.</param>
    /// <returns>One result per label, in the schema's order.</returns>
    /// <exception cref="InvalidDataException">A label has no labelled validation or test rows (the message names it).</exception>
    public static IReadOnlyList<BaselineResult> Run(MLContext ml, TableSchema schema, IDataView trainingRows, IDataView testRows, BaselineOptions options,
        CancellationToken stop = default, Action<BaselineTrial>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(trainingRows);
        ArgumentNullException.ThrowIfNull(testRows);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Budget <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), $"The baselines' budget must be positive; got {options.Budget}.");
        if (options.Family == BaselineFamily.SingleHeadNetwork && options.NetworkConfig is null)
            throw new ArgumentException("Single-head network baselines need the run's network settings (BaselineOptions.NetworkConfig).", nameof(options));

        // The multi-task model's own split and preprocessing (TablePipeline.Fit does the same), cached: every candidate reads it.
        string features = TablePipeline.FeatureColumnName(schema);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(trainingRows, TablePipeline.ValidationFraction, seed: options.Seed);
        ITransformer preprocessing = TablePipeline.CreatePreprocessing(ml, schema, trainingRows, features).Fit(split.TrainSet);
        IDataView train = ml.Data.Cache(preprocessing.Transform(split.TrainSet));
        IDataView validation = ml.Data.Cache(preprocessing.Transform(split.TestSet));
        IDataView test = ml.Data.Cache(preprocessing.Transform(testRows));

        var watch = Stopwatch.StartNew();
        var results = new List<BaselineResult>();
        IReadOnlyList<TaskDefinition> tasks = schema.Tasks().Select(t => WithClassCount(t, train.Schema)).ToList();
        for (int t = 0; t < tasks.Count; t++)
        {
            stop.ThrowIfCancellationRequested();
            TimeSpan share = (options.Budget - watch.Elapsed) / (tasks.Count - t);
            results.Add(RunTask(ml, tasks[t], features, train, validation, test, options, share, stop, progress));
        }
        return results;
    }

    private static BaselineResult RunTask(MLContext ml, TaskDefinition task, string features, IDataView train, IDataView validation, IDataView test,
        BaselineOptions options, TimeSpan share, CancellationToken stop, Action<BaselineTrial>? progress)
    {
        var watch = Stopwatch.StartNew();
        var trials = new List<BaselineTrial>();
        (BaselineTrial Trial, ITransformer Model)? best = null;
        RequireLabelledRows(ml, task, validation, "validation");
        RequireLabelledRows(ml, task, test, "test");
        foreach ((string name, Func<IDataView, ITransformer> fit) in Candidates(ml, task, features, validation, options, stop))
        {
            if (best is not null && watch.Elapsed >= share) break;
            stop.ThrowIfCancellationRequested();
            var candidateWatch = Stopwatch.StartNew();
            ITransformer model = fit(train);
            double metric = ml.MultiTask().Evaluate(model.Transform(validation), [task]).Tasks[0].PrimaryMetric;
            var trial = new BaselineTrial(task.Name, name, metric, candidateWatch.Elapsed);
            trials.Add(trial);
            progress?.Invoke(trial);
            if (best is null || Better(task, metric, best.Value.Trial.ValidationMetric)) best = (trial, model);
        }
        TaskMetrics testMetrics = ml.MultiTask().Evaluate(best!.Value.Model.Transform(test), [task]).Tasks[0];
        return new BaselineResult(task.Name, best.Value.Trial.Trainer, testMetrics, trials);
    }

    // A NaN validation metric (a trainer that diverged) never wins over a number.
    private static bool Better(TaskDefinition task, double metric, double incumbent) =>
        double.IsNaN(incumbent) ? !double.IsNaN(metric) : task.Kind == TaskKind.Regression ? metric < incumbent : metric > incumbent;

    // Each candidate as (name, fit on the prepared training rows → a transformer whose output has the task's score columns).
    private static IEnumerable<(string Name, Func<IDataView, ITransformer> Fit)> Candidates(MLContext ml, TaskDefinition task, string features,
        IDataView validation, BaselineOptions options, CancellationToken stop)
    {
        if (options.Family == BaselineFamily.SingleHeadNetwork)
        {
            yield return ("SingleHeadNetwork", data => FitNetwork(ml, task, features, data, validation, options, stop));
            yield break;
        }
        foreach (BaselineCandidate candidate in BaselineCandidates.For(task.Kind))
            yield return (candidate.Name, data => FitTrainer(ml, task, features, data, candidate, options.Seed));
    }

    private static ITransformer FitNetwork(MLContext ml, TaskDefinition task, string features, IDataView train, IDataView validation,
        BaselineOptions options, CancellationToken stop)
    {
        TrainingConfig config = options.NetworkConfig! with { Method = "ew", Seed = options.Seed };
        // The multi-task network's settings with one head: the same early stopping on the same validation rows.
        MultiHeadNetworkTrainer.Options trainerOptions = config.ToOptions(features, [task.Clone()], validation);
        var hooks = new TrainingHooks { Monitors = [new Mtl.Trainers.Monitoring.CancellationMonitor(stop)] };
        return ml.MultiTask().Trainers.MultiHead(trainerOptions).Fit(ml.MultiTask().LabelledRows(train, task.LabelColumnName), hooks);
    }

    // ML.NET's trainers name their outputs Score / PredictedLabel / Probability and take a Boolean binary label: the label is
    // converted in front and the outputs copied to the task's column names behind, so the one evaluation reads them.
    private static ITransformer FitTrainer(MLContext ml, TaskDefinition task, string features, IDataView train, BaselineCandidate candidate, int seed)
    {
        IDataView labelled = ml.MultiTask().LabelledRows(train, task.LabelColumnName);
        string label = task.LabelColumnName;
        IEstimator<ITransformer> chain = new EstimatorChain<ITransformer>();
        if (task.Kind == TaskKind.Binary)
        {
            label = task.Name + ".BaselineLabel";
            chain = chain.Append(BinaryLabel(ml, labelled.Schema[task.LabelColumnName], label));
        }
        chain = chain.Append(candidate.Create(ml, label, features, seed));
        chain = chain.Append(ml.Transforms.CopyColumns(task.ScoreColumnName, "Score"));
        if (task.Kind != TaskKind.Regression) chain = chain.Append(ml.Transforms.CopyColumns(task.PredictedLabelColumnName, "PredictedLabel"));
        if (task.Kind == TaskKind.Binary) chain = chain.Append(ml.Transforms.CopyColumns(task.ProbabilityColumnName, "Probability"));
        return chain.Fit(labelled);
    }

    // The binary label is a two-value key (false, true) after preprocessing (TablePipeline refuses any other): key → its
    // text → Boolean by the key's order.
    private static IEstimator<ITransformer> BinaryLabel(MLContext ml, DataViewSchema.Column keyColumn, string output)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        keyColumn.GetKeyValues(ref names);
        string[] values = names.DenseValues().Select(v => v.ToString()).ToArray();
        string text = output + ".Text";
        return ml.Transforms.Conversion.MapKeyToValue(text, keyColumn.Name)
            .Append(ml.Transforms.Conversion.MapValue(output, new[] { new KeyValuePair<string, bool>(values[0], false), new KeyValuePair<string, bool>(values[1], true) }, text));
    }

    // The schema's tasks know their kind, not their classes: the evaluation's score columns need the label key's cardinality.
    private static TaskDefinition WithClassCount(TaskDefinition task, DataViewSchema prepared)
    {
        TaskDefinition copy = task.Clone();
        if (prepared[task.LabelColumnName].Type is KeyDataViewType key) copy.ClassCount = (int)key.Count;
        return copy;
    }

    private static void RequireLabelledRows(MLContext ml, TaskDefinition task, IDataView data, string rows)
    {
        using DataViewRowCursor cursor = ml.MultiTask().LabelledRows(data, task.LabelColumnName).GetRowCursor([]);
        if (!cursor.MoveNext())
            throw new InvalidDataException($"The label '{task.Name}' has no labelled {rows} rows, so its single-task baseline cannot be measured; " +
                "use more rows, or a larger test fraction.");
    }
}
