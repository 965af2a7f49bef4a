using System.Globalization;
using Mtl.Trainers;

namespace Mtl.Analysis.AutoTrain;

/// <summary>One task of the comparison.</summary>
/// <param name="Task">The task.</param>
/// <param name="MetricName">ML.NET's name of the compared metric.</param>
/// <param name="HigherIsBetter">Its direction.</param>
/// <param name="MultiTask">The multi-task model's test value.</param>
/// <param name="Baseline">The baseline's test value.</param>
/// <param name="BaselineTrainer">The baseline's trainer.</param>
/// <param name="DeltaM">Δm of this task alone, in percent (positive = the multi-task model is better).</param>
public sealed record TaskComparison(string Task, string MetricName, bool HigherIsBetter, double MultiTask, double Baseline, string BaselineTrainer, double DeltaM);

/// <summary>
/// The multi-task model beside separate single-task models, per task and overall, with the one Δm
/// (<see cref="Mtl.Trainers.DeltaM.Of"/>, positive = the multi-task model is better) and a verdict in plain words.
/// </summary>
/// <param name="Tasks">Per task, in the model's task order.</param>
/// <param name="DeltaM">Δm over all tasks, in percent.</param>
public sealed record BaselineComparison(IReadOnlyList<TaskComparison> Tasks, double DeltaM)
{
    /// <summary>True when the one multi-task model is better than the separate models overall (Δm &gt; 0).</summary>
    public bool MultiTaskHelps => DeltaM > 0;

    /// <summary>The verdict, e.g. "One multi-task model beats separate single-task models on this data: Δm = +2.31 %."</summary>
    public string Verdict => Tasks.Count == 1
        ? $"One task only: the model is a single-task model, and the baseline shows how it compares with the best single-task trainer: Δm = " +
          $"{DeltaM.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)} %."
        : $"One multi-task model {(MultiTaskHelps ? "beats" : "does not beat")} separate single-task models on this data: " +
        $"Δm = {DeltaM.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture)} % " +
        $"({Tasks.Count(t => t.DeltaM > 0)} of {Tasks.Count} tasks better).";

    /// <summary>Compares the model's test metrics with one baseline per task.</summary>
    /// <param name="multiTask">The multi-task model's test metrics.</param>
    /// <param name="baselines">One result per task of <paramref name="multiTask"/> (any order).</param>
    /// <exception cref="ArgumentException">A task has no baseline, a baseline names no task or is given twice, its kind differs, or a value is not finite.</exception>
    public static BaselineComparison Of(MultiTaskMetrics multiTask, IReadOnlyList<BaselineResult> baselines)
    {
        ArgumentNullException.ThrowIfNull(multiTask);
        ArgumentNullException.ThrowIfNull(baselines);
        string? twice = baselines.GroupBy(b => b.Task, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (twice is not null) throw new ArgumentException($"Two baselines for the task '{twice}'; give one per task.", nameof(baselines));
        string? stray = baselines.Select(b => b.Task).FirstOrDefault(n => multiTask.Tasks.All(t => t.Task != n));
        if (stray is not null)
            throw new ArgumentException($"A baseline for '{stray}', which is not a task of the model ({string.Join(", ", multiTask.Tasks.Select(t => t.Task))}).", nameof(baselines));
        var rows = new List<TaskComparison>();
        foreach (TaskMetrics m in multiTask.Tasks)
        {
            BaselineResult b = baselines.FirstOrDefault(x => x.Task == m.Task)
                ?? throw new ArgumentException($"No baseline for the task '{m.Task}'; give one per task.", nameof(baselines));
            if (b.Test.Kind != m.Kind) throw new ArgumentException($"The baseline of '{m.Task}' is {b.Test.Kind} but the task is {m.Kind}.", nameof(baselines));
            double baseline = b.Test.PrimaryMetric;
            if (!double.IsFinite(baseline) || !double.IsFinite(m.PrimaryMetric))
                throw new ArgumentException($"The '{m.Task}' metrics must be finite; got {m.PrimaryMetric} (multi-task) and {baseline} (baseline {b.Trainer}).", nameof(baselines));
            double delta = Mtl.Trainers.DeltaM.Of([m.PrimaryMetric], [baseline], [m.HigherIsBetter], [m.Task]);
            rows.Add(new TaskComparison(m.Task, TaskMetricNames.Primary(m.Kind), m.HigherIsBetter, m.PrimaryMetric, baseline, b.Trainer, delta));
        }
        double overall = Mtl.Trainers.DeltaM.Of(rows.Select(r => r.MultiTask).ToArray(), rows.Select(r => r.Baseline).ToArray(),
            rows.Select(r => r.HigherIsBetter).ToArray(), rows.Select(r => r.Task).ToArray());
        return new BaselineComparison(rows, overall);
    }
}

/// <summary>ML.NET's names of the metrics reported per task kind (one place for the CLI's tables, the web app and <c>.mtlconfig</c>).</summary>
public static class TaskMetricNames
{
    /// <summary>The name of <see cref="TaskMetrics.PrimaryMetric"/> for a kind: MicroAccuracy, Accuracy or RootMeanSquaredError.</summary>
    public static string Primary(TaskKind kind) => kind switch
    {
        TaskKind.Multiclass => "MicroAccuracy",
        TaskKind.Binary => "Accuracy",
        _ => "RootMeanSquaredError",
    };

    /// <summary>
    /// The two metrics reported per kind, by ML.NET's property names: multiclass MicroAccuracy and LogLoss, binary
    /// AreaUnderRocCurve and Accuracy, regression RootMeanSquaredError (in the label's unit) and RSquared.
    /// </summary>
    public static (string Name, double Value)[] Reported(TaskMetrics m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.Kind switch
        {
            TaskKind.Multiclass => [("MicroAccuracy", m.Multiclass!.MicroAccuracy), ("LogLoss", m.Multiclass.LogLoss)],
            TaskKind.Binary => [("AreaUnderRocCurve", m.Binary!.AreaUnderRocCurve), ("Accuracy", m.Binary.Accuracy)],
            _ => [("RootMeanSquaredError", m.Regression!.RootMeanSquaredError), ("RSquared", m.Regression.RSquared)],
        };
    }
}
