using System.CommandLine;
using System.Diagnostics;
using Mtl.Datasets;
using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using Mtl.Trainers;
using Mtl.Trainers.Methods;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl train</c>: trains a multi-head MultiLeNet on a Multi-* dataset, prints per-task test accuracy next to the
/// published reference, saves the model as a .zip, reloads it and predicts a few test images.
/// </summary>
public static class TrainCommand
{
    /// <summary>Mean test accuracy of unitary scalarization on Multi-MNIST in Kurin et al. (NeurIPS 2022, Table 1).</summary>
    public const double KurinMultiMnistReference = 0.9476;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "multi-fashion | multi-mnist | multi-fashion-mnist", DefaultValueFactory = _ => "multi-fashion" };
        var method = new Option<string>("--method") { Description = "MTL method: " + string.Join(", ", MethodRegistry.Names), DefaultValueFactory = _ => "ew" };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "Sgd | Adam | AdamW | SignSgd | PerTaskAdam", DefaultValueFactory = _ => OptimizerKind.Adam };
        var mode = new Option<GradientMode>("--mode") { Description = "Gradient mode of gradient methods: Parameters | Representation", DefaultValueFactory = _ => GradientMode.Parameters };
        var epochs = new Option<int>("--epochs") { Description = "Number of epochs", DefaultValueFactory = _ => 5 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 1e-3 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 256 };
        var trainRows = new Option<int>("--train-rows") { Description = "Use only the first N training rows (0 = all)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of data order, initialisation, dropout and methods", DefaultValueFactory = _ => 1 };
        var model = new Option<string>("--model") { Description = "Where to save the trained model", DefaultValueFactory = _ => "model.zip" };
        var command = new Command("train", "Train a multi-head network on a multi-task image dataset and report per-task test accuracy.")
        {
            dataset, method, optimizer, mode, epochs, lr, batch, trainRows, seed, model,
        };
        command.SetAction(parse => Run(new TrainSettings(
            parse.GetValue(dataset)!, parse.GetValue(method)!, parse.GetValue(optimizer), parse.GetValue(mode), parse.GetValue(epochs),
            parse.GetValue(lr), parse.GetValue(batch), parse.GetValue(trainRows), parse.GetValue(seed), parse.GetValue(model)!)));
        return command;
    }

    /// <summary>What <c>mtl train</c> was asked to do.</summary>
    public sealed record TrainSettings(string Dataset, string Method, OptimizerKind Optimizer, GradientMode Mode, int Epochs, double LearningRate,
        int BatchSize, int TrainRows, int Seed, string ModelPath);

    private static int Run(TrainSettings s)
    {
        try
        {
            return Train(s);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or ArgumentException or NotSupportedException or NonFiniteLossException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
    }

    private static int Train(TrainSettings s)
    {
        var ml = new MLContext(s.Seed);
        AnsiConsole.MarkupLine($"[bold]mtl train[/] dataset [cyan]{s.Dataset}[/], method [cyan]{s.Method}[/], optimizer [cyan]{s.Optimizer}[/], " +
                               $"{s.Epochs} epochs, lr {s.LearningRate}, batch {s.BatchSize}, seed {s.Seed}, {torch.get_num_threads()} threads");
        var load = Stopwatch.StartNew();
        (IDataView train, IDataView validation, IDataView test, string[] taskNames) = LoadDataset(s.Dataset, s.Seed);
        if (s.TrainRows > 0) train = ml.Data.TakeRows(train, s.TrainRows);
        AnsiConsole.MarkupLine($"data: {train.GetRowCount()} train / {validation.GetRowCount()} validation / {test.GetRowCount()} test rows ({load.Elapsed.TotalSeconds:F1}s)");

        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = MultiTaskDatasets.ImageColumnName,
            Tasks = taskNames.Select(n => new TaskDefinition(n)).ToList(),
            Method = s.Method,
            GradientMode = s.Mode,
            Optimizer = s.Optimizer,
            LearningRate = s.LearningRate,
            BatchSize = s.BatchSize,
            MaxEpoch = s.Epochs,
            ValidationSet = validation,
            Seed = s.Seed,
        };
        var trainer = ml.MultiTask().Trainers.MultiHead(options);
        MultiHeadNetworkTransformer transformer = TrainWithProgress(ml, trainer, train, s.Epochs);

        IDataView scored = transformer.Transform(test);
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(scored, transformer);
        var table = new Table().Title($"Test accuracy ({s.Dataset}, {s.Method} + {s.Optimizer}, epoch {transformer.TrainingReport!.SelectedEpoch})");
        table.AddColumn("task").AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("log-loss").RightAligned());
        foreach (TaskMetrics m in metrics.Tasks)
            table.AddRow(m.Task, m.PrimaryMetric.ToString("F4"), m.Multiclass!.LogLoss.ToString("F4"));
        table.AddRow("[bold]average[/]", $"[bold]{metrics.AverageAccuracy:F4}[/]", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(s.Dataset == "multi-mnist"
            ? $"reference: mean test accuracy {KurinMultiMnistReference:F4} for unitary scalarization on Multi-MNIST (Kurin et al. 2022; 100 epochs, 60k digits)"
            : $"reference: {KurinMultiMnistReference:F4} on Multi-MNIST (Kurin et al. 2022, unitary scalarization, 100 epochs); Multi-Fashion is the harder set");

        ml.Model.Save(transformer, train.Schema, s.ModelPath);
        AnsiConsole.MarkupLine($"saved [green]{s.ModelPath}[/] ({new FileInfo(s.ModelPath).Length / 1024.0:F0} KiB)");
        ITransformer reloaded = ml.Model.Load(s.ModelPath, out _);
        PrintPredictions(ml, reloaded, test, taskNames, transformer);
        transformer.Dispose();
        (reloaded as IDisposable)?.Dispose();
        return 0;
    }

    private static (IDataView train, IDataView validation, IDataView test, string[] tasks) LoadDataset(string name, int seed)
    {
        Func<DatasetSplit, MultiImageSet> create = name switch
        {
            "multi-fashion" => split => MultiTaskDatasets.CreateMultiFashion(split, seed),
            "multi-mnist" => split => MultiTaskDatasets.CreateMultiMnist(split, seed),
            "multi-fashion-mnist" => split => MultiTaskDatasets.CreateMultiFashionMnist(split, seed),
            _ => throw new ArgumentException($"Unknown dataset '{name}'. Use multi-fashion, multi-mnist or multi-fashion-mnist."),
        };
        return (create(DatasetSplit.Train).AsDataView(), create(DatasetSplit.Validation).AsDataView(), create(DatasetSplit.Test).AsDataView(),
            new[] { MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName });
    }

    private static MultiHeadNetworkTransformer TrainWithProgress(MLContext ml, MultiHeadNetworkTrainer trainer, IDataView train, int epochs)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // No terminal (CI, a pipe): the epoch lines are the progress.
            void Print(object? sender, LoggingEventArgs e)
            {
                if (e.Source == "MultiHeadNetworkTrainer" && e.Kind != ChannelMessageKind.Trace) Console.WriteLine(e.RawMessage);
            }
            ml.Log += Print;
            try { return trainer.Fit(train); }
            finally { ml.Log -= Print; }
        }
        MultiHeadNetworkTransformer? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: epochs);
                void OnLog(object? sender, LoggingEventArgs e)
                {
                    if (e.Source != "MultiHeadNetworkTrainer" || e.Kind == ChannelMessageKind.Trace) return;
                    AnsiConsole.MarkupLine(Markup.Escape(e.RawMessage));
                    if (e.Message.StartsWith("epoch ", StringComparison.Ordinal)) task.Increment(1);
                }
                ml.Log += OnLog;
                try
                {
                    result = trainer.Fit(train);
                }
                finally
                {
                    ml.Log -= OnLog;
                }
                task.Value = task.MaxValue;
            });
        return result!;
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

    private static void PrintPredictions(MLContext ml, ITransformer model, IDataView test, string[] tasks, MultiHeadNetworkTransformer trained)
    {
        var engine = ml.Model.CreatePredictionEngine<ImageInput, TwoTaskPrediction>(model);
        var rows = ml.Data.CreateEnumerable<LabeledImage>(ml.Data.TakeRows(test, 5), reuseRowObject: false).ToList();
        var table = new Table().Title("Reloaded model.zip: predictions on the first test images");
        table.AddColumn("row").AddColumn("Left: true → predicted").AddColumn("Right: true → predicted");
        IReadOnlyList<string>? leftNames = trained.ClassNames(tasks[0]), rightNames = trained.ClassNames(tasks[1]);
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
