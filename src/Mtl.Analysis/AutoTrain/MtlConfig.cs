using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// <c>&lt;Name&gt;.mtlconfig</c>: a run of <see cref="AutoTrainer"/> as JSON, shaped after Model Builder's <c>.mbconfig</c>
/// (Scenario, DataSource with ColumnProperties, Environment, TrainingOption with TrainingTime and ValidationOption,
/// RunHistory with Trials) plus what a multi-task run adds (each label's TaskKind, the search space, the baselines). It is
/// rewritten atomically after every trial, so it always describes the run so far; <c>mtl train --config</c> repeats or
/// resumes the run from it. This class is the one mapping between the file and <see cref="AutoTrainSettings"/>.
/// </summary>
public sealed class MtlConfig
{
    /// <summary>The file extension.</summary>
    public const string Extension = ".mtlconfig";

    /// <summary>The newest format this build reads and the one it writes.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The format's version; a newer one than <see cref="CurrentVersion"/> is refused (upgrade mtl).</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>"MultiTaskTrainingConfig".</summary>
    public string Type { get; set; } = "MultiTaskTrainingConfig";

    /// <summary>The model's name: &lt;Name&gt;.zip and &lt;Name&gt;.mtlconfig, beside this file.</summary>
    public string Name { get; set; } = "";

    /// <summary>"MultiTask": one model for every label column.</summary>
    public string Scenario { get; set; } = "MultiTask";

    /// <summary>The data.</summary>
    public DataSourceSection DataSource { get; set; } = new();

    /// <summary>Where it trains.</summary>
    public EnvironmentSection Environment { get; set; } = new();

    /// <summary>How it trains.</summary>
    public TrainingOptionSection TrainingOption { get; set; } = new();

    /// <summary>The trials so far, the best, and its test metrics.</summary>
    public RunHistorySection RunHistory { get; set; } = new();

    /// <summary>The single-task baselines and the comparison.</summary>
    public BaselinesSection Baselines { get; set; } = new();

    // DataSource.Type of a table file and of an image folder (Model Builder's .mbconfig says "TabularFile" for the first).
    private const string TableFileType = "TabularFile";
    private const string ImageFolderType = "ImageFolder";

    /// <summary>The data file and how its columns are used.</summary>
    public sealed class DataSourceSection
    {
        /// <summary>"TabularFile" (a CSV/TSV file), or "ImageFolder" (one subfolder per class).</summary>
        public string Type { get; set; } = TableFileType;

        /// <summary>The data file (absolute, or relative to this file's folder).</summary>
        public string FilePath { get; set; } = "";

        /// <summary>The field separator, one character.</summary>
        public string Delimiter { get; set; } = ",";

        /// <summary>Always "." (numbers are read in the invariant culture).</summary>
        public string DecimalMarker { get; set; } = ".";

        /// <summary>Whether the first line names the columns.</summary>
        public bool HasHeader { get; set; } = true;

        /// <summary>Every column of the file, in order.</summary>
        public List<ColumnProperty> ColumnProperties { get; set; } = [];
    }

    /// <summary>One column of the data file.</summary>
    public sealed class ColumnProperty
    {
        /// <summary>The column's name (col0, col1, … without a header).</summary>
        public string ColumnName { get; set; } = "";

        /// <summary>"Label", "Feature" or "Ignore".</summary>
        public string ColumnPurpose { get; set; } = "Feature";

        /// <summary>How it loads: "Single" or "String".</summary>
        public string ColumnDataFormat { get; set; } = "Single";

        /// <summary>Whether its values are categories (one-hot for a feature, classes for a label).</summary>
        public bool IsCategorical { get; set; }

        /// <summary>A label's task kind ("Multiclass", "Binary", "Regression"); null for other columns.</summary>
        public string? TaskKind { get; set; }
    }

    /// <summary>Where the run trains.</summary>
    public sealed class EnvironmentSection
    {
        /// <summary>"LocalCPU" (TorchSharp's CPU build).</summary>
        public string Type { get; set; } = "LocalCPU";
    }

