using System.Diagnostics;
using Microsoft.ML;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Reports;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Methods;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study conflicts</c> (studies.md A3 and B): trains MultiLeNet on Multi-Fashion with EW + Adam (and every method
/// the user adds) while a <see cref="GradientConflictMonitor"/> samples inter-task and inter-sample gradient pairs every
/// 5 steps on n rows (the preset's <see cref="Protocol.Samples"/>); reports their per-epoch distributions, a two-sample comparison of the kinds, and conflict against
/// each task's training-loss decrease.
/// </summary>
public sealed class ConflictsStudy : IStudy
{
    /// <summary>Rows, epochs, seeds and batch size of one preset.</summary>
    /// <param name="Rows">Training rows (the first rows of the train split); null = the whole split.</param>
    /// <param name="Epochs">Epochs per run.</param>
    /// <param name="Seeds">Seeds per method.</param>
    /// <param name="BatchSize">Mini-batch size.</param>
    /// <param name="Samples">n: rows per conflict measurement (Elich et al.: 8).</param>
    public sealed record Protocol(int? Rows, int Epochs, int Seeds, int BatchSize, int Samples);

    /// <summary>
    /// The paper preset's expected wall time on 2 cores: 3 seeds × 100 epochs × 196 steps of ≈ 19 ms (the EW step measured in
    /// bench/results/step.json) plus the monitor's ≈ 6% (bench/results/monitor.json).
    /// </summary>
    public const string PaperExpectedTime = "about 20–25 minutes for EW on an idle 2-core machine (58,800 steps of ≈ 19 ms plus ≈ 6% for the monitor; several times longer when the cores are shared); each added method adds its own step cost";

    /// <inheritdoc />
    public string Name => "conflicts";

    /// <inheritdoc />
    public string Description => "Gradient conflicts between tasks vs between samples (direction and magnitude), and conflict vs task optimization (Elich et al. A3; Mueller et al.).";

    /// <summary>The protocol of a preset.</summary>
    public static Protocol For(StudyPreset preset) => preset switch
    {
        // 640 rows at batch 64: 10 steps per epoch, so every epoch has 2 measurements at k = 5.
        StudyPreset.Smoke => new Protocol(640, 2, 1, 64, GradientConflictSampler.DefaultSamples),
        // 20k rows, 12 epochs, 2 seeds: 1,896 steps, a few minutes on 2 cores even when they are shared, with 22 (epoch, seed)
        // points per task for the conflict-vs-optimization correlation. n = 32 rows per measurement: the per-layer
        // per-sample gradients (one backward per task) take about as long as the one-row loop did for 8
        // (bench/results/persample.json), and give 4× the inter-task and ≈ 18× the inter-sample pairs.
        StudyPreset.Quick => new Protocol(20_000, 12, 2, 256, 32),
        StudyPreset.Paper => new Protocol(null, 100, 3, 256, GradientConflictSampler.DefaultSamples),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown preset."),
    };

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Protocol protocol = For(context.Preset);
        int seeds = context.Seeds ?? protocol.Seeds;
        string dataset = context.DatasetOr("multi-fashion");
        string[] methods = Methods(context.Methods);
        var watch = Stopwatch.StartNew();
        var runs = new List<ConflictsRun>();
        for (int s = 0; s < seeds; s++)
        {
            int seed = context.Seed + s;
            IDataView train = Load(dataset, seed, protocol.Rows);
            foreach (string method in methods)
                runs.Add(Train(context, train, method, seed, protocol));
        }
        return ConflictsReport.Build(context, protocol, dataset, runs, watch.Elapsed);
    }

    private static string[] Methods(IReadOnlyList<string> requested)
    {
        var names = new List<string> { "ew" };
        foreach (string m in requested)
        {
            // Method text with arguments ("upgrad(ridge=1e-4)") is kept as written, after a check that it parses.
            string name = m.Trim();
            try
            {
                MtlMethodOptions.Parse(name);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"--method '{m}': {e.Message}", e);
            }
            if (!names.Contains(name, StringComparer.OrdinalIgnoreCase)) names.Add(name);
        }
        return names.ToArray();
    }

    private static IDataView Load(string dataset, int seed, int? rows)
    {
        MultiImageSet set = MultiTaskDatasets.Create(dataset, DatasetSplit.Train, seed);
        IDataView view = set.AsDataView();
        return rows is int n ? new MLContext(seed).Data.TakeRows(view, n) : view;
    }

    private static ConflictsRun Train(StudyContext context, IDataView train, string method, int seed, Protocol protocol)
    {
        context.Cancellation.ThrowIfCancellationRequested();
        var monitor = new GradientConflictMonitor(samples: protocol.Samples);
        context.Progress.BeginStage($"{method}, seed {seed}", protocol.Epochs);
        monitor.EpochCompleted = epoch =>
        {
            context.Cancellation.ThrowIfCancellationRequested();
            double conflict = ConflictsAnalysis.ConflictFraction(epoch);
            string losses = string.Join(", ", epoch.TrainLosses.Select(kv => $"{kv.Key} {kv.Value:F3}"));
            context.Progress.Advance($"epoch {epoch.Epoch}: {conflict:P0} inter-task cosines < 0; loss {losses}");
        };
        var ml = new MLContext(seed);
        var config = new TrainingConfig
        {
            Method = method, Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, BatchSize = protocol.BatchSize, Epochs = protocol.Epochs,
            Seed = seed, Trunk = "multilenet",
        };
        MultiHeadNetworkTrainer.Options options = config.ToOptions(MultiTaskDatasets.ImageColumnName,
            [new(MultiTaskDatasets.LeftColumnName), new(MultiTaskDatasets.RightColumnName)]);
        var watch = Stopwatch.StartNew();
        using (ml.MultiTask().Trainers.MultiHead(options).Fit(train, new TrainingHooks { Monitors = [monitor] })) { }
        context.Progress.Info($"{method}, seed {seed}: {protocol.Epochs} epochs in {watch.Elapsed.TotalSeconds:F0} s");
        return new ConflictsRun(method, seed, monitor.TaskNames, monitor.Epochs, watch.Elapsed.TotalSeconds);
    }
}
