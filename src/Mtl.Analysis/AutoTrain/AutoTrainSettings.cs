using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>Whether a run trains single-task baselines to compare the multi-task model with.</summary>
public enum BaselinesMode
{
    /// <summary>Train them, within a share of the budget, when this build has them.</summary>
    Auto,

    /// <summary>Skip them.</summary>
    None,
}

/// <summary>
/// One run of <see cref="AutoTrainer.Run"/>: the data, the labels, the split, the seed, the time budget and where the model
/// goes. The CLI builds it from its flags or from a <c>.mtlconfig</c> (<see cref="MtlConfig.ToSettings"/>); the web app
/// from its form.
/// </summary>
public sealed record AutoTrainSettings
{
    /// <summary>The CSV/TSV file.</summary>
    public required string DataPath { get; init; }

    /// <summary>Labels (one task each, in task order), ignored columns, header and separator.</summary>
    public required TableReadOptions Read { get; init; }

    /// <summary>A separate test file with the same columns, or null to hold out <see cref="TestFraction"/> of the rows.</summary>
    public string? TestDataPath { get; init; }

    /// <summary>Share of the rows held out for the test (drawn with <see cref="Seed"/>) when there is no test file.</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>The folder for <c>&lt;Name&gt;.zip</c> and <c>&lt;Name&gt;.mtlconfig</c> (created when missing).</summary>
    public required string OutFolder { get; init; }

    /// <summary>The model's name: a plain file name.</summary>
    public required string Name { get; init; }

    /// <summary>The one seed: test and validation splits, the search's candidates, initialisation, data order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The time budget of the search; null = no search: one trial with <see cref="Config"/> (the trainer's automatic
    /// options, or what was given).
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>At most this many search trials (null = as many as the budget allows); for a reproducible, clock-free run.</summary>
    public int? MaxTrials { get; init; }

    /// <summary>The configuration of the single trial without a budget (its seed is set to <see cref="Seed"/>).</summary>
    public TrainingConfig Config { get; init; } = new();

    /// <summary>What the search draws from.</summary>
    public SearchSpace Space { get; init; } = SearchSpace.Default;

    /// <summary>Whether to compare with single-task baselines.</summary>
    public BaselinesMode Baselines { get; init; } = BaselinesMode.Auto;

    /// <summary>
    /// Trials already run (from a <c>.mtlconfig</c>'s RunHistory): taken as they are, not trained again; the search
    /// continues after them. They must be the trials this search plans (same seed, space and data).
    /// </summary>
    public IReadOnlyList<TrialResult> History { get; init; } = [];

    /// <summary>
    /// The columns a resumed run's <c>.mtlconfig</c> recorded (null for a new run): the data must still read as they say,
    /// or the run stops before training, naming the field.
    /// </summary>
    public IReadOnlyList<MtlConfig.ColumnProperty>? RecordedColumns { get; init; }


    /// <summary>Path of the model zip: <c>&lt;OutFolder&gt;/&lt;Name&gt;.zip</c>.</summary>
    public string ZipPath => Path.Combine(OutFolder, Name + ".zip");

    /// <summary>Path of the run's configuration: <c>&lt;OutFolder&gt;/&lt;Name&gt;.mtlconfig</c>.</summary>
    public string ConfigPath => Path.Combine(OutFolder, Name + MtlConfig.Extension);

    /// <summary>Checks the values that do not need the data; the message names the setting.</summary>
    /// <exception cref="ArgumentException">The first invalid setting.</exception>
    public void Validate()
    {
        // An image folder's one task is its class subfolders: a label name is optional there.
        if (Read.Labels.Count == 0 && !Directory.Exists(DataPath)) throw new ArgumentException("Give at least one label column, one per task.");
        if (TestDataPath is null && !(TestFraction > 0 && TestFraction < 1))
            throw new ArgumentException($"The test fraction must be between 0 and 1 (exclusive); got {TestFraction}.");
        if (Name.Length == 0 || Name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || Name is "." or "..")
            throw new ArgumentException($"The name '{Name}' is not a file name; pass a plain name such as 'penguins' (the model goes to <out>/<name>.zip).");
        if (TimeBudget is { } t && !(t > TimeSpan.Zero))
            throw new ArgumentException($"The time budget must be positive; got {t.TotalSeconds} s.");
        if (MaxTrials is < 1) throw new ArgumentException($"The trial limit must be at least 1; got {MaxTrials}.");
        Space.Validate();
        Config.Validate();
    }
}
