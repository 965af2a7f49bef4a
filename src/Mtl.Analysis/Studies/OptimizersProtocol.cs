using Mtl.Analysis.Sweeps;
using Mtl.Trainers;

namespace Mtl.Analysis.Studies;

/// <summary>The grid of <c>mtl study optimizers</c> at a preset: methods × optimizers × learning rates × seeds on one base run.</summary>
/// <param name="Base">Dataset, rows, epochs and batch shared by every run.</param>
/// <param name="Methods">Method names.</param>
/// <param name="Optimizers">Optimizers.</param>
/// <param name="LearningRates">The learning-rate grid (shared by all optimizers, as in the paper).</param>
/// <param name="Seeds">Seeds.</param>
public sealed record OptimizersProtocol(RunConfig Base, IReadOnlyList<string> Methods, IReadOnlyList<OptimizerKind> Optimizers,
    IReadOnlyList<double> LearningRates, IReadOnlyList<int> Seeds)
{
    /// <summary>The paper's methods (Elich et al.).</summary>
    public static IReadOnlyList<string> PaperMethods { get; } = ["ew", "uw", "rlw", "pcgrad", "cagrad", "imtl", "alignedmtl"];

    /// <summary>Adam, SGD with momentum, signSGD and one Adam per task.</summary>
    public static IReadOnlyList<OptimizerKind> PaperOptimizers { get; } = [OptimizerKind.Adam, OptimizerKind.Sgd, OptimizerKind.SignSgd, OptimizerKind.PerTaskAdam];

    /// <summary>The paper's 10-value grid {0.5, 0.1, 0.05, …, 1e-5}.</summary>
    public static IReadOnlyList<double> PaperLearningRates { get; } = [0.5, 0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 1e-4, 5e-5, 1e-5];

    /// <summary>The protocol for <paramref name="context"/>'s preset, with its overrides (methods, dataset, seeds).</summary>
    public static OptimizersProtocol For(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        (RunConfig baseRun, string[] methods, double[] rates, int seeds) = context.Preset switch
        {
            StudyPreset.Smoke => (new RunConfig { TrainRows = 256, ValidationRows = 128, TestRows = 128, Epochs = 1, BatchSize = 64 },
                new[] { "ew", "pcgrad" }, new[] { 1e-2 }, 1),
            StudyPreset.Quick => (new RunConfig { TrainRows = 3000, ValidationRows = 1000, TestRows = 2000, Epochs = 4, BatchSize = 128 },
                PaperMethods.ToArray(), new[] { 0.1, 0.01, 0.001 }, 1),
            _ => (new RunConfig { Epochs = 50, BatchSize = 256, EarlyStoppingPatience = 10 }, PaperMethods.ToArray(), PaperLearningRates.ToArray(), 3),
        };
        if (context.Dataset is { } dataset) baseRun = baseRun with { Dataset = dataset };
        if (context.Methods.Count > 0) methods = context.Methods.ToArray();
        int count = context.Seeds ?? seeds;
        return new OptimizersProtocol(baseRun, methods, PaperOptimizers, rates, Enumerable.Range(context.Seed, count).ToArray());
    }

    /// <summary>The runs in grid order: method, then optimizer, then learning rate, then seed.</summary>
    public IReadOnlyList<RunConfig> Configs() =>
        (from m in Methods
         from o in Optimizers
         from lr in LearningRates
         from s in Seeds
         select Base with { Method = m, Optimizer = o, LearningRate = lr, Seed = s }).ToArray();

    /// <summary>The expected wall time of the paper preset on 2 CPU cores (stated in the report header).</summary>
    public static string PaperExpectedTime =>
        "about 7 methods × 4 optimizers × 10 learning rates × 3 seeds = 840 runs of up to 50 epochs on 50k rows; " +
        "≈ 15 s per epoch on 2 cores → about 7 days (spread it with --shard on a cluster)";
}
