using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Tables;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl train --data table.csv --label A --label B:regression …</c>: infers the table's schema (printed as <c>mlnet</c>
/// prints it), trains one multi-task model with its preprocessing in front, evaluates it per task on held-out rows,
/// saves <c>&lt;out&gt;/&lt;name&gt;.zip</c> (which takes the file's raw rows) and reports the reloaded zip's metrics.
/// </summary>
internal static class TableTrainCommand
{
    /// <summary>What the table flags asked for.</summary>
    /// <param name="Data">The CSV/TSV file.</param>
    /// <param name="Read">Labels, ignored columns, header and separator.</param>
    /// <param name="TestData">A separate test file with the same columns, or null to hold out <paramref name="TestFraction"/>.</param>
    /// <param name="TestFraction">Share of the rows held out for the test when there is no test file.</param>
    /// <param name="ZipPath">Where the model goes: &lt;out&gt;/&lt;name&gt;.zip.</param>
    public sealed record Settings(string Data, TableReadOptions Read, string? TestData, double TestFraction, string ZipPath);

    /// <summary>The table flags of <c>mtl train</c>.</summary>
    internal sealed class TableOptions
    {
        public Option<string?> Data { get; } = new("--data") { Description = "Your own data: a CSV or TSV file (one row per example; a column may hold image paths), or a folder of images with one subfolder per class" };
        public Option<string[]> Label { get; } = new("--label")
        {
            Description = "A label column, one task each; repeat for more tasks. Kind inferred, or given: <column>:multiclass|binary|regression",
            Arity = ArgumentArity.OneOrMore,
        };
        public Option<string[]> IgnoreCols { get; } = new("--ignore-cols") { Description = "Columns not to use (comma-separated or repeated)", Arity = ArgumentArity.OneOrMore };
        public Option<bool> HasHeader { get; } = new("--has-header") { Description = "Whether the first line names the columns", DefaultValueFactory = _ => true };
        public Option<string?> Separator { get; } = new("--separator") { Description = "Field separator: a character, or tab (inferred from the first line when not given)" };
        public Option<string?> TestData { get; } = new("--test-data") { Description = "A test file with the same columns (otherwise --test-fraction of the rows is held out)" };
        public Option<double> TestFraction { get; } = new("--test-fraction") { Description = "Share of the rows held out for the test, drawn with --seed", DefaultValueFactory = _ => 0.2 };
        public Option<string?> Name { get; } = new("--name") { Description = "The model's name: <out>/<name>.zip (default: the data file's name)" };
        public Option<string> Out { get; } = new("--out") { Description = "Folder for the model (created when missing)", DefaultValueFactory = _ => "." };

