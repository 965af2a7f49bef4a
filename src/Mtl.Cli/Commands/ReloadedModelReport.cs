using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// What <c>mtl train</c> prints about the model it reloaded from its .zip with plain <c>mlContext.Model.Load</c>:
/// its test metrics beside the fitted model's, and a few single-row predictions through a <c>PredictionEngine</c>.
/// </summary>
internal static class ReloadedModelReport
{
    /// <summary>Evaluates <paramref name="reloaded"/> on <paramref name="test"/> and prints both tables.</summary>
    public static void Print(MLContext ml, ITransformer reloaded, IDataView test,
        MultiHeadNetworkTransformer fitted, MultiTaskMetrics fittedMetrics)
    {
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(reloaded.Transform(test), fitted.Tasks);
        var table = new Table().Title("Reloaded model.zip (ONNX Runtime) on the same test rows");
        table.AddColumn("task").AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("fitted model").RightAligned())
            .AddColumn(new TableColumn("|difference|").RightAligned());
        foreach (TaskMetrics m in metrics.Tasks)
        {
            double before = fittedMetrics[m.Task].PrimaryMetric;
            table.AddRow(m.Task, m.PrimaryMetric.ToString("F4"), before.ToString("F4"), Math.Abs(m.PrimaryMetric - before).ToString("G3"));
        }
        AnsiConsole.Write(table);
        PrintPredictions(ml, reloaded, test, fitted);
    }

    /// <summary>
    /// Prints per-task metrics with ML.NET's names for each kind (multiclass MicroAccuracy and LogLoss, binary
    /// AreaUnderRocCurve and Accuracy, regression RootMeanSquaredError in the label's unit and RSquared) and the labelled
    /// test rows; beside <paramref name="fitted"/>'s, with the largest difference, when given.
    /// </summary>
    public static void PrintTableMetrics(string title, MultiTaskMetrics metrics, MultiTaskMetrics? fitted)
    {
        // One row per task and metric: narrow enough for an 80-column terminal or a CI log.
        var table = new Table().Title(Markup.Escape(title));
        table.AddColumn("task").AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        if (fitted is null) table.AddColumn("kind").AddColumn(new TableColumn("labelled rows").RightAligned());
        else table.AddColumn(new TableColumn("fitted").RightAligned()).AddColumn(new TableColumn("|difference|").RightAligned());
        double largest = 0;
        foreach (TaskMetrics m in metrics.Tasks)
        {
            (string Name, double Value)[] named = NamedMetrics(m);
            (string Name, double Value)[]? before = fitted is null ? null : NamedMetrics(fitted[m.Task]);
            for (int i = 0; i < named.Length; i++)
            {
                string task = i == 0 ? Markup.Escape(m.Task) : "";
                if (before is null)
                {
                    table.AddRow(task, named[i].Name, named[i].Value.ToString("F4"), i == 0 ? m.Kind.ToString().ToLowerInvariant() : "",
                        i == 0 ? m.LabelledRows.ToString() : "");
                    continue;
                }
                double difference = Math.Abs(named[i].Value - before[i].Value);
                largest = Math.Max(largest, difference);
                table.AddRow(task, named[i].Name, named[i].Value.ToString("F4"), before[i].Value.ToString("F4"), difference.ToString("G3"));
            }
        }
        AnsiConsole.Write(table);
        if (fitted is not null) AnsiConsole.MarkupLine($"largest |difference| from the fitted model: {largest:G3}");
    }

    /// <summary>The two metrics reported per kind, by ML.NET's property names.</summary>
    internal static (string Name, double Value)[] NamedMetrics(TaskMetrics m) => Mtl.Analysis.AutoTrain.TaskMetricNames.Reported(m);

    private static void PrintPredictions(MLContext ml, ITransformer model, IDataView test, MultiHeadNetworkTransformer fitted)
    {
        string leftTask = fitted.Tasks[0].Name, rightTask = fitted.Tasks[1].Name;
        using var engine = ml.Model.CreatePredictionEngine<ImageInput, TwoTaskPrediction>(model);
        var rows = ml.Data.CreateEnumerable<LabeledImage>(ml.Data.TakeRows(test, 5), reuseRowObject: false).ToList();
        var table = new Table().Title("Reloaded model.zip: PredictionEngine on the first test images");
        table.AddColumn("row").AddColumn($"{leftTask}: true → predicted").AddColumn($"{rightTask}: true → predicted");
        IReadOnlyList<string>? leftNames = fitted.ClassNames(leftTask), rightNames = fitted.ClassNames(rightTask);
        for (int i = 0; i < rows.Count; i++)
        {
            TwoTaskPrediction p = engine.Predict(new ImageInput { Image = rows[i].Image });
            table.AddRow(i.ToString(), Pair(leftNames, rows[i].Left, p.Left), Pair(rightNames, rows[i].Right, p.Right));
        }
        AnsiConsole.Write(table);
    }

    private static string Pair(IReadOnlyList<string>? names, uint truth, uint predicted)
    {
        string Name(uint key) => names is not null && key >= 1 && key <= names.Count ? names[(int)key - 1] : key.ToString();
        string mark = truth == predicted ? "[green]✓[/]" : "[red]✗[/]";
        return $"{Markup.Escape(Name(truth))} → {Markup.Escape(Name(predicted))} {mark}";
    }

    private sealed class ImageInput
    {
        [ColumnName("Image"), VectorType(1, 28, 28)]
        public float[] Image { get; set; } = Array.Empty<float>();
    }

    private sealed class TwoTaskPrediction
    {
        [ColumnName("Left.PredictedLabel")]
        public uint Left { get; set; }

        [ColumnName("Right.PredictedLabel")]
        public uint Right { get; set; }
    }

    private sealed class LabeledImage
    {
        [ColumnName("Image"), VectorType(1, 28, 28)]
        public float[] Image { get; set; } = Array.Empty<float>();

        [KeyType(10)]
        public uint Left { get; set; }

        [KeyType(10)]
        public uint Right { get; set; }
    }
}
