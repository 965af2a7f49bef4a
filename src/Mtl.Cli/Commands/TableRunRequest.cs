using System.Globalization;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Commands;

/// <summary>
/// A run on the user's own data as a front end receives it — <c>mtl train --data</c>'s flags or the web app's Train form —
/// and the one mapping from it to <see cref="AutoTrainSettings"/>, so that a run started in the app is the run
/// <c>mtl train</c> starts with the same choices (and writes the same <c>.mtlconfig</c>).
/// </summary>
internal sealed record TableRunRequest
{
    /// <summary>The CSV/TSV file or image folder.</summary>
    public required string Data { get; init; }

    /// <summary>The label columns, one task each, in task order.</summary>
    public IReadOnlyList<LabelRequest> Labels { get; init; } = [];

    /// <summary>Columns not to load.</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>Whether the first line names the columns.</summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>The field separator, or null to infer it.</summary>
    public char? Separator { get; init; }

    /// <summary>A separate test file, or null to hold out <see cref="TestFraction"/>.</summary>
    public string? TestData { get; init; }

    /// <summary>The held-out share of the rows.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Whether the user gave <see cref="TestFraction"/> (refused beside <see cref="TestData"/>).</summary>
    public bool TestFractionGiven { get; init; }

    /// <summary>The model's name, or null for the data file's (folder's) name.</summary>
    public string? Name { get; init; }

    /// <summary>The folder for the model and its <c>.mtlconfig</c>.</summary>
    public required string Out { get; init; }

    /// <summary>The one seed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The search's time budget in seconds, or null for one training with <see cref="Config"/>.</summary>
    public double? TimeSeconds { get; init; }

    /// <summary>At most this many search trials (needs <see cref="TimeSeconds"/>).</summary>
    public int? MaxTrials { get; init; }

    /// <summary>Whether to compare with single-task baselines.</summary>
    public BaselinesMode Baselines { get; init; } = BaselinesMode.Auto;

    /// <summary>
    /// Without a budget, the one training's options; with one, only <see cref="TrainingConfig.Epochs"/> (the most a trial
    /// trains) and <see cref="TrainingConfig.Architecture"/> (fixes every trial's) are used.
    /// </summary>
    public TrainingConfig Config { get; init; } = new();

    /// <summary>The methods the search draws from, or null for the default space's.</summary>
    public IReadOnlyList<string>? SearchMethods { get; init; }

    /// <summary>The run these choices describe; the messages name the choices as <paramref name="names"/> does.</summary>
    /// <exception cref="ArgumentException">The first invalid choice.</exception>
    public AutoTrainSettings ToSettings(FieldNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        bool folder = Directory.Exists(Data);
        if (Labels.Count == 0 && !folder) throw new ArgumentException($"{names.Data} needs at least one {names.Label}, one per task.");
        if (TestData is not null && TestFractionGiven)
            throw new ArgumentException($"Give either {names.TestData} or {names.TestFraction}, not both.");
        if (TestData is null && !(TestFraction > 0 && TestFraction < 1))
            throw new ArgumentException($"{names.TestFraction} must be between 0 and 1 (exclusive); got {TestFraction.ToString(CultureInfo.InvariantCulture)}.");
        string name = Name ?? (folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Data))) : Path.GetFileNameWithoutExtension(Data));
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
            throw new ArgumentException($"{names.Name} '{name}' is not a file name; pass a plain name such as 'penguins' (the model goes to <out>/<name>.zip).");
        var settings = new AutoTrainSettings
        {
            DataPath = Data,
            Read = new TableReadOptions { Labels = Labels, IgnoreColumns = IgnoreColumns, HasHeader = HasHeader, Separator = Separator },
            TestDataPath = TestData,
            TestFraction = TestFraction,
            OutFolder = Out,
            Name = name,
            Seed = Seed,
        };
        settings = WithLimits(settings, TimeSeconds, MaxTrials, Baselines, names);
        if (SearchMethods is not null && settings.TimeBudget is null)
            throw new ArgumentException($"{names.Methods} are what the search draws from: give {names.Time} too.");
        // With a search, the epochs are the most a trial trains (the top rung) and the architecture fixes every trial's; without, both are the one trial's.
        return settings.TimeBudget is null
            ? settings with { Config = Config with { Seed = Seed } }
            : settings with
            {
                Space = settings.Space with
                {
                    Epochs = Config.Epochs,
                    Architectures = Config.Architecture is { } a ? [a] : settings.Space.Architectures,
                    Methods = SearchMethods ?? settings.Space.Methods,
                },
            };
    }

    /// <summary>Reads the baselines choice: <c>auto</c> or <c>none</c>; null when not given.</summary>
    /// <exception cref="ArgumentException">Another word.</exception>
    public static BaselinesMode? ParseBaselines(string? text, FieldNames names) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "auto" => BaselinesMode.Auto,
        "none" => BaselinesMode.None,
        _ => throw new ArgumentException($"{names.Baselines} takes auto or none; got '{text}'."),
    };

    /// <summary>
    /// <paramref name="settings"/> with a time budget, trial limit and baselines mode when given (null keeps the
    /// settings'): for a new run, and for one read from a <c>.mtlconfig</c> whose limits the user changes.
    /// </summary>
    public static AutoTrainSettings WithLimits(AutoTrainSettings settings, double? timeSeconds, int? maxTrials, BaselinesMode? baselines, FieldNames names)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (timeSeconds is { } t && !(t > 0 && double.IsFinite(t)))
            throw new ArgumentException($"{names.Time} must be a positive number of seconds; got {t.ToString(CultureInfo.InvariantCulture)}.");
        if (maxTrials is < 1) throw new ArgumentException($"{names.MaxTrials} must be at least 1; got {maxTrials}.");
        if (maxTrials is not null && timeSeconds is null && settings.TimeBudget is null) throw new ArgumentException($"{names.MaxTrials} limits the search: give {names.Time} too.");
        return settings with
        {
            TimeBudget = timeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : settings.TimeBudget,
            MaxTrials = maxTrials ?? settings.MaxTrials,
            Baselines = baselines ?? settings.Baselines,
        };
    }

    /// <summary>How a front end names the choices in its messages.</summary>
    internal sealed record FieldNames(string Data, string Label, string TestData, string TestFraction, string Name, string Time, string MaxTrials, string Methods,
        string Baselines)
    {
        /// <summary>The command line's flags.</summary>
        public static FieldNames Flags { get; } = new("--data", "--label <column>[:multiclass|binary|regression]", "--test-data", "--test-fraction", "--name",
            "--time", "--max-trials", "The search methods", "--baselines");

        /// <summary>The web app's form fields.</summary>
        public static FieldNames Form { get; } = new("The data", "label column (mark a column's purpose as label)", "The test file", "The test fraction",
            "The name", "The time budget", "The trial limit", "The methods to search", "The baselines option");
    }
}