    /// <summary>How the run trains.</summary>
    public sealed class TrainingOptionSection
    {
        /// <summary>The search's time budget in seconds; null = one trial with <see cref="Trainer"/>.</summary>
        public double? TrainingTime { get; set; }

        /// <summary>The one seed.</summary>
        public int Seed { get; set; } = 1;

        /// <summary>At most this many trials (null = as many as the time allows).</summary>
        public int? MaxTrials { get; set; }

        /// <summary>The label columns in task order.</summary>
        public List<string> LabelColumns { get; set; } = [];

        /// <summary>The test rows and the validation split.</summary>
        public ValidationOptionSection ValidationOption { get; set; } = new();

        /// <summary>"SuccessiveHalving" (η = 3, three rungs; see <see cref="SuccessiveHalving"/>).</summary>
        public string Strategy { get; set; } = "SuccessiveHalving";

        /// <summary>What the search draws from.</summary>
        public SearchSpace SearchSpace { get; set; } = new();

        /// <summary>The configuration of the single trial without <see cref="TrainingTime"/>.</summary>
        public TrainingConfig Trainer { get; set; } = new();
    }

    /// <summary>The test rows and the validation split.</summary>
    public sealed class ValidationOptionSection
    {
        /// <summary>"TestFraction" (held out from the data, drawn with the seed) or "TestFile".</summary>
        public string Type { get; set; } = "TestFraction";

        /// <summary>The held-out share (Type TestFraction).</summary>
        public double? TestFraction { get; set; } = 0.2;

        /// <summary>The test file (Type TestFile; absolute, or relative to this file's folder).</summary>
        public string? TestFilePath { get; set; }

        /// <summary>Share of the training rows that validate (early stopping, the search's score); fixed at 0.2.</summary>
        public double ValidationFraction { get; set; } = TablePipeline.ValidationFraction;
    }

    /// <summary>The trials so far.</summary>
    public sealed class RunHistorySection
    {
        /// <summary>The section's version.</summary>
        public int Version { get; set; } = 1;

        /// <summary>"Result".</summary>
        public string Type { get; set; } = "Result";

        /// <summary>What Score is: "SelectionScore", Δm in percent of the validation metrics over a constant predictor (higher is better).</summary>
        public string MetricName { get; set; } = "SelectionScore";

        /// <summary>The trials in the order they ran.</summary>
        public List<TrialEntry> Trials { get; set; } = [];

        /// <summary>The number of the trial the saved model comes from (null until the model is saved).</summary>
        public int? BestTrial { get; set; }

        /// <summary>The saved model (null until it is saved).</summary>
        public string? ModelFilePath { get; set; }

        /// <summary>The saved model's per-task test metrics, by ML.NET's names.</summary>
        public List<TaskTestMetrics>? TestMetrics { get; set; }
    }

    /// <summary>One trial.</summary>
    public sealed class TrialEntry
    {
        /// <summary>1-based position in the trial sequence.</summary>
        public int Number { get; set; }

        /// <summary>"MultiHeadNetwork".</summary>
        public string TrainerName { get; set; } = "MultiHeadNetwork";

        /// <summary>The MTL method (also in Parameter).</summary>
        public string Method { get; set; } = "";

        /// <summary>The search's candidate index.</summary>
        public int Candidate { get; set; }

        /// <summary>The successive-halving rung.</summary>
        public int Rung { get; set; }

        /// <summary>"Finished", "Diverged" or "NotApplicable".</summary>
        public string Status { get; set; } = TrialResult.Finished;

        /// <summary>The validation SelectionScore (null unless finished).</summary>
        public double? Score { get; set; }

        /// <summary>Wall time of the trial.</summary>
        public double RuntimeInSeconds { get; set; }

        /// <summary>Seconds of training steps.</summary>
        public double TrainingSeconds { get; set; }

        /// <summary>Epochs trained.</summary>
        public int EpochsTrained { get; set; }

