using Microsoft.AspNetCore.Http;
using Mtl.Analysis.AutoTrain;
using Mtl.Cli.Commands;
using Mtl.Trainers;

namespace Mtl.Cli.Ui;

/// <summary>
/// <c>POST /api/runs</c>: the Train form. Every field maps to the <c>mtl train --data</c> flag of the same meaning, through
/// <see cref="TableRunRequest"/> (the CLI's own mapping): data → <c>--data</c>, labels → <c>--label column:kind</c>,
/// ignore → <c>--ignore-cols</c>, timeSeconds → <c>--time</c>, maxTrials → <c>--max-trials</c>, testFraction →
/// <c>--test-fraction</c>, testData → <c>--test-data</c>, arch → <c>--arch</c>, seed → <c>--seed</c>, name → <c>--name</c>,
/// baselines → <c>--baselines</c>; methods restrict the search's methods (recorded in the <c>.mtlconfig</c>'s SearchSpace).
/// </summary>
internal sealed record StartRequest
{
    /// <summary>The data file or image folder, relative to the working folder.</summary>
    public string? Data { get; init; }

    /// <summary>The label columns with their kinds (kind null or "auto" = inferred).</summary>
    public List<DataEndpoints.LabelChoice>? Labels { get; init; }

    /// <summary>Columns not to use.</summary>
    public List<string>? Ignore { get; init; }

    /// <summary>Whether the first line names the columns (default true).</summary>
    public bool? HasHeader { get; init; }

    /// <summary>The separator: a character or "tab"; null = inferred.</summary>
    public string? Separator { get; init; }

    /// <summary>The search's time budget in seconds; null = one training with the trainer's automatic options.</summary>
    public double? TimeSeconds { get; init; }

    /// <summary>At most this many trials (with a time budget).</summary>
    public int? MaxTrials { get; init; }

    /// <summary>"testFraction" (default: hold out <see cref="TestFraction"/> of the rows) or "testFile" (<see cref="TestData"/>).</summary>
    public string? Validation { get; init; }

    /// <summary>The held-out share (default 0.2).</summary>
    public double? TestFraction { get; init; }

    /// <summary>The test file, relative to the working folder (validation "testFile").</summary>
    public string? TestData { get; init; }

    /// <summary>The methods the search draws from (null or empty = the default space's).</summary>
    public List<string>? Methods { get; init; }

    /// <summary>The architecture (fixes the search's; null = drawn by the search).</summary>
    public string? Arch { get; init; }

    /// <summary>The most epochs a trial trains (null = the trainer's automatic count).</summary>
    public int? Epochs { get; init; }

    /// <summary>The one seed (default 1).</summary>
    public int? Seed { get; init; }

    /// <summary>The model's name (default: the data's name); the run's id is the name, or name-2, name-3, … when taken.</summary>
    public string? Name { get; init; }

    /// <summary>"auto" (default) or "none".</summary>
    public string? Baselines { get; init; }

    /// <summary>The run these fields describe (its output folder is set when the run's id is known); 400 for the first bad field.</summary>
    public AutoTrainSettings ToSettings(UiContext ui)
    {
        if (string.IsNullOrWhiteSpace(Data)) throw Bad("Choose the data first (a CSV/TSV file or an image folder) on the Data page.");
        string data = ui.ResolvePath(Data);
        if (!File.Exists(data) && !Directory.Exists(data)) throw new UiException(StatusCodes.Status404NotFound, $"There is no file or folder '{Data}' in the working folder.");
        if (Name is not null && (!UiContext.IsPlainName(Name) || Name.Length > 100 || Name.StartsWith('.') || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw Bad($"The name '{Name}' is not a plain name: use letters, digits, '-' or '_' (at most 100 characters), e.g. 'penguins'. The model goes to mtl-runs/<name>/<name>.zip.");
        string? testData = null;
        switch (Validation?.Trim())
        {
            case null or "" or "testFraction":
                if (TestData is not null) throw Bad("A test file needs the validation option \"testFile\"; with \"testFraction\" the test rows are held out of the data.");
                break;
            case "testFile":
                if (string.IsNullOrWhiteSpace(TestData)) throw Bad("The validation option \"testFile\" needs a test file with the data's columns.");
                if (TestFraction is not null) throw Bad("Give either a test file or a test fraction, not both.");
                testData = ui.ResolvePath(TestData);
                break;
            default:
                throw Bad($"The validation option '{Validation}' is unknown; use \"testFraction\" (hold out a share of the rows) or \"testFile\".");
        }
        if (Epochs is < 1) throw Bad($"The epochs must be at least 1; got {Epochs}.");
        List<string>? methods = Methods is { Count: > 0 } ? Methods.Select(m => m?.Trim() ?? "").ToList() : null;
        if (methods?.FirstOrDefault(m => m.Length == 0) is not null) throw Bad("A method to search is empty; name each method, e.g. ew or upgrad.");
        int seed = Seed ?? 1;
        try
        {
            var request = new TableRunRequest
            {
                Data = data,
                Labels = DataEndpoints.Labels(Labels),
                IgnoreColumns = (Ignore ?? []).Select(c => c?.Trim() ?? "").Where(c => c.Length > 0).ToList(),
                HasHeader = HasHeader ?? true,
                Separator = DataEndpoints.Separator(Separator),
                TestData = testData,
                TestFraction = TestFraction ?? 0.2,
                TestFractionGiven = TestFraction is not null,
                Name = Name,
                // Replaced by the run's folder once its id is known; a path under the runs folder until then.
                Out = ui.RunsFolder,
                Seed = seed,
                TimeSeconds = TimeSeconds,
                MaxTrials = MaxTrials,
                Baselines = TableRunRequest.ParseBaselines(Baselines, TableRunRequest.FieldNames.Form) ?? BaselinesMode.Auto,
                Config = new TrainingConfig { Seed = seed, Architecture = string.IsNullOrWhiteSpace(Arch) ? null : Arch.Trim(), Epochs = Epochs },
                SearchMethods = methods,
            };
            AutoTrainSettings settings = request.ToSettings(TableRunRequest.FieldNames.Form);
            settings.Validate();
            return settings;
        }
        catch (ArgumentException e)
        {
            throw Bad(CommandErrors.Sentence(e));
        }
    }

    private static UiException Bad(string message) => new(StatusCodes.Status400BadRequest, message);
}
