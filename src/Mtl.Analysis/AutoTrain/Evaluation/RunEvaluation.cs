using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.Reports;
using Mtl.Trainers;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// A confusion matrix from ML.NET's evaluator: <see cref="Counts"/>[actual][predicted] over the labelled test rows, with
/// the class names in the evaluator's order (a multiclass task's key order; a binary task's positive (true) class first,
/// as ML.NET's binary evaluator orders it).
/// </summary>
/// <param name="Classes">The class names, as the data file writes them.</param>
/// <param name="Counts">Rows: the actual class; columns: the predicted class.</param>
public sealed record ConfusionTable(IReadOnlyList<string> Classes, IReadOnlyList<IReadOnlyList<long>> Counts)
{
    /// <summary>Every counted row.</summary>
    public long Total => Counts.Sum(r => r.Sum());

    /// <summary>Rows on the diagonal (predicted = actual).</summary>
    public long Correct => Enumerable.Range(0, Counts.Count).Sum(i => Counts[i][i]);

    /// <summary><see cref="Correct"/> / <see cref="Total"/>: the micro accuracy.</summary>
    public double Accuracy => Total == 0 ? double.NaN : (double)Correct / Total;
}

/// <summary>A regression task's labelled test rows: the actual target and the model's prediction, both in the target's own unit.</summary>
/// <param name="Actual">The label of each row.</param>
/// <param name="Predicted">The reloaded zip's score of each row.</param>
public sealed record PredictedActual(IReadOnlyList<double> Actual, IReadOnlyList<double> Predicted)
{
    /// <summary>
    /// The predicted vs actual scatter with the line y = x (a perfect model's points lie on it), as an SVG drawn by the
    /// report plots' drawer.
    /// </summary>
    /// <param name="task">The task (the target's name), for the title and axes.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public string ToSvg(string task, int width = 640, int height = 480)
    {
        ArgumentNullException.ThrowIfNull(task);
        return Plot(task).ToSvg(width, height);
    }

    /// <summary>The plot <see cref="ToSvg"/> draws.</summary>
    public PlotSpec Plot(string task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var spec = new PlotSpec("predicted-vs-actual", $"{task}: predicted vs actual ({Actual.Count} test rows)")
        {
            XLabel = $"actual {task}",
            YLabel = $"predicted {task}",
            Caption = "Each point is a test row; a perfect model's points lie on the line y = x.",
        };
        double[] all = Actual.Concat(Predicted).Where(double.IsFinite).ToArray();
        double low = all.Length > 0 ? all.Min() : 0, high = all.Length > 0 ? all.Max() : 1;
        spec.Series.Add(new PlotSeries("y = x", [low, high], [low, high], SeriesStyle.Line));
        spec.Series.Add(new PlotSeries("test rows", Actual.ToArray(), Predicted.ToArray(), SeriesStyle.Scatter));
        return spec;
    }
}

/// <summary>One task of a finished run on its test rows.</summary>
/// <param name="Task">The task (its label column).</param>
/// <param name="Kind">Its kind.</param>
/// <param name="LabelledRows">Test rows labelled for it.</param>
/// <param name="TestMetrics">The run's recorded test metrics (<c>.mtlconfig</c> RunHistory.TestMetrics), by ML.NET's names.</param>
/// <param name="Baseline">The best single-task baseline beside the model, with this task's Δm; null when none ran.</param>
/// <param name="Confusion">A classification task's confusion matrix from scoring the test rows with the reloaded zip; null for regression.</param>
/// <param name="Points">A regression task's predicted vs actual points from the reloaded zip; null for classification.</param>
public sealed record TaskEvaluation(string Task, TaskKind Kind, long LabelledRows, IReadOnlyDictionary<string, double> TestMetrics,
    TaskComparison? Baseline, ConfusionTable? Confusion, PredictedActual? Points);

