using Mtl.Analysis.Sweeps;
using Mtl.Trainers;

namespace Mtl.Analysis.Studies;

/// <summary>The grid of <c>mtl study pareto</c>: fixed weights and MTO methods over the same learning-rate × dropout grid × seeds.</summary>
/// <param name="Base">Dataset, rows, optimizer (SGD, momentum 0.8), epochs and batch shared by every run.</param>
/// <param name="Weights">The first task's fixed weight w (the second gets 1 − w; both scaled by 2, see <see cref="FixedWeights"/>).</param>
/// <param name="Methods">The MTO methods.</param>
/// <param name="LearningRates">Learning-rate grid.</param>
/// <param name="Dropouts">Dropout grid.</param>
/// <param name="Seeds">Seeds (two or more give the seed spread that sets the tolerance).</param>
public sealed record ParetoProtocol(RunConfig Base, IReadOnlyList<double> Weights, IReadOnlyList<string> Methods, IReadOnlyList<double> LearningRates,
    IReadOnlyList<double> Dropouts, IReadOnlyList<int> Seeds)
{
    /// <summary>The protocol for <paramref name="context"/>'s preset, with its overrides (methods, dataset, seeds).</summary>
    public static ParetoProtocol For(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sgd = new RunConfig { Optimizer = OptimizerKind.Sgd, Momentum = 0.8 };
        (RunConfig baseRun, double[] weights, string[] methods, double[] rates, double[] dropouts, int seeds) = context.Preset switch
        {
            StudyPreset.Smoke => (sgd with { TrainRows = 256, ValidationRows = 128, TestRows = 128, Epochs = 1, BatchSize = 64 },
                new[] { 0.2, 0.8 }, new[] { "uw", "pcgrad" }, new[] { 0.05 }, new[] { 0.1 }, 2),
            StudyPreset.Quick => (sgd with { TrainRows = 3000, ValidationRows = 1000, TestRows = 2000, Epochs = 5, BatchSize = 128 },
                new[] { 0.1, 0.3, 0.5, 0.7, 0.9 }, new[] { "uw", "rlw", "pcgrad", "imtl" }, new[] { 0.03, 0.1 }, new[] { 0.1, 0.3 }, 2),
            _ => (sgd with { Epochs = 100, BatchSize = 256, Schedule = LearningRateSchedule.Step, ScheduleGamma = 0.85, ScheduleStepSize = 30 },
                Enumerable.Range(1, 9).Select(i => i / 10.0).ToArray(), new[] { "uw", "rlw", "pcgrad", "cagrad", "imtl", "mgda", "gradnorm" },
                new[] { 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5 }, new[] { 0.1, 0.2, 0.3, 0.4, 0.5 }, 2),
        };
        if (context.Dataset is { } dataset) baseRun = baseRun with { Dataset = dataset };
        if (context.Methods.Count > 0) methods = context.Methods.ToArray();
        return new ParetoProtocol(baseRun, weights, methods, rates, dropouts, Enumerable.Range(context.Seed, context.Seeds ?? seeds).ToArray());
    }

    /// <summary>Fixed-weight runs first (weight, lr, dropout, seed), then the methods' (method, lr, dropout, seed).</summary>
    public IReadOnlyList<RunConfig> Configs() =>
        (from w in Weights
         from lr in LearningRates
         from d in Dropouts
         from s in Seeds
         select Base with { Method = "fixed", Weights = FixedWeights(w), LearningRate = lr, Dropout = d, Seed = s })
        .Concat(from m in Methods
                from lr in LearningRates
                from d in Dropouts
                from s in Seeds
                select Base with { Method = m, LearningRate = lr, Dropout = d, Seed = s })
        .ToArray();

    /// <summary>
    /// The two tasks' weights for w: (w, 1 − w) scaled to sum to 2, the task count. EW and the MTO methods weight the
    /// losses on that scale, and with SGD a common weight scale is a learning-rate factor; on the paper's 3.5-decade LR
    /// grid that factor is absorbed, on a short grid it would hand the fixed weights half the learning rate.
    /// </summary>
    public static double[] FixedWeights(double w) => [Math.Round(2 * w, 10), Math.Round(2 * (1 - w), 10)];

    /// <summary>The expected wall time of the paper preset on 2 CPU cores.</summary>
    public static string PaperExpectedTime =>
        "(9 weights + 7 methods) × 8 learning rates × 5 dropouts × 2 seeds = 1,280 runs of 100 epochs on 50k rows; ≈ 15 s per epoch on 2 cores → " +
        "about 22 days (spread it with --shard on a cluster)";
}
