using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Tasks;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers;

/// <summary>Multi-task components of an <see cref="MLContext"/>: <c>mlContext.MultiTask().Trainers.MultiHead(…)</c>, <c>Evaluate</c>.</summary>
public sealed class MultiTaskCatalog
{
    internal MultiTaskCatalog(MLContext context)
    {
        Context = context;
        Trainers = new MultiTaskTrainers(context);
    }

    /// <summary>The context.</summary>
    public MLContext Context { get; }

    /// <summary>Multi-task trainers.</summary>
    public MultiTaskTrainers Trainers { get; }

    /// <summary>
    /// Per-task ML.NET metrics of a scored view (the output of <see cref="MultiHeadNetworkTransformer"/>), their average,
    /// and Δm against single-task baselines when given (task name → baseline primary metric). Each task is evaluated on the
    /// rows labelled for it only (rows whose label is key 0 or NaN are left out, see <see cref="LabelledRows"/>), and
    /// <see cref="TaskMetrics.LabelledRows"/> says how many that was.
    /// </summary>
    public MultiTaskMetrics Evaluate(IDataView scored, IReadOnlyList<TaskDefinition> tasks, IReadOnlyDictionary<string, double>? singleTaskBaselines = null)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var results = new List<TaskMetrics>();
        foreach (TaskDefinition t in tasks)
        {
            foreach (string column in t.Handler().ScoreColumns(t, null).Select(c => c.Column.Name).Prepend(t.LabelColumnName))
                if (scored.Schema.GetColumnOrNull(column) is null)
                    throw new ArgumentOutOfRangeException(nameof(scored), $"Column '{column}' of task '{t.Name}' is missing from the scored data; evaluate the output of the multi-head transformer on labelled data.");
            IDataView labelled = LabelledRows(scored, t.LabelColumnName);
            results.Add(t.Handler().Evaluate(Context, labelled, t) with { LabelledRows = Data.DataViewRows.Count(labelled) });
        }
        double? deltaM = null;
        if (singleTaskBaselines is not null) deltaM = DeltaMAgainst(results, singleTaskBaselines);
        return new MultiTaskMetrics(results, deltaM);
    }

    /// <summary>
    /// The rows of <paramref name="data"/> labelled in <paramref name="labelColumnName"/>: NaN (Single/Double) and key 0 are
    /// filtered out with <c>mlContext.Data.FilterRowsByMissingValues</c>; a Boolean label cannot be missing, so nothing is.
    /// Use it before ML.NET's own evaluators on scored data with holes.
    /// </summary>
    public IDataView LabelledRows(IDataView data, string labelColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        DataViewSchema.Column column = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName), $"Label column '{labelColumnName}' is not in the data.");
        return column.Type is KeyDataViewType || column.Type == NumberDataViewType.Single || column.Type == NumberDataViewType.Double
            ? Context.Data.FilterRowsByMissingValues(data, labelColumnName)
            : data;
    }

    /// <summary>Evaluates with the tasks of a trained transformer.</summary>
    public MultiTaskMetrics Evaluate(IDataView scored, MultiHeadNetworkTransformer model, IReadOnlyDictionary<string, double>? singleTaskBaselines = null) =>
        Evaluate(scored, model.Tasks, singleTaskBaselines);

    /// <summary>
    /// <see cref="Trainers.DeltaM"/> of the tasks' primary metrics against single-task baselines (task name → baseline
    /// primary metric), in percent; positive = the multi-task model is better on average.
    /// </summary>
    /// <exception cref="ArgumentException">A task has no baseline, or a baseline is zero (the message names the task).</exception>
    public static double DeltaMAgainst(IReadOnlyList<TaskMetrics> metrics, IReadOnlyDictionary<string, double> baselines)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(baselines);
        var reference = new double[metrics.Count];
        for (int i = 0; i < metrics.Count; i++)
            if (!baselines.TryGetValue(metrics[i].Task, out reference[i]))
                throw new ArgumentException($"No single-task baseline for task '{metrics[i].Task}'. Baselines: {string.Join(", ", baselines.Keys)}.", nameof(baselines));
        return Mtl.Trainers.DeltaM.Of(metrics.Select(m => m.PrimaryMetric).ToArray(), reference, metrics.Select(m => m.HigherIsBetter).ToArray(),
            metrics.Select(m => m.Task).ToArray());
    }
}

/// <summary>Trainers of the multi-task catalog.</summary>
public sealed class MultiTaskTrainers
{
    private readonly MLContext context;

    internal MultiTaskTrainers(MLContext context) => this.context = context;

