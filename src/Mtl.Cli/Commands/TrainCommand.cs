using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using Spectre.Console;
using TorchSharp;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl train</c>: trains a multi-head MultiLeNet on a Multi-* dataset, prints per-task test accuracy next to the
/// published reference, saves the model as an ML.NET .zip, reloads it with plain <c>mlContext.Model.Load</c> and
/// prints the reloaded model's metrics and a few of its predictions. With <c>--data</c> it trains on the user's own
/// table instead (<see cref="TableTrainCommand"/>).
/// </summary>
public static class TrainCommand
{
    /// <summary>Mean test accuracy of unitary scalarization on Multi-MNIST in Kurin et al. (NeurIPS 2022, Table 1).</summary>
    public const double KurinMultiMnistReference = 0.9476;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "multi-fashion | multi-mnist | multi-fashion-mnist", DefaultValueFactory = _ => "multi-fashion" };
        var method = new Option<string>("--method")
        {
            Description = "MTL method, with arguments if any, e.g. \"upgrad(ridge=1e-4)\", \"fixed(0.3,0.7)\": " + string.Join(", ", MethodRegistry.Names),
            DefaultValueFactory = _ => "ew",
        };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "Sgd | Adam | AdamW | SignSgd | PerTaskAdam", DefaultValueFactory = _ => OptimizerKind.Adam };
        var mode = new Option<GradientMode>("--mode") { Description = "Gradient mode of gradient methods: Parameters | Representation", DefaultValueFactory = _ => GradientMode.Parameters };
        var epochs = new Option<int>("--epochs") { Description = "Number of epochs", DefaultValueFactory = _ => 5 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 1e-3 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 256 };
        var trainRows = new Option<int>("--train-rows") { Description = "Use only the first N training rows (0 = all)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of data order, initialisation, dropout and methods", DefaultValueFactory = _ => 1 };
        var model = new Option<string>("--model") { Description = "Where to save the trained model", DefaultValueFactory = _ => "model.zip" };
        var arch = new Option<string>("--arch")
        {
            Description = "Multi-task architecture, with sizes if any, e.g. \"mmoe(experts=4)\", \"ple(levels=2)\" (default shared-bottom; with --data --time " +
                          "the search draws it unless given): " + string.Join(", ", ArchitectureOptions.Names),
        };
        var checkpoint = new Option<string?>("--checkpoint")
        {
            Description = "Folder for a checkpoint after every epoch; when it holds this run's checkpoint (same flags; --epochs may grow), training " +
                          "resumes from it bit-exactly, e.g. after a kill or to train more epochs",
        };
        var table = TableTrainCommand.TableOptions.Create();
        var command = new Command("train", "Train a multi-head network on a built-in multi-task image dataset (--dataset), or on your own CSV/TSV " +
            "table (--data with one --label per task), and report per-task test metrics.")
        {
            dataset, method, optimizer, mode, epochs, lr, batch, trainRows, seed, model, arch, checkpoint,
        };
        table.AddTo(command);
        command.SetAction(parse =>
        {
            Option[] trainingFlags = [method, optimizer, mode, epochs, lr, batch];
            if (parse.GetValue(table.Config) is { } configPath)
            {
                string? fromFile = table.GivenWithConfig(parse) ?? new Option[] { dataset, trainRows, model, seed, arch, checkpoint }.Concat(trainingFlags)
                    .Where(o => Given(parse, o)).Select(o => o.Name).FirstOrDefault();
                if (fromFile is not null)
                    return TableTrainCommand.Refuse($"{fromFile} cannot be combined with --config: the run's data, labels, seed and options come from '{configPath}' " +
                        "(only --time, --max-trials and --baselines may change it).");
                return TableTrainCommand.Run(() => table.ReadConfig(parse, configPath));
            }
            if (parse.GetValue(table.Data) is { } data)
            {
                // Only the flags a user typed override the trainer's automatic, table-sized choices.
                string? builtInOnly = new Option[] { dataset, trainRows, model, checkpoint }.Where(o => Given(parse, o)).Select(o => o.Name).FirstOrDefault();
                if (builtInOnly is not null)
                    return TableTrainCommand.Refuse($"{builtInOnly} belongs to the built-in datasets; with --data the model goes to <--out>/<--name>.zip.");
                // With --time the search chooses the options; --epochs then caps a trial's epochs (the top rung).
                string? searched = parse.GetResult(table.Time) is { Implicit: false }
                    ? trainingFlags.Where(o => o != epochs && Given(parse, o)).Select(o => o.Name).FirstOrDefault() : null;
                if (searched is not null)
                    return TableTrainCommand.Refuse($"{searched} cannot be combined with --time: the search chooses the method and optimizer settings. Drop {searched}, or drop --time to train once with it.");
                var config = new TrainingConfig
                {
                    Method = parse.GetValue(method)!, Optimizer = parse.GetValue(optimizer), GradientMode = parse.GetValue(mode), LearningRate = parse.GetValue(lr),
                    Epochs = Given(parse, epochs) ? parse.GetValue(epochs) : null, BatchSize = Given(parse, batch) ? parse.GetValue(batch) : null,
                    Seed = parse.GetValue(seed), Architecture = parse.GetValue(arch),
                };
                return TableTrainCommand.Run(() => table.Read(parse, data, config));
            }
            if (table.GivenWithoutData(parse) is { } tableOnly)
                return TableTrainCommand.Refuse($"{tableOnly} belongs to --data (your own table); pass --data <file.csv> (or --config <name>.mtlconfig), or drop {tableOnly} to train on --dataset.");
            return Run(new TrainSettings(
                parse.GetValue(dataset)!, parse.GetValue(method)!, parse.GetValue(optimizer), parse.GetValue(mode), parse.GetValue(epochs),
                parse.GetValue(lr), parse.GetValue(batch), parse.GetValue(trainRows), parse.GetValue(seed), parse.GetValue(model)!, parse.GetValue(arch),
                parse.GetValue(checkpoint)));
        });
        return command;
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>What <c>mtl train</c> was asked to do.</summary>
    /// <param name="Dataset">multi-fashion, multi-mnist or multi-fashion-mnist.</param>
    /// <param name="Method">The MTL method in text form (see <see cref="MtlMethodOptions.Parse"/>).</param>
    /// <param name="Optimizer">The optimizer.</param>
    /// <param name="Mode">Gradient mode of gradient methods.</param>
    /// <param name="Epochs">Number of epochs.</param>
    /// <param name="LearningRate">Learning rate.</param>
    /// <param name="BatchSize">Mini-batch size.</param>
    /// <param name="TrainRows">Use only the first N training rows; 0 = all.</param>
    /// <param name="Seed">The one seed of the run.</param>
    /// <param name="ModelPath">Where the model .zip goes.</param>
    /// <param name="Architecture">The multi-task architecture in text form (see <see cref="ArchitectureOptions.Parse"/>); null = shared-bottom.</param>
    /// <param name="CheckpointFolder">Folder for per-epoch checkpoints, resumed from when it holds this run's (see <see cref="CheckpointRun"/>); null = none.</param>
    public sealed record TrainSettings(string Dataset, string Method, OptimizerKind Optimizer, GradientMode Mode, int Epochs, double LearningRate,
        int BatchSize, int TrainRows, int Seed, string ModelPath, string? Architecture = null, string? CheckpointFolder = null)
    {
        /// <summary>
        /// The run configuration these flags describe; the trainer options come from it through
        /// <see cref="TrainingConfig.ToOptions"/>, as for sweeps and studies. No early stopping: every epoch runs, the best
        /// validation epoch is kept. The trunk is MultiLeNet (MoE experts, cross-stitch columns and MTAN's backbone are
        /// built from it).
        /// </summary>
        /// <exception cref="ArgumentException">An unknown architecture (the message lists the accepted ones).</exception>
        public TrainingConfig ToConfig()
        {
            // An unknown --arch fails here, before any data is read.
            if (Architecture is not null) ArchitectureOptions.Parse(Architecture);
            return new()
            {
                Method = Method, Optimizer = Optimizer, GradientMode = Mode, Epochs = Epochs, LearningRate = LearningRate, BatchSize = BatchSize,
                Seed = Seed, EarlyStoppingPatience = 0, Architecture = Architecture, Trunk = "multilenet",
            };
        }
    }

    // The configuration field each flag sets, so the configuration's one validation speaks in the flags a command-line user typed.
    private static readonly (string Field, string Flag)[] Flags =
    [
        ("learningRate", "--lr"), ("epochs", "--epochs"), ("batchSize", "--batch-size"), ("architecture", "--arch"),
    ];

    /// <summary>The configuration's one validation, its messages in the flags a command-line user typed ("--lr must be …").</summary>
    internal static void ValidateAsFlags(TrainingConfig config)
    {
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            // The validation's messages start with the field's name ("learningRate must be …").
            (string Field, string Flag) named = Flags.FirstOrDefault(f => e.Message.StartsWith(f.Field + " ", StringComparison.Ordinal));
            throw new ArgumentException(named.Flag is null ? e.Message : named.Flag + e.Message[named.Field.Length..], e);
        }
    }

    private static int Run(TrainSettings s)
    {
        using var signals = new ShutdownSignals();
        return CommandErrors.Run(() => Train(s, signals.Token), e => e switch
        {
            OperationCanceledException => $"nothing was saved; '{s.ModelPath}' is as it was." + ResumeHint(s),
            NonFiniteLossException => $"{e.Message} Nothing was saved; '{s.ModelPath}' is as it was.",
            _ => null,
        }, signals);
    }

    // After a stop, the finished epochs are in the checkpoint folder: the same command continues from them.
    private static string ResumeHint(TrainSettings s) => s.CheckpointFolder is { } folder && File.Exists(Path.Combine(folder, CheckpointRun.FileName))
        ? $" The finished epochs are checkpointed in '{folder}': run the same command again to resume." : "";

    private static int Train(TrainSettings s, CancellationToken stop)
    {
        if (s.TrainRows < 0) throw new ArgumentException($"--train-rows must be 0 (all rows) or positive; got {s.TrainRows}.");
        ValidateAsFlags(s.ToConfig());
        RequireWritableModelPath(s.ModelPath);
        if (s.CheckpointFolder is { } folder) CheckpointRun.Prepare(folder, s.Dataset, s.TrainRows, s.ToConfig());
        var ml = new MLContext(s.Seed);
        // A reloaded zip's OnnxTransformer copies its ONNX model into TempFilePath and never deletes it: use a private
        // folder of our own (random name, owner-only; what killed runs left is removed first).
        string temp = SafeFiles.CreatePrivateFolder("mtl-train-");
        ml.TempFilePath = temp;
        try
        {
            return TrainSaveReload(ml, s, stop);
        }
        finally
        {
            SafeFiles.DeleteFolder(temp);
        }
    }

    private static int TrainSaveReload(MLContext ml, TrainSettings s, CancellationToken stop)
    {
        AnsiConsole.MarkupLine($"[bold]mtl train[/] dataset [cyan]{s.Dataset}[/], architecture [cyan]{Markup.Escape(s.Architecture ?? "shared-bottom")}[/], method [cyan]{s.Method}[/], optimizer [cyan]{s.Optimizer}[/], " +
                               $"{s.Epochs} epochs, lr {s.LearningRate}, batch {s.BatchSize}, seed {s.Seed}, {torch.get_num_threads()} threads");
        var load = Stopwatch.StartNew();
        (IDataView train, IDataView validation, IDataView test, string[] taskNames) = LoadDataset(s.Dataset, s.Seed);
        long trainCount = train.GetRowCount() ?? throw new InvalidOperationException($"The {s.Dataset} training view does not know its row count.");
        if (s.TrainRows > 0)
        {
            train = ml.Data.TakeRows(train, s.TrainRows);
            trainCount = Math.Min(trainCount, s.TrainRows);
        }
        AnsiConsole.MarkupLine($"data: {trainCount} train / {validation.GetRowCount()} validation / {test.GetRowCount()} test rows ({load.Elapsed.TotalSeconds:F1}s)");

        MultiHeadNetworkTrainer.Options options = s.ToConfig().ToOptions(MultiTaskDatasets.ImageColumnName, taskNames.Select(n => new TaskDefinition(n)), validation);
        options.CheckpointFolder = s.CheckpointFolder;
        MultiHeadNetworkTrainer trainer = ml.MultiTask().Trainers.MultiHead(options);
        using MultiHeadNetworkTransformer transformer = TrainingProgress.Run(ml, s.Epochs,
            () => trainer.Fit(train, new TrainingHooks { Monitors = [new CancellationMonitor(stop)] }));
        stop.ThrowIfCancellationRequested();
        if (transformer.TrainingReport!.ResumedFromEpoch > 0)
            AnsiConsole.MarkupLine(Markup.Escape($"resumed from the checkpoint of epoch {transformer.TrainingReport.ResumedFromEpoch} in {s.CheckpointFolder}"));

        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(transformer.Transform(test), transformer);
        var table = new Table().Title($"Test accuracy ({s.Dataset}, {s.Method} + {s.Optimizer}, epoch {transformer.TrainingReport!.SelectedEpoch})");
        table.AddColumn("task").AddColumn(new TableColumn("accuracy").RightAligned()).AddColumn(new TableColumn("log-loss").RightAligned());
        foreach (TaskMetrics m in metrics.Tasks)
            table.AddRow(m.Task, m.PrimaryMetric.ToString("F4"), m.Multiclass!.LogLoss.ToString("F4"));
        table.AddRow("[bold]average[/]", $"[bold]{metrics.AverageAccuracy:F4}[/]", "");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(s.Dataset == "multi-mnist"
            ? $"reference: mean test accuracy {KurinMultiMnistReference:F4} for unitary scalarization on Multi-MNIST (Kurin et al. 2022; 100 epochs, 60k digits)"
            : $"reference: {KurinMultiMnistReference:F4} on Multi-MNIST (Kurin et al. 2022, unitary scalarization, 100 epochs); Multi-Fashion is the harder set");

        stop.ThrowIfCancellationRequested();
        SafeFiles.WriteAtomically(s.ModelPath, stream => ml.Model.Save(transformer, train.Schema, stream));
        AnsiConsole.MarkupLine($"saved [green]{Markup.Escape(s.ModelPath)}[/] ({new FileInfo(s.ModelPath).Length / 1024.0:F0} KiB)");
        ITransformer reloaded = SavedModel.Load(ml, s.ModelPath, out _);
        try
        {
            ReloadedModelReport.Print(ml, reloaded, test, transformer, metrics);
        }
        finally
        {
            (reloaded as IDisposable)?.Dispose();
        }
        return 0;
    }

    // Fails before training, not after minutes of it, when the zip could not be written.
    private static void RequireWritableModelPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("--model needs a file path; got an empty one.");
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new ArgumentException($"--model '{path}' is a folder; pass a file path such as '{Path.Combine(path, "model.zip")}'.");
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"--model '{path}': the folder '{folder}' does not exist; create it or pass a path in an existing folder.");
        // A FIFO or a device there would be replaced by a regular file: refuse it before any training.
        SafeFiles.RequireWritableTarget(full);
        try
        {
            SafeFiles.RequireCanWrite(full);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"--model '{path}': cannot write in the folder '{folder}' ({e.Message}); pass a path in a folder you can write to.", e);
        }
    }

    private static (IDataView train, IDataView validation, IDataView test, string[] tasks) LoadDataset(string name, int seed)
    {
        MultiImageSet create(DatasetSplit split) => MultiTaskDatasets.Create(name, split, seed);
        return (create(DatasetSplit.Train).AsDataView(), create(DatasetSplit.Validation).AsDataView(), create(DatasetSplit.Test).AsDataView(),
            new[] { MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName });
    }
}
