using System.Diagnostics;
using Microsoft.ML;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Objectives;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Statistics;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Data;
using Mtl.Trainers.Network;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study gap</c> (studies.md B, Mueller et al.): per seed, one single-task run per task and one multi-task run (same
/// MultiLeNet trunk, data, order, optimizer and seed), with <see cref="TrajectoryFactorMonitor"/> checkpoints; validation
/// loss as a function of training loss per task, the gap at matched training loss over seeds, and whether the trajectory
/// factors' MTL−STL differences track the gap.
/// </summary>
public sealed class GapStudy : IStudy
{
    /// <summary>|Spearman ρ| at or above this (and p &lt; 0.05) counts as a factor that tracks the gap.</summary>
    public const double CorrelationThreshold = 0.5;

    private static readonly string[] TaskNames = { MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName };

    /// <inheritdoc />
    public string Name => "gap";

    /// <inheritdoc />
    public string Description => "Generalization gap between STL and MTL trajectories at matched training loss, and whether sharpness, Fisher trace, noise scale or weight distance explain it.";

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Methods.Count > 0)
            throw new ArgumentException($"gap compares STL with equal-weight MTL; drop --methods ({string.Join(", ", context.Methods)}).");
        GapSettings settings = GapSettings.For(context.Preset);
        int seeds = context.Seeds ?? settings.Seeds;
        string dataset = context.DatasetOr("multi-fashion");
        var watch = Stopwatch.StartNew();
        var trajectories = new List<GapTrajectories>();
        context.Progress.BeginStage("gap: STL and MTL runs", seeds * (TaskNames.Length + 1));
        for (int s = 0; s < seeds; s++)
            trajectories.Add(RunSeed(context.Seed + s, dataset, settings, context));
        StudyReport report = new GapReportBuilder(trajectories, TaskNames, settings, seeds, dataset, context).Build();
        report.Elapsed = watch.Elapsed;
        return report;
    }

    private static GapTrajectories RunSeed(int seed, string dataset, GapSettings settings, StudyContext context)
    {
        var ml = new MLContext(seed);
        IDataView train = LossScaleStudy.ImageData(ml, dataset, settings.Rows, seed);
        IDataView validation = LossScaleStudy.ImageData(ml, dataset, settings.FixedValidationRows, seed, DatasetSplit.Validation);
        List<TaskDefinition> tasks = Tasks();
        using MaterializedData fixedTrain = MaterializedData.Read(ml.Data.TakeRows(train, settings.FixedTrainingRows), MultiTaskDatasets.ImageColumnName, tasks, true, "gap: fixed training rows");
        using MaterializedData fixedValidation = MaterializedData.Read(validation, MultiTaskDatasets.ImageColumnName, tasks, true, "gap: fixed validation rows");
        var result = new GapTrajectories(seed);
        for (int t = 0; t <= TaskNames.Length; t++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            bool mtl = t == TaskNames.Length;
            int[] heads = mtl ? Enumerable.Range(0, TaskNames.Length).ToArray() : new[] { t };
            var options = new TrajectoryFactorOptions
            {
                Training = new TaskBatch(fixedTrain.Features, heads.Select(h => fixedTrain.Labels[h]).ToArray()),
                Validation = new TaskBatch(fixedValidation.Features, heads.Select(h => fixedValidation.Labels[h]).ToArray()),
                EveryNSteps = settings.CheckpointEvery,
                AtEpochEnds = true,
                AtStart = true,
                SharpnessRows = settings.SharpnessRows,
                SharpnessIterations = settings.SharpnessIterations,
                FisherSamples = settings.FisherSamples,
                NoiseSmallBatch = settings.NoiseSmallBatch,
                Seed = seed,
            };
            string run = mtl ? "MTL" : $"STL-{TaskNames[t]}";
            options.Checkpointed = c => context.Progress.Info(
                $"seed {seed} {run} epoch {c.Epochs:F2}: train loss {string.Join("/", c.TrainingLoss.Select(l => l.ToString("F3")))}, " +
                $"val loss {string.Join("/", c.ValidationLoss.Select(l => l.ToString("F3")))}, sharpness {c.SharpnessTotal:G3} ({c.Seconds:F1}s)");
            using var monitor = new TrajectoryFactorMonitor(options);
            var config = new TrainingConfig
            {
                Method = "ew", Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, BatchSize = settings.BatchSize, Epochs = settings.Epochs,
                Seed = seed, Trunk = "multilenet",
            };
            var trainer = ml.MultiTask().Trainers.MultiHead(config.ToOptions(MultiTaskDatasets.ImageColumnName, heads.Select(h => tasks[h])));
            var runWatch = Stopwatch.StartNew();
            using (MultiHeadNetworkTransformer model = trainer.Fit(train, new TrainingHooks { Monitors = [monitor] })) { }
            result.Runs[run] = monitor.Checkpoints.ToArray();
            double factorSeconds = monitor.Checkpoints.Sum(c => c.Seconds);
            context.Progress.Advance($"seed {seed} {run}: {monitor.Checkpoints.Count} checkpoints, {runWatch.Elapsed.TotalSeconds:F1}s ({factorSeconds:F1}s measuring)");
        }
        return result;
    }

    private static List<TaskDefinition> Tasks() => TaskNames.Select(n => new TaskDefinition(n) { ClassCount = 10 }).ToList();

    /// <summary>Spearman's ρ with a two-sided p from the large-sample normal approximation z = ρ√(n−1).</summary>
    internal static (double Rho, double P) SpearmanWithP(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double rho = Correlation.Spearman(x, y);
        return (rho, double.IsNaN(rho) ? double.NaN : NormalDistribution.TwoSided(rho * Math.Sqrt(x.Count - 1)));
    }
}

/// <summary>The checkpoints of one seed's runs: "STL-{task}" for each task and "MTL".</summary>
/// <param name="Seed">The seed.</param>
public sealed record GapTrajectories(int Seed)
{
    /// <summary>Checkpoints by run name.</summary>
    public Dictionary<string, TrajectoryCheckpoint[]> Runs { get; } = new();
}