        /// <summary>The epoch whose weights were kept.</summary>
        public int SelectedEpoch { get; set; }

        /// <summary>Why it did not finish.</summary>
        public string? Reason { get; set; }

        /// <summary>The trial's training configuration.</summary>
        public TrainingConfig Parameter { get; set; } = new();
    }

    /// <summary>One task's test metrics.</summary>
    public sealed class TaskTestMetrics
    {
        /// <summary>The task.</summary>
        public string Task { get; set; } = "";

        /// <summary>Its kind.</summary>
        public string Kind { get; set; } = "";

        /// <summary>Labelled test rows.</summary>
        public long LabelledRows { get; set; }

        /// <summary>ML.NET's metric names → values.</summary>
        public Dictionary<string, double> Metrics { get; set; } = [];
    }

    /// <summary>The single-task baselines.</summary>
    public sealed class BaselinesSection
    {
        /// <summary>"Auto" (train them when this build has them) or "None".</summary>
        public string Mode { get; set; } = nameof(BaselinesMode.Auto);

        /// <summary>What happened: "NotRun", "Skipped: …" or "Compared".</summary>
        public string Status { get; set; } = "NotRun";

        /// <summary>Per task: the baseline beside the multi-task model.</summary>
        public List<TaskComparison>? Tasks { get; set; }

        /// <summary>Δm of the multi-task model over the baselines, in percent.</summary>
        public double? DeltaM { get; set; }

        /// <summary>The verdict in words.</summary>
        public string? Verdict { get; set; }
    }

    /// <summary>The serializer settings: PascalCase as in <c>.mbconfig</c>, enums as strings, indented, unknown fields refused.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    /// <summary>A new file for a run: its settings and the inferred schema, no trials yet.</summary>
    public static MtlConfig For(AutoTrainSettings settings, TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(schema);
        return new MtlConfig
        {
            Name = settings.Name,
            DataSource = new DataSourceSection
            {
                Type = schema.IsImageFolder ? ImageFolderType : TableFileType,
                FilePath = Path.GetFullPath(settings.DataPath),
                Delimiter = schema.Separator.ToString(),
                HasHeader = schema.HasHeader,
                ColumnProperties = Columns(schema),
            },
            TrainingOption = new TrainingOptionSection
            {
                TrainingTime = settings.TimeBudget?.TotalSeconds,
                Seed = settings.Seed,
                MaxTrials = settings.MaxTrials,
                // The schema's labels: an image folder's one task is named even when no --label was given.
                LabelColumns = schema.Labels.Select(l => l.Name).ToList(),
                ValidationOption = settings.TestDataPath is null
                    ? new ValidationOptionSection { Type = "TestFraction", TestFraction = settings.TestFraction }
                    : new ValidationOptionSection { Type = "TestFile", TestFraction = null, TestFilePath = Path.GetFullPath(settings.TestDataPath) },
                SearchSpace = settings.Space,
                Trainer = settings.Config,
            },
            RunHistory = new RunHistorySection { Trials = settings.History.Select(Entry).ToList() },
            Baselines = new BaselinesSection { Mode = settings.Baselines.ToString() },
        };
    }