    /// <summary>A multi-head network trainer with the given options.</summary>
    public MultiHeadNetworkTrainer MultiHead(MultiHeadNetworkTrainer.Options options) => new(context, options);

    /// <summary>
    /// A multi-head network trainer for multiclass tasks whose label columns are named after the tasks
    /// (e.g. "Left", "Right"); the trunk follows the feature shape, and a null batch size or epoch count is chosen from
    /// the training rows (see <see cref="MultiHeadNetworkTrainer.Options"/>).
    /// </summary>
    /// <param name="labelColumnNames">One multiclass task per label column, named after it.</param>
    /// <param name="featureColumnName">The feature column.</param>
    /// <param name="method">The method's text form, e.g. "ew" or "upgrad(ridge=1e-4)".</param>
    /// <param name="optimizer">The optimizer (its other hyperparameters at their defaults).</param>
    /// <param name="learningRate">The learning rate.</param>
    /// <param name="batchSize">Mini-batch size (null = automatic).</param>
    /// <param name="maxEpoch">Epochs (null = automatic).</param>
    public MultiHeadNetworkTrainer MultiHead(string[] labelColumnNames, string featureColumnName = "Features", string method = "ew",
        OptimizerKind optimizer = OptimizerKind.Adam, double learningRate = 1e-3, int? batchSize = null, int? maxEpoch = null)
    {
        // The same mapping as the CLI, sweeps and studies.
        var config = new TrainingConfig { Method = method, Optimizer = optimizer, LearningRate = learningRate, BatchSize = batchSize, Epochs = maxEpoch };
        return new(context, config.ToOptions(featureColumnName, labelColumnNames.Select(n => new TaskDefinition(n))));
    }

    /// <summary>Single-task training (STL) of one task with the same code path: a one-head network.</summary>
    public MultiHeadNetworkTrainer SingleTask(TaskDefinition task, MultiHeadNetworkTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.ShallowCopy();
        copy.Tasks = new List<TaskDefinition> { task };
        copy.Method = new EW.Options();
        return new MultiHeadNetworkTrainer(context, copy);
    }
}

/// <summary>Metrics of one task.</summary>
/// <param name="Task">Task name.</param>
/// <param name="Kind">Task kind.</param>
/// <param name="PrimaryMetric">Accuracy (classification) or RMSE in the label's unit (regression).</param>
/// <param name="HigherIsBetter">Whether a higher primary metric is better.</param>
public sealed record TaskMetrics(string Task, TaskKind Kind, double PrimaryMetric, bool HigherIsBetter)
{
    /// <summary>The number of rows labelled for the task that the metrics were computed on.</summary>
    public long LabelledRows { get; init; }

    /// <summary>ML.NET multiclass metrics (multiclass tasks).</summary>
    public MulticlassClassificationMetrics? Multiclass { get; init; }

    /// <summary>ML.NET binary metrics (binary tasks).</summary>
    public BinaryClassificationMetrics? Binary { get; init; }

    /// <summary>ML.NET regression metrics (regression tasks).</summary>
    public RegressionMetrics? Regression { get; init; }
}

/// <summary>Per-task metrics, their average and Δm.</summary>
/// <param name="Tasks">Per-task metrics.</param>
/// <param name="DeltaM">Δm against the single-task baselines in percent (null when none were given); positive = better (<see cref="Trainers.DeltaM"/>).</param>
public sealed record MultiTaskMetrics(IReadOnlyList<TaskMetrics> Tasks, double? DeltaM)
{
    /// <summary>Mean primary metric over the classification tasks (accuracy).</summary>
    public double AverageAccuracy => Tasks.Where(t => t.HigherIsBetter).Select(t => t.PrimaryMetric).DefaultIfEmpty(double.NaN).Average();

    /// <summary>Metrics of a task by name.</summary>
    public TaskMetrics this[string task] => Tasks.FirstOrDefault(t => t.Task == task)
        ?? throw new KeyNotFoundException($"No metrics for task '{task}'. Tasks: {string.Join(", ", Tasks.Select(t => t.Task))}.");
}

/// <summary>The <c>mlContext.MultiTask()</c> entry point.</summary>
public static class MultiTaskCatalogExtensions
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MLContext, MultiTaskCatalog> Catalogs = new();

    /// <summary>Multi-task trainers and evaluation: one catalog per context (the same instance on every call, as ML.NET's own catalogs).</summary>
    public static MultiTaskCatalog MultiTask(this MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Catalogs.GetValue(context, c => new MultiTaskCatalog(c));
    }
}