        public static TableOptions Create() => new();

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { Data, Label, IgnoreCols, HasHeader, Separator, TestData, TestFraction, Name, Out }) command.Options.Add(option);
        }

        /// <summary>The first table flag the user typed, for a run without <c>--data</c> (where it would do nothing).</summary>
        public string? GivenWithoutData(ParseResult parse) =>
            new Option[] { Label, IgnoreCols, HasHeader, Separator, TestData, TestFraction, Name, Out }
                .FirstOrDefault(o => parse.GetResult(o) is { Implicit: false })?.Name;

        public Settings Read(ParseResult parse, string data)
        {
            string[] labels = parse.GetValue(Label) ?? [];
            bool folder = Directory.Exists(data);
            if (labels.Length == 0 && !folder) throw new ArgumentException("--data needs at least one --label <column>[:multiclass|binary|regression], one per task.");
            string? testData = parse.GetValue(TestData);
            double fraction = parse.GetValue(TestFraction);
            if (testData is not null && parse.GetResult(TestFraction) is { Implicit: false })
                throw new ArgumentException("Give either --test-data or --test-fraction, not both.");
            if (testData is null && !(fraction > 0 && fraction < 1))
                throw new ArgumentException($"--test-fraction must be between 0 and 1 (exclusive); got {fraction.ToString(CultureInfo.InvariantCulture)}.");
            string name = parse.GetValue(Name) ?? (folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(data))) : Path.GetFileNameWithoutExtension(data));
            if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
                throw new ArgumentException($"--name '{name}' is not a file name; pass a plain name such as 'penguins' (the model goes to <out>/<name>.zip).");
            return new Settings(data, new TableReadOptions
            {
                Labels = labels.Select(LabelRequest.Parse).ToList(),
                IgnoreColumns = (parse.GetValue(IgnoreCols) ?? []).SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                HasHeader = parse.GetValue(HasHeader),
                Separator = ParseSeparator(parse.GetValue(Separator)),
            }, testData, fraction, Path.Combine(parse.GetValue(Out)!, name + ".zip"));
        }

        private static char? ParseSeparator(string? text) => text switch
        {
            null => null,
            "tab" or "\\t" or "\t" => '\t',
            "comma" => ',',
            "semicolon" => ';',
            { Length: 1 } => text[0],
            _ => throw new ArgumentException($"--separator takes one character (or 'tab'); got '{text}'."),
        };
    }

    /// <summary>Prints <c>error: message</c> and returns exit code 1, for a flag combination refused before anything runs.</summary>
    public static int Refuse(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }

    /// <summary>Runs the table flow; exit code 0, or 1 with one error line and nothing written.</summary>
    public static int Run(Func<Settings> read, TrainingConfig config)
    {
        using var signals = new ShutdownSignals();
        string zip = "the model";
        return CommandErrors.Run(() =>
        {
            Settings settings = read();
            zip = settings.ZipPath;
            return Train(settings, config, signals.Token);
        }, e => e switch
        {
            OperationCanceledException => $"nothing was saved; '{zip}' is as it was.",
            NonFiniteLossException => $"{e.Message} Nothing was saved; '{zip}' is as it was.",
            _ => null,
        }, signals);
    }

    private static int Train(Settings s, TrainingConfig config, CancellationToken stop)
    {
        TrainCommand.ValidateAsFlags(config);
        RequireWritableOut(s.ZipPath);
        TableSchema schema = TableSchema.Infer(s.Data, s.Read);
        PrintSchema(schema);
        if (s.TestData is not null) schema.RequireSameColumns(s.TestData);

        int seed = config.Seed ?? 1;
        var ml = new MLContext(seed);
        // A reloaded zip's OnnxTransformer copies its ONNX model into TempFilePath and never deletes it: a private folder.
        string temp = SafeFiles.CreatePrivateFolder("mtl-train-");
        ml.TempFilePath = temp;
        try
        {
            IDataView all = TablePipeline.Load(ml, schema, s.Data);
            IDataView train, test;
            if (s.TestData is null)
            {
                DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(all, s.TestFraction, seed: seed);
                (train, test) = (split.TrainSet, split.TestSet);
            }
            else
            {
                (train, test) = (all, TablePipeline.Load(ml, schema, s.TestData));
            }
            AnsiConsole.MarkupLine($"training [cyan]{schema.Labels.Count}[/] tasks with '{Markup.Escape(config.Method)}', seed {seed}; " +
                $"{(config.Epochs is null && config.BatchSize is null ? "automatic trunk, batch size and epochs" : "options as given")}, " +
                $"early stopping on {TablePipeline.ValidationFraction:P0} of the training rows");
            TableModel model = TrainingProgress.Run(ml, config.Epochs,
                () => TablePipeline.Fit(ml, schema, train, config, seed, new TrainingHooks { Monitors = [new Mtl.Trainers.Monitoring.CancellationMonitor(stop)] }));
            using MultiHeadNetworkTransformer network = model.Network;
            stop.ThrowIfCancellationRequested();

            MultiTaskMetrics metrics = ml.MultiTask().Evaluate(model.Model.Transform(test), network);
            ReloadedModelReport.PrintTableMetrics($"Test metrics (selected epoch {network.TrainingReport!.SelectedEpoch})", metrics, null);

            stop.ThrowIfCancellationRequested();
            SafeFiles.WriteAtomically(s.ZipPath, stream => ml.Model.Save(model.Model, all.Schema, stream));
            AnsiConsole.MarkupLine($"saved [green]{Markup.Escape(s.ZipPath)}[/] ({new FileInfo(s.ZipPath).Length / 1024.0:F0} KiB); it takes the file's raw rows");
            if (schema.Images is { } images)
                AnsiConsole.MarkupLine(Markup.Escape($"its image paths: absolute, or relative to {images.Folder} (the folder the model keeps)"));
            ITransformer reloaded = ml.Model.Load(s.ZipPath, out _);
            try
            {
                MultiTaskMetrics again = ml.MultiTask().Evaluate(reloaded.Transform(test), network.Tasks);
                ReloadedModelReport.PrintTableMetrics($"Reloaded {Path.GetFileName(s.ZipPath)} (plain mlContext.Model.Load, ONNX Runtime) on the same test rows", again, metrics);
            }
            finally
            {
                (reloaded as IDisposable)?.Dispose();
            }
            return 0;
        }
        finally
        {
            SafeFiles.DeleteFolder(temp);
        }
    }

    private static void PrintSchema(TableSchema schema)
    {
        if (schema.IsImageFolder)
        {
            PrintImageFolder(schema);
            return;
        }
        string separator = schema.Separator == '\t' ? "tab" : $"'{schema.Separator}'";
        var table = new Table().Title(Markup.Escape($"Inferred schema of {Path.GetFileName(schema.Path)}: {schema.RowCount} rows, separator {separator}, " +
            $"{(schema.HasHeader ? "header" : "no header")}"));
        table.AddColumn("column").AddColumn("type").AddColumn("values").AddColumn("purpose").AddColumn("task kind")
            .AddColumn(new Spectre.Console.TableColumn("missing").RightAligned());
        foreach (Mtl.Trainers.Tables.TableColumn c in schema.Columns)
        {
            string type = c.Purpose == ColumnPurpose.Ignore ? "-" : c.LoadsAsNumber ? "Single" : "String";
            string purpose = c.Purpose.ToString().ToLowerInvariant() + (c.Note is null ? "" : $" ({c.Note})");
            table.AddRow(Markup.Escape(c.Name), type, c.Values.ToString().ToLowerInvariant(), Markup.Escape(purpose),
                c.Kind?.ToString().ToLowerInvariant() ?? "", c.MissingCount.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        if (schema.Images is not null) PrintImages(schema.Images);
    }

    private static void PrintImageFolder(TableSchema schema)
    {
        ImageSet images = schema.Images!;
        AnsiConsole.MarkupLine(Markup.Escape($"Image folder {schema.Path}: {schema.RowCount} images in {images.Classes.Count} classes, " +
            $"one multiclass task '{schema.Labels[0].Name}'"));
        var table = new Table();
        table.AddColumn("class").AddColumn(new Spectre.Console.TableColumn("images").RightAligned());
        foreach ((string name, int count) in images.Classes) table.AddRow(Markup.Escape(name), count.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        PrintImages(images);
    }

    private static void PrintImages(ImageSet images)
    {
        string sizes = images.SmallestSide == images.LargestSide ? $"{images.LargestSide} px" : $"{images.SmallestSide}–{images.LargestSide} px";
        AnsiConsole.MarkupLine(Markup.Escape($"images in '{images.Column}': {images.Count}, sides {sizes}, {(images.Channels == 1 ? "grey" : "colour")}; " +
            $"the model resizes each to {images.Side}×{images.Side} {(images.Channels == 1 ? "grey" : "RGB")} pixels in [0, 1]"));
    }

    // Fails before training, not after it, when the zip could not be written.
    private static void RequireWritableOut(string zipPath)
    {
        string full = Path.GetFullPath(zipPath);
        string folder = Path.GetDirectoryName(full)!;
        if (File.Exists(folder)) throw new ArgumentException($"--out '{folder}' is a file; pass a folder (it is created when missing).");
        if (Directory.Exists(full)) throw new ArgumentException($"'{zipPath}' is a folder; pass another --name or --out.");
        if (!Directory.Exists(folder)) return;
        // A FIFO or a device there would be replaced by a regular file: refuse it before any training.
        SafeFiles.RequireWritableTarget(full);
        try
        {
            SafeFiles.RequireCanWrite(full);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"--out '{folder}': cannot write '{Path.GetFileName(full)}' there ({e.Message}); pass a folder you can write to.", e);
        }
    }
}