    /// <summary>
    /// The run this file describes, for <c>mtl train --config</c>: the data and labels, the split, the seed, the budget,
    /// the search space, and the finished trials as <see cref="AutoTrainSettings.History"/> (not trained again). The model
    /// goes beside the file, as <see cref="Name"/>.zip.
    /// </summary>
    /// <param name="configPath">This file's path (relative paths inside it are resolved against its folder).</param>
    public AutoTrainSettings ToSettings(string configPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.Combine(folder, p);
        var kinds = DataSource.ColumnProperties.Where(c => c.TaskKind is not null)
            .ToDictionary(c => c.ColumnName, c => Enum.Parse<TaskKind>(c.TaskKind!), StringComparer.Ordinal);
        ValidationOptionSection v = TrainingOption.ValidationOption;
        return new AutoTrainSettings
        {
            DataPath = Resolve(DataSource.FilePath),
            Read = new TableReadOptions
            {
                Labels = TrainingOption.LabelColumns.Select(l => new LabelRequest(l, kinds[l])).ToList(),
                IgnoreColumns = DataSource.ColumnProperties.Where(c => c.ColumnPurpose == nameof(ColumnPurpose.Ignore)).Select(c => c.ColumnName).ToList(),
                HasHeader = DataSource.HasHeader,
                Separator = DataSource.Delimiter[0],
            },
            TestDataPath = v.Type == "TestFile" ? Resolve(v.TestFilePath!) : null,
            TestFraction = v.TestFraction ?? 0.2,
            OutFolder = folder,
            Name = Name,
            Seed = TrainingOption.Seed,
            TimeBudget = TrainingOption.TrainingTime is { } t ? TimeSpan.FromSeconds(t) : null,
            MaxTrials = TrainingOption.MaxTrials,
            Config = TrainingOption.Trainer,
            Space = TrainingOption.SearchSpace,
            Baselines = Enum.Parse<BaselinesMode>(Baselines.Mode),
            RecordedColumns = DataSource.ColumnProperties,
            History = RunHistory.Trials.Select(t => new TrialResult(t.Number, t.Candidate, t.Rung, t.Parameter, t.Status, t.Score, t.RuntimeInSeconds,
                t.TrainingSeconds, t.EpochsTrained, t.SelectedEpoch, t.Reason)).ToList(),
        };
    }

