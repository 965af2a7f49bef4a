using System.Globalization;
using Mtl.Transforms.Corruptions;

namespace Mtl.Analysis.Studies;

/// <summary>What one preset of the transfer study runs (sizes, grid, conditions); <see cref="For"/> gives the presets.</summary>
public sealed record TransferProtocol
{
    /// <summary>Training rows (the first N of the training split).</summary>
    public required int TrainRows { get; init; }

    /// <summary>Validation rows used to pick the learning rate and the epoch.</summary>
    public required int ValidationRows { get; init; }

    /// <summary>Test rows scored clean and under every condition.</summary>
    public required int TestRows { get; init; }

    /// <summary>Epochs of clean training (the best validation epoch is kept).</summary>
    public required int Epochs { get; init; }

    /// <summary>Stop clean training after this many epochs without a better validation average (0 = never).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Epochs of head fine-tuning on corrupted data (the last epoch's weights are kept).</summary>
    public required int FineTuneEpochs { get; init; }

    /// <summary>The learning-rate grid of clean training; fine-tuning uses the selected one.</summary>
    public required IReadOnlyList<double> LearningRates { get; init; }

    /// <summary>Seeds per model.</summary>
    public required int Seeds { get; init; }

    /// <summary>The MTL methods (loss weightings, so that a frozen trunk can be fine-tuned).</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>Corruptions of fine-tuning and testing.</summary>
    public required IReadOnlyList<string> Corruptions { get; init; }

    /// <summary>Severities of fine-tuning and testing.</summary>
    public required IReadOnlyList<int> Severities { get; init; }

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Every (corruption, severity) test condition, corruption-major.</summary>
    public IReadOnlyList<TransferCondition> Conditions =>
        Corruptions.SelectMany(c => Severities.Select(s => new TransferCondition(c, s))).ToArray();

    /// <summary>Elich et al.'s learning-rate grid (studies.md A1): 0.5, 0.1, 0.05, …, 1e-5.</summary>
    public static IReadOnlyList<double> PaperLearningRates { get; } = [0.5, 0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 1e-4, 5e-5, 1e-5];

    /// <summary>The protocol of a preset.</summary>
    public static TransferProtocol For(StudyPreset preset) => preset switch
    {
        // Seconds: a tiny slice, 3 corruptions × 2 severities, one learning rate.
        StudyPreset.Smoke => new TransferProtocol
        {
            TrainRows = 256, ValidationRows = 128, TestRows = 128, Epochs = 1, FineTuneEpochs = 1, LearningRates = [1e-3],
            Seeds = 2, Methods = ["ew", "uw"], Corruptions = ["gaussian_noise", "defocus_blur", "contrast"], Severities = [1, 5], BatchSize = 64,
        },
        // Minutes on 2 cores: a few thousand rows, two learning rates of the paper's grid, every condition on 2,000 test rows;
        // three seeds, so that δ's t-interval (t = 4.30 at 2 degrees of freedom) can exclude 0.
        StudyPreset.Quick => new TransferProtocol
        {
            TrainRows = 10_000, ValidationRows = 2000, TestRows = 2000, Epochs = 5, FineTuneEpochs = 2, LearningRates = [0.005, 0.001],
            Seeds = 3, Methods = ["ew", "uw"], Corruptions = [.. CorruptionRegistry.Common], Severities = [1, 2, 3, 4, 5],
        },
        StudyPreset.Paper => new TransferProtocol
        {
            TrainRows = 50_000, ValidationRows = 10_000, TestRows = 10_000, Epochs = 100, EarlyStoppingPatience = 10, FineTuneEpochs = 20,
            LearningRates = PaperLearningRates, Seeds = 3, Methods = ["ew", "uw"], Corruptions = [.. CorruptionRegistry.Common],
            Severities = [1, 2, 3, 4, 5],
        },
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown preset; use Smoke, Quick or Paper."),
    };

    /// <summary>Checks every field, so that a bad protocol fails before any training.</summary>
    /// <exception cref="ArgumentException">A field is out of range (the message names it and says what it takes).</exception>
    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value < 1) throw new ArgumentException($"TransferProtocol.{name} must be at least 1; got {value}.");
        }
        Positive(TrainRows, nameof(TrainRows));
        Positive(ValidationRows, nameof(ValidationRows));
        Positive(TestRows, nameof(TestRows));
        Positive(Epochs, nameof(Epochs));
        Positive(FineTuneEpochs, nameof(FineTuneEpochs));
        Positive(Seeds, nameof(Seeds));
        Positive(BatchSize, nameof(BatchSize));
        if (EarlyStoppingPatience < 0) throw new ArgumentException($"TransferProtocol.EarlyStoppingPatience must be 0 (never) or positive; got {EarlyStoppingPatience}.");
        if (LearningRates is null || LearningRates.Count == 0 || LearningRates.Any(l => !(l > 0) || double.IsInfinity(l)))
            throw new ArgumentException("TransferProtocol.LearningRates needs at least one positive, finite learning rate.");
        if (Methods is null || Methods.Count == 0) throw new ArgumentException("TransferProtocol.Methods needs at least one MTL method (a loss weighting such as \"ew\").");
        if (Corruptions is null || Corruptions.Count == 0 || Corruptions.Distinct().Count() != Corruptions.Count)
            throw new ArgumentException("TransferProtocol.Corruptions needs at least one corruption name, each once (e.g. CorruptionRegistry.Common).");
        foreach (string name in Corruptions)
            if (!CorruptionRegistry.TryGet(name, out _))
                throw new ArgumentException($"TransferProtocol.Corruptions: unknown corruption '{name}'. Known: {string.Join(", ", CorruptionRegistry.Names)}.");
        if (Severities is null || Severities.Count == 0 || Severities.Distinct().Count() != Severities.Count || Severities.Any(v => v is < 1 or > 5))
            throw new ArgumentException("TransferProtocol.Severities needs distinct severities in 1 … 5 (0, the clean image, is always tested).");
    }

    /// <summary>One line for the report: rows, epochs, grid, seeds.</summary>
    public string Describe()
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        string stopping = EarlyStoppingPatience > 0 ? string.Create(inv, $", early stopping after {EarlyStoppingPatience}") : "";
        string rates = string.Join(", ", LearningRates.Select(l => l.ToString("G3", inv)));
        return string.Create(inv,
            $"{TrainRows:N0} training / {ValidationRows:N0} validation / {TestRows:N0} test rows; {Epochs} clean epochs (best validation epoch kept{stopping}), " +
            $"{FineTuneEpochs} fine-tuning epochs; batch {BatchSize}; learning rates {{{rates}}}; {Seeds} seed(s); " +
            $"{Corruptions.Count} corruption(s) × severities {{{string.Join(", ", Severities)}}}");
    }
}
