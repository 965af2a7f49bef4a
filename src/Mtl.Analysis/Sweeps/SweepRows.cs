namespace Mtl.Analysis.Sweeps;

/// <summary>A run result as one flat row of a report's runs.csv / runs.json.</summary>
public static class SweepRows
{
    /// <summary>id, config fields, status, selected epoch, validation average, test metric per task, wall seconds, reason.</summary>
    public static Dictionary<string, object?> Of(RunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var row = new Dictionary<string, object?>
        {
            ["id"] = r.Id,
            ["dataset"] = r.Config.Dataset,
            ["method"] = r.Config.MethodName,
            ["optimizer"] = r.Config.Optimizer.ToString(),
            ["learning_rate"] = r.Config.LearningRate,
            ["dropout"] = r.Config.Dropout,
            ["epochs"] = r.Config.Epochs,
            ["train_rows"] = r.Config.TrainRows,
            ["seed"] = r.Config.Seed,
            ["status"] = r.Status.ToString(),
            ["selected_epoch"] = r.IsFinished ? r.SelectedEpoch : null,
            ["validation_average"] = r.IsFinished ? r.Epochs[r.SelectedEpoch - 1].ValidationAverage : null,
        };
        for (int t = 0; t < r.Tasks.Length; t++)
            row[$"test_{r.Tasks[t]}"] = r.TestAtSelected?.Metric[t];
        row["wall_seconds"] = r.WallSeconds;
        row["reason"] = r.Reason;
        return row;
    }
}