    /// <summary>
    /// Checks that <paramref name="schema"/> (inferred from the data file now) reads as <paramref name="recorded"/> (the
    /// columns a <c>.mtlconfig</c> recorded): the same columns, purposes, formats and task kinds, so a resumed run
    /// continues on the same data.
    /// </summary>
    /// <exception cref="InvalidDataException">The first difference, naming the field and <paramref name="configPath"/>.</exception>
    public static void RequireSameColumns(IReadOnlyList<ColumnProperty> recorded, TableSchema schema, string configPath)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(schema);
        List<ColumnProperty> now = Columns(schema);
        if (now.Count != recorded.Count)
            throw Invalid(configPath, "$.DataSource.ColumnProperties", $"it lists {recorded.Count} columns but '{schema.Path}' now has {now.Count}; " +
                "the data changed since the run. Start a new run with --data.");
        for (int i = 0; i < now.Count; i++)
        {
            ColumnProperty was = recorded[i], @is = now[i];
            string? field = was.ColumnName != @is.ColumnName ? "ColumnName" : was.ColumnPurpose != @is.ColumnPurpose ? "ColumnPurpose"
                : was.ColumnDataFormat != @is.ColumnDataFormat ? "ColumnDataFormat" : was.TaskKind != @is.TaskKind ? "TaskKind"
                : was.IsCategorical != @is.IsCategorical ? "IsCategorical" : null;
            if (field is null) continue;
            string Value(ColumnProperty c) => field switch
            {
                "ColumnName" => c.ColumnName, "ColumnPurpose" => c.ColumnPurpose, "ColumnDataFormat" => c.ColumnDataFormat,
                "TaskKind" => c.TaskKind ?? "null", _ => c.IsCategorical ? "true" : "false",
            };
            throw Invalid(configPath, $"$.DataSource.ColumnProperties[{i}].{field}", $"it says '{Value(was)}' but '{schema.Path}' now reads as '{Value(@is)}'; " +
                "the data changed since the run. Start a new run with --data.");
        }
    }

    /// <summary>The columns of <paramref name="schema"/> as the file keeps them.</summary>
    public static List<ColumnProperty> Columns(TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.Columns.Select(c => new ColumnProperty
        {
            ColumnName = c.Name,
            ColumnPurpose = c.Purpose.ToString(),
            ColumnDataFormat = c.Purpose == ColumnPurpose.Ignore ? "String" : c.LoadsAsNumber ? "Single" : "String",
            IsCategorical = c.Purpose == ColumnPurpose.Label ? c.Kind != Mtl.Trainers.TaskKind.Regression : c.Values is ColumnValues.Category or ColumnValues.Boolean,
            TaskKind = c.Kind?.ToString(),
        }).ToList();
    }

    /// <summary>A trial as the file keeps it.</summary>
    public static TrialEntry Entry(TrialResult t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new TrialEntry
        {
            Number = t.Number, Method = t.Config.Method, Candidate = t.Candidate, Rung = t.Rung, Status = t.Status, Score = t.Score,
            RuntimeInSeconds = Math.Round(t.Seconds, 3), TrainingSeconds = Math.Round(t.TrainingSeconds, 3), EpochsTrained = t.EpochsTrained,
            SelectedEpoch = t.SelectedEpoch, Reason = t.Reason, Parameter = t.Config,
        };
    }

    /// <summary>Per-task test metrics as the file keeps them.</summary>
    public static List<TaskTestMetrics> Metrics(MultiTaskMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics.Tasks.Select(m => new TaskTestMetrics
        {
            Task = m.Task, Kind = m.Kind.ToString(), LabelledRows = m.LabelledRows,
            Metrics = TaskMetricNames.Reported(m).ToDictionary(x => x.Name, x => x.Value),
        }).ToList();
    }

    /// <summary>Writes the file whole (temporary file + rename): a reader never sees half of it.</summary>
    public void Write(string path) => SafeFiles.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>
    /// Reads and checks a file: its Version first (a newer one is refused: upgrade mtl), then every field (an unknown
    /// field or a value of the wrong type or out of range fails naming its JSON path and the file).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid <c>.mtlconfig</c> of this or an older version.</exception>
    public static MtlConfig Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The configuration file '{path}' does not exist; pass the <name>{Extension} a run of mtl train wrote.", path);
        string text = File.ReadAllText(path);
        CheckVersion(text, path);
        MtlConfig config;
        try
        {
            config = JsonSerializer.Deserialize<MtlConfig>(text, Json) ?? throw Invalid(path, "$", "the file holds null; it must be a JSON object.");
        }
        catch (JsonException e)
        {
            string what = e.Message.Split(" Path:", 2)[0];
            throw Invalid(path, e.Path ?? "$", what);
        }
        config.Check(path);
        return config;
    }

    private static void CheckVersion(string text, string path)
    {
        JsonElement version;
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(path, "$", "the file must hold one JSON object.");
            if (!document.RootElement.TryGetProperty(nameof(Version), out version))
                throw Invalid(path, "$.Version", "the field is missing; a .mtlconfig says which format it is in.");
            version = version.Clone();
        }
        catch (JsonException e)
        {
            throw Invalid(path, e.Path ?? "$", $"not valid JSON (line {e.LineNumber + 1}): {e.Message.Split(" Path:", 2)[0]}");
        }
        if (version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v) || v < 1)
            throw Invalid(path, "$.Version", $"must be a positive whole number; got {version.GetRawText()}.");
        if (v > CurrentVersion)
            throw new InvalidDataException($"'{path}' is a version {v} .mtlconfig, written by a newer mtl; this mtl reads versions up to {CurrentVersion}. " +
                "Upgrade mtl (dotnet tool update --global mtl) to use it.");
    }

    // The checks the types cannot express, each naming its JSON path.
    private void Check(string path)
    {
        void Require([System.Diagnostics.CodeAnalysis.DoesNotReturnIf(false)] bool ok, string field, string message)
        {
            if (!ok) throw Invalid(path, field, message);
        }
        Require(Type == "MultiTaskTrainingConfig", "$.Type", $"must be \"MultiTaskTrainingConfig\"; got \"{Type}\".");
        Require(Scenario == "MultiTask", "$.Scenario", $"must be \"MultiTask\"; got \"{Scenario}\".");
        Require(Name.Length > 0 && Name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && Name is not ("." or ".."), "$.Name", $"must be a plain file name; got \"{Name}\".");
        Require(DataSource is not null, "$.DataSource", "is missing.");
        Require(DataSource!.Type is TableFileType or ImageFolderType, "$.DataSource.Type", $"must be \"{TableFileType}\" or \"{ImageFolderType}\"; got \"{DataSource.Type}\".");
        Require(DataSource.FilePath.Length > 0, "$.DataSource.FilePath", "must name the data file.");
        Require(DataSource.Delimiter is { Length: 1 }, "$.DataSource.Delimiter", $"must be one character; got \"{DataSource.Delimiter}\".");
        Require(DataSource.DecimalMarker == ".", "$.DataSource.DecimalMarker", $"must be \".\"; got \"{DataSource.DecimalMarker}\".");
        Require(DataSource.ColumnProperties is { Count: > 0 }, "$.DataSource.ColumnProperties", "must list the file's columns.");
        for (int i = 0; i < DataSource.ColumnProperties.Count; i++)
        {
            ColumnProperty c = DataSource.ColumnProperties[i];
            string at = $"$.DataSource.ColumnProperties[{i}]";
            Require(c is not null && c.ColumnName.Length > 0, at + ".ColumnName", "must name the column.");
            Require(Enum.TryParse(c!.ColumnPurpose, out ColumnPurpose _) && !int.TryParse(c.ColumnPurpose, out _), at + ".ColumnPurpose",
                $"must be Label, Feature or Ignore; got \"{c.ColumnPurpose}\".");
            Require(c.ColumnDataFormat is "Single" or "String", at + ".ColumnDataFormat", $"must be Single or String; got \"{c.ColumnDataFormat}\".");
            bool isLabel = c.ColumnPurpose == nameof(ColumnPurpose.Label);
            Require(isLabel ? c.TaskKind is not null && Enum.TryParse(c.TaskKind, out TaskKind _) && !int.TryParse(c.TaskKind, out _) : c.TaskKind is null, at + ".TaskKind",
                isLabel ? $"a label needs Multiclass, Binary or Regression; got {(c.TaskKind is null ? "null" : $"\"{c.TaskKind}\"")}." : "only a label has a task kind; set it to null.");
        }
        Require(Environment?.Type == "LocalCPU", "$.Environment.Type", $"must be \"LocalCPU\"; got \"{Environment?.Type}\".");

        TrainingOptionSection o = TrainingOption ?? throw Invalid(path, "$.TrainingOption", "is missing.");
        Require(o.TrainingTime is null || (double.IsFinite(o.TrainingTime.Value) && o.TrainingTime > 0), "$.TrainingOption.TrainingTime",
            $"must be a positive number of seconds, or null for one trial; got {o.TrainingTime?.ToString(CultureInfo.InvariantCulture)}.");
        Require(o.MaxTrials is null or >= 1, "$.TrainingOption.MaxTrials", $"must be at least 1, or null; got {o.MaxTrials}.");
        Require(o.LabelColumns is { Count: > 0 }, "$.TrainingOption.LabelColumns", "must name at least one label column.");
        var labels = DataSource.ColumnProperties.Where(c => c.ColumnPurpose == nameof(ColumnPurpose.Label)).Select(c => c.ColumnName).ToHashSet(StringComparer.Ordinal);
        for (int i = 0; i < o.LabelColumns.Count; i++)
            Require(labels.Contains(o.LabelColumns[i]), $"$.TrainingOption.LabelColumns[{i}]", $"'{o.LabelColumns[i]}' is not a column with ColumnPurpose Label in DataSource.ColumnProperties.");
        Require(labels.SetEquals(o.LabelColumns) && o.LabelColumns.Distinct().Count() == o.LabelColumns.Count, "$.TrainingOption.LabelColumns",
            "must list every Label column of DataSource.ColumnProperties once.");
        ValidationOptionSection v = o.ValidationOption ?? throw Invalid(path, "$.TrainingOption.ValidationOption", "is missing.");
        Require(v.Type is "TestFraction" or "TestFile", "$.TrainingOption.ValidationOption.Type", $"must be TestFraction or TestFile; got \"{v.Type}\".");
        if (v.Type == "TestFraction")
            Require(v.TestFraction is > 0 and < 1 && v.TestFilePath is null, "$.TrainingOption.ValidationOption.TestFraction",
                $"must be between 0 and 1 (exclusive), with TestFilePath null; got {v.TestFraction?.ToString(CultureInfo.InvariantCulture) ?? "null"}.");
        else
            Require(v.TestFilePath is { Length: > 0 } && v.TestFraction is null, "$.TrainingOption.ValidationOption.TestFilePath", "must name the test file, with TestFraction null.");
        Require(v.ValidationFraction == TablePipeline.ValidationFraction, "$.TrainingOption.ValidationOption.ValidationFraction",
            $"is fixed at {TablePipeline.ValidationFraction.ToString(CultureInfo.InvariantCulture)}; got {v.ValidationFraction.ToString(CultureInfo.InvariantCulture)}.");
        Require(o.Strategy == "SuccessiveHalving", "$.TrainingOption.Strategy", $"must be \"SuccessiveHalving\"; got \"{o.Strategy}\".");
        Require(o.SearchSpace is not null, "$.TrainingOption.SearchSpace", "is missing.");
        Settings(() => o.SearchSpace!.Validate(), "$.TrainingOption.SearchSpace");
        Require(o.Trainer is not null, "$.TrainingOption.Trainer", "is missing.");
        Settings(() => o.Trainer!.Validate(), "$.TrainingOption.Trainer");

        RunHistorySection h = RunHistory ?? throw Invalid(path, "$.RunHistory", "is missing.");
        Require(h.MetricName == "SelectionScore", "$.RunHistory.MetricName", $"must be \"SelectionScore\"; got \"{h.MetricName}\".");
        Require(h.Trials is not null, "$.RunHistory.Trials", "must be a list (empty to start over).");
        for (int i = 0; i < h.Trials!.Count; i++)
        {
            TrialEntry t = h.Trials[i];
            string at = $"$.RunHistory.Trials[{i}]";
            Require(t is not null && t.Number == i + 1, at + ".Number", $"must be {i + 1} (trials are numbered in order).");
            Require(t!.Status is TrialResult.Finished or TrialResult.Diverged or TrialResult.NotApplicable, at + ".Status",
                $"must be Finished, Diverged or NotApplicable; got \"{t.Status}\".");
            Require(t.Status == TrialResult.Finished ? t.Score is { } s && double.IsFinite(s) : t.Score is null, at + ".Score",
                t.Status == TrialResult.Finished ? "a finished trial needs its finite validation score." : "only a finished trial has a score; set it to null.");
            Require(double.IsFinite(t.RuntimeInSeconds) && t.RuntimeInSeconds >= 0, at + ".RuntimeInSeconds", "must be a non-negative number of seconds.");
            Require(t.Parameter is not null, at + ".Parameter", "is missing.");
            Settings(() => t.Parameter.Validate(), at + ".Parameter");
            Require(t.Method == t.Parameter.Method, at + ".Method", $"says \"{t.Method}\" but Parameter.Method is \"{t.Parameter.Method}\".");
        }
        Require(Baselines is not null && Enum.TryParse(Baselines.Mode, out BaselinesMode _) && !int.TryParse(Baselines.Mode, out _), "$.Baselines.Mode",
            $"must be Auto or None; got \"{Baselines?.Mode}\".");

        void Settings(Action validate, string field)
        {
            try
            {
                validate();
            }
            catch (ArgumentException e)
            {
                throw Invalid(path, field, e.Message);
            }
        }
    }

    private static InvalidDataException Invalid(string path, string field, string message) =>
        new($"'{path}': {field}: {message} Fix the field, or start a new run with --data.");
}
