using System.CommandLine;
using System.Globalization;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Tables;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl train --data table.csv --label A --label B:regression … [--time 60]</c> and <c>mtl train --config F.mtlconfig</c>:
/// a face over <see cref="AutoTrainer"/>, which infers the schema (printed as <c>mlnet</c> prints it), trains one model with
/// the given options or searches for the best within <c>--time</c>, evaluates it per task on held-out rows, saves
/// <c>&lt;out&gt;/&lt;name&gt;.zip</c> (which takes the file's raw rows) and <c>&lt;out&gt;/&lt;name&gt;.mtlconfig</c>.
/// </summary>
internal static class TableTrainCommand
{
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
        public Option<string?> Name { get; } = new("--name") { Description = "The model's name: <out>/<name>.zip and <out>/<name>.mtlconfig (default: the data file's name)" };
        public Option<string> Out { get; } = new("--out") { Description = "Folder for the model and its .mtlconfig (created when missing)", DefaultValueFactory = _ => "." };
        public Option<double?> Time { get; } = new("--time") { Description = "Search for the best model for this many seconds (successive halving over method, learning rate, weight decay, dropout, trunk and architecture; --arch fixes the architecture)" };
        public Option<int?> MaxTrials { get; } = new("--max-trials") { Description = "With --time: start at most this many trials" };
        public Option<string> Baselines { get; } = new("--baselines") { Description = "auto | none: compare with single-task baselines on the same split", DefaultValueFactory = _ => "auto" };
        public Option<string?> Config { get; } = new("--config") { Description = "Repeat or resume the run a <name>.mtlconfig describes (finished trials are not trained again)" };

        public static TableOptions Create() => new();

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { Data, Label, IgnoreCols, HasHeader, Separator, TestData, TestFraction, Name, Out, Time, MaxTrials, Baselines, Config })
                command.Options.Add(option);
        }

        /// <summary>The first table flag the user typed, for a run without <c>--data</c> or <c>--config</c> (where it would do nothing).</summary>
        public string? GivenWithoutData(ParseResult parse) =>
            new Option[] { Label, IgnoreCols, HasHeader, Separator, TestData, TestFraction, Name, Out, Time, MaxTrials, Baselines }
                .FirstOrDefault(o => Given(parse, o))?.Name;

        /// <summary>The first flag that describes the data, which <c>--config</c> takes from its file instead.</summary>
        public string? GivenWithConfig(ParseResult parse) =>
            new Option[] { Data, Label, IgnoreCols, HasHeader, Separator, TestData, TestFraction, Name, Out }.FirstOrDefault(o => Given(parse, o))?.Name;

        /// <summary>The run the <c>--data</c> flags describe, through the mapping the web app shares (<see cref="TableRunRequest"/>).</summary>
        public AutoTrainSettings Read(ParseResult parse, string data, TrainingConfig config) => new TableRunRequest
        {
            Data = data,
            Labels = (parse.GetValue(Label) ?? []).Select(LabelRequest.Parse).ToList(),
            IgnoreColumns = (parse.GetValue(IgnoreCols) ?? []).SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
            HasHeader = parse.GetValue(HasHeader),
            Separator = ParseSeparator(parse.GetValue(Separator)),
            TestData = parse.GetValue(TestData),
            TestFraction = parse.GetValue(TestFraction),
            TestFractionGiven = Given(parse, TestFraction),
            Name = parse.GetValue(Name),
            Out = parse.GetValue(Out)!,
            Seed = config.Seed ?? 1,
            TimeSeconds = parse.GetValue(Time),
            MaxTrials = parse.GetValue(MaxTrials),
            Baselines = ParseBaselines(parse) ?? BaselinesMode.Auto,
            Config = config,
        }.ToSettings(TableRunRequest.FieldNames.Flags);

        /// <summary>The run a <c>.mtlconfig</c> describes, with <c>--time</c>, <c>--max-trials</c> and <c>--baselines</c> when given.</summary>
        public AutoTrainSettings ReadConfig(ParseResult parse, string path) =>
            TableRunRequest.WithLimits(MtlConfig.Read(path).ToSettings(path), parse.GetValue(Time), parse.GetValue(MaxTrials), ParseBaselines(parse),
                TableRunRequest.FieldNames.Flags);

        private BaselinesMode? ParseBaselines(ParseResult parse) =>
            Given(parse, Baselines) ? TableRunRequest.ParseBaselines(parse.GetValue(Baselines), TableRunRequest.FieldNames.Flags) : null;

        internal static char? ParseSeparator(string? text) => text switch
        {
            null => null,
            "tab" or "\\t" or "\t" => '\t',
            "comma" => ',',
            "semicolon" => ';',
            { Length: 1 } => text[0],
            _ => throw new ArgumentException($"--separator takes one character (or 'tab'); got '{text}'."),
        };

        private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
    }

    /// <summary>Prints <c>error: message</c> and returns exit code 1, for a flag combination refused before anything runs.</summary>
    public static int Refuse(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 1;
    }

    /// <summary>Runs the table flow; exit code 0, or 1 with one error line and no model written.</summary>
    public static int Run(Func<AutoTrainSettings> read)
    {
        using var signals = new ShutdownSignals();
        AutoTrainSettings? settings = null;
        return CommandErrors.Run(() =>
        {
            settings = read();
            TrainCommand.ValidateAsFlags(settings.Config);
            RequireWritableOut(settings.ZipPath);
            RequireWritableOut(settings.ConfigPath);
            AutoTrainDisplay.Run(settings, signals.Token);
            return 0;
        }, e => e switch
        {
            OperationCanceledException when settings is not null && File.Exists(settings.ConfigPath) =>
                $"no model was saved ('{settings.ZipPath}' is as it was); '{settings.ConfigPath}' holds the finished trials: resume with mtl train --config {settings.ConfigPath}",
            OperationCanceledException => $"nothing was saved; '{settings?.ZipPath ?? "the model"}' is as it was.",
            NonFiniteLossException => $"{e.Message} Nothing was saved; '{settings?.ZipPath ?? "the model"}' is as it was.",
            _ => null,
        }, signals);
    }

    /// <summary>Prints the inferred schema as <c>mlnet</c> does: column, type, values, purpose, task kind, missing count.</summary>
    internal static void PrintSchema(TableSchema schema)
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

    // Fails before training, not after it, when a file could not be written.
    private static void RequireWritableOut(string path)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (File.Exists(folder)) throw new ArgumentException($"--out '{folder}' is a file; pass a folder (it is created when missing).");
        if (Directory.Exists(full)) throw new ArgumentException($"'{path}' is a folder; pass another --name or --out.");
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