/// <summary>
/// The evaluation of a finished run on its test rows (the run's own split, <see cref="RunSplit"/>): per task the recorded
/// test metrics beside the best single-task baseline with Δm and the verdict (as the <c>.mtlconfig</c> holds them, one
/// <see cref="DeltaM"/>), and from scoring the test rows with the reloaded zip a confusion matrix per classification task
/// and predicted vs actual points per regression task. Tables and image folders alike.
/// </summary>
/// <param name="Name">The model's name.</param>
/// <param name="TestRows">Test rows.</param>
/// <param name="BestTrial">The trial the saved model comes from.</param>
/// <param name="Tasks">Per task, in the model's task order.</param>
/// <param name="BaselineStatus">"Compared", "Skipped: …" or "NotRun" (the <c>.mtlconfig</c>'s Baselines.Status).</param>
/// <param name="DeltaM">Δm of the model over the baselines in percent (positive = the multi-task model is better); null without baselines.</param>
/// <param name="Verdict">The verdict in plain words; null without baselines.</param>
public sealed record RunEvaluation(string Name, long TestRows, int BestTrial, IReadOnlyList<TaskEvaluation> Tasks, string BaselineStatus, double? DeltaM, string? Verdict)
{
    /// <summary>Evaluates <paramref name="run"/>: scores its test rows with its reloaded zip.</summary>
    /// <exception cref="InvalidDataException">The zip cannot be loaded, or does not give the run's tasks.</exception>
    public static RunEvaluation Of(FinishedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        using LoadedModel model = run.LoadModel();
        MLContext ml = model.Ml;
        RunSplit split = RunSplit.Of(ml, run.Schema, run.Settings);
        IDataView scored = model.Model.Transform(split.Test);
        MultiTaskMetrics metrics;
        try
        {
            // A multiclass task's class count is its label's key count in the scored rows (the zip's MapValueToKey).
            List<TaskDefinition> definitions = run.Schema.Tasks().ToList();
            foreach (TaskDefinition t in definitions.Where(t => t.Kind == TaskKind.Multiclass))
                t.ClassCount = scored.Schema.GetColumnOrNull(t.LabelColumnName)?.Type is KeyDataViewType key ? (int)key.Count : 0;
            metrics = ml.MultiTask().Evaluate(scored, definitions);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The model '{run.ZipPath}' does not give the tasks of '{run.ConfigPath}' ({e.Message}); train the run again.", e);
        }
        MtlConfig file = run.Config;
        var tasks = new List<TaskEvaluation>();
        foreach (TaskMetrics m in metrics.Tasks)
        {
            MtlConfig.TaskTestMetrics recorded = file.RunHistory.TestMetrics!.FirstOrDefault(t => t.Task == m.Task)
                ?? throw new InvalidDataException($"'{run.ConfigPath}': $.RunHistory.TestMetrics has no entry for the task '{m.Task}'; train the run again.");
            TaskComparison? baseline = file.Baselines.Tasks?.FirstOrDefault(t => t.Task == m.Task);
            ConfusionTable? confusion = m.Kind switch
            {
                TaskKind.Multiclass => Confusion(m.Multiclass!.ConfusionMatrix, KeyNames(scored, m.Task)),
                // ML.NET's binary confusion matrix puts the positive class (key 2, true) first.
                TaskKind.Binary => Confusion(m.Binary!.ConfusionMatrix, KeyNames(scored, m.Task) is [var no, var yes] ? [yes, no] : ["true", "false"]),
                _ => null,
            };
            PredictedActual? points = m.Kind == TaskKind.Regression ? Points(ml, scored, m.Task) : null;
            tasks.Add(new TaskEvaluation(m.Task, m.Kind, recorded.LabelledRows, recorded.Metrics, baseline, confusion, points));
        }
        return new RunEvaluation(run.Name, Trainers.Data.DataViewRows.Count(split.Test), file.RunHistory.BestTrial!.Value, tasks, file.Baselines.Status,
            file.Baselines.DeltaM, file.Baselines.Verdict);
    }

    private static ConfusionTable Confusion(ConfusionMatrix matrix, IReadOnlyList<string> classes)
    {
        if (classes.Count != matrix.NumberOfClasses)
            throw new InvalidDataException($"The confusion matrix has {matrix.NumberOfClasses} classes but the label names {classes.Count}.");
        long[][] counts = matrix.Counts.Select(row => row.Select(c => (long)Math.Round(c)).ToArray()).ToArray();
        return new ConfusionTable(classes, counts);
    }

    // The class names of a key label column, from its key values (the names the model itself carries).
    private static string[] KeyNames(IDataView scored, string label) =>
        ModelSchemaReader.Names(scored.Schema[label], ModelSchemaReader.KeyValues);

    private static PredictedActual Points(MLContext ml, IDataView scored, string task)
    {
        IDataView labelled = ml.MultiTask().LabelledRows(scored, task);
        double[] actual = labelled.GetColumn<float>(task).Select(v => (double)v).ToArray();
        double[] predicted = labelled.GetColumn<float>(task + ".Score").Select(v => (double)v).ToArray();
        return new PredictedActual(actual, predicted);
    }

    /// <summary>A task by name.</summary>
    /// <exception cref="ArgumentException">The run has no such task (the message lists its tasks).</exception>
    public TaskEvaluation Task(string name) => Tasks.FirstOrDefault(t => t.Task == name)
        ?? throw new ArgumentException($"The run '{Name}' has no task '{name}'; its tasks: {string.Join(", ", Tasks.Select(t => t.Task))}.", nameof(name));
}
