using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Reports;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study loss-scale</c> (studies.md A2, Elich et al.): trains each setup (the scalar toy and the MultiLeNet on a
/// Multi-* image set) with SGD, Adam and one Adam per task, once with unscaled losses and once with the first task's
/// loss ×10 and the second's ×0.1 (same seed), and compares the update magnitude per parameter group step by step.
/// </summary>
public sealed class LossScaleStudy : IStudy
{
    /// <summary>Scale of the first task's loss in the scaled run.</summary>
    public const double FirstTaskScale = 10;

    /// <summary>Scale of the second task's loss in the scaled run.</summary>
    public const double SecondTaskScale = 0.1;

    /// <summary>Largest step-1 relative update difference that still counts as invariant (room for Adam's ε).</summary>
    public const double InvarianceTolerance = 0.1;

    /// <summary>Smallest step-1 relative update difference of the trunk that counts as "not invariant".</summary>
    public const double NonInvarianceThreshold = 0.25;

    private static readonly OptimizerKind[] Optimizers = { OptimizerKind.Sgd, OptimizerKind.Adam, OptimizerKind.PerTaskAdam };

    /// <inheritdoc />
    public string Name => "loss-scale";

    /// <inheritdoc />
    public string Description => "Adam's partial loss-scale invariance: update magnitudes per parameter group, losses unscaled vs ×10/×0.1, SGD vs Adam vs Adam per task.";

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Methods.Count > 0)
            throw new ArgumentException($"loss-scale trains equal weighting only (the scale is the point); drop --methods ({string.Join(", ", context.Methods)}).");
        if (context.Seeds is > 1)
            throw new ArgumentException($"loss-scale compares two runs from one seed (step 1 starts from identical weights); --seeds {context.Seeds} is not supported, use --seed.");
        string dataset = context.DatasetOr("multi-fashion");
        LossScaleSettings settings = LossScaleSettings.For(context.Preset);
        var watch = Stopwatch.StartNew();
        var comparisons = new List<LossScaleComparison>();
        var runs = new List<IReadOnlyDictionary<string, object?>>();
        context.Progress.BeginStage("loss-scale: unscaled and scaled runs", 2 * 2 * Optimizers.Length);
        foreach (string setup in new[] { "toy", "multilenet" })
        {
            var ml = new MLContext(context.Seed);
            IDataView train = setup == "toy" ? ToyData(ml, settings.ToyRows, context.Seed) : ImageData(ml, dataset, settings.ImageRows, context.Seed);
            foreach (OptimizerKind optimizer in Optimizers)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                using UpdateMagnitudeMonitor unscaled = Train(ml, setup, train, optimizer, scaled: false, settings, context, runs);
                using UpdateMagnitudeMonitor scaled = Train(ml, setup, train, optimizer, scaled: true, settings, context, runs);
                var comparison = new LossScaleComparison(setup, optimizer.ToString(), unscaled, scaled);
                comparisons.Add(comparison);
                context.Progress.Info($"{setup} {optimizer}: step-1 ratios " + string.Join(", ", comparison.Groups.Select(g => $"{g} {comparison.FirstStepRatio(g):G4}")));
            }
        }
        StudyReport report = Report(comparisons, settings, context, dataset);
        report.Runs.AddRange(runs);
        report.Elapsed = watch.Elapsed;
        return report;
    }

    private static UpdateMagnitudeMonitor Train(MLContext ml, string setup, IDataView train, OptimizerKind optimizer, bool scaled,
        LossScaleSettings settings, StudyContext context, List<IReadOnlyDictionary<string, object?>> runs)
    {
        var monitor = new UpdateMagnitudeMonitor(interval: 1, measureGradients: true, keepUpdateVectorsOfFirstSteps: 1);
        try
        {
            bool toy = setup == "toy";
            List<TaskDefinition> tasks = toy ? ToyTasks() : ImageTasks();
            if (scaled)
            {
                tasks[0].LossWeight = FirstTaskScale;
                tasks[1].LossWeight = SecondTaskScale;
            }
            var config = new TrainingConfig
            {
                Method = "ew", Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Sgd ? 1e-2 : 1e-3, Momentum = 0,
                BatchSize = toy ? settings.ToyBatch : settings.ImageBatch, Epochs = toy ? settings.ToyEpochs : settings.ImageEpochs,
                Seed = context.Seed, Trunk = toy ? null : "multilenet",
            };
            MultiHeadNetworkTrainer.Options options = config.ToOptions(toy ? ToyFeatureColumn : MultiTaskDatasets.ImageColumnName, tasks);
            // The toy trunk is a custom module, which a serialisable configuration cannot name.
            if (toy) options.Trunk = ToyTrunk();
            var watch = Stopwatch.StartNew();
            using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(options).Fit(train, new TrainingHooks { Monitors = [monitor] });
            EpochReport last = model.TrainingReport!.Epochs[^1];
            runs.Add(new Dictionary<string, object?>
            {
                ["setup"] = setup, ["optimizer"] = optimizer.ToString(), ["scaled"] = scaled,
                ["loss_weight_0"] = tasks[0].LossWeight, ["loss_weight_1"] = tasks[1].LossWeight,
                ["steps"] = monitor.Records.Count, ["epochs"] = options.MaxEpoch, ["seed"] = context.Seed,
                ["final_train_loss_0"] = last.Tasks[0].TrainLoss / tasks[0].LossWeight, ["final_train_loss_1"] = last.Tasks[1].TrainLoss / tasks[1].LossWeight,
                ["seconds"] = watch.Elapsed.TotalSeconds,
            });
            context.Progress.Advance($"{setup} {optimizer} {(scaled ? "scaled" : "unscaled")}: {monitor.Records.Count} steps, {watch.Elapsed.TotalSeconds:F1}s");
            return monitor;
        }
        catch
        {
            monitor.Dispose();
            throw;
        }
    }

    private const string ToyFeatureColumn = "Features";

    /// <summary>The toy's targets: task A = 2x, task B = −x/2 (both scalings of the scalar input).</summary>
    private static readonly (string Name, float Factor)[] ToyTargets = { ("A", 2f), ("B", -0.5f) };

    private static IDataView ToyData(MLContext ml, int rows, int seed)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, rows).Select(_ =>
        {
            float x = (float)(random.NextDouble() * 2 - 1);
            return new LossScaleToyRow { Features = new[] { x }, A = ToyTargets[0].Factor * x, B = ToyTargets[1].Factor * x };
        }).ToArray();
        return ml.Data.LoadFromEnumerable(data);
    }

    private static List<TaskDefinition> ToyTasks() => ToyTargets.Select(t => new TaskDefinition(t.Name, kind: TaskKind.Regression)
    {
        Loss = TaskLoss.AbsoluteError, HeadHiddenSizes = new[] { 20 }, HeadDropout = 0,
        // The study varies the raw loss scale; standardising the target would take that scale away again.
        StandardizeTarget = false,
    }).ToList();

    // Elich et al.'s toy trunk: two fully connected layers of 20 with LeakyReLU.
    private static TrunkSpec ToyTrunk() => TrunkSpec.Custom(shape => nn.Sequential(
        ("fc1", nn.Linear(shape.Aggregate(1L, (a, b) => a * b), 20)), ("act1", nn.LeakyReLU()),
        ("fc2", nn.Linear(20, 20)), ("act2", nn.LeakyReLU())), 20);

    private static List<TaskDefinition> ImageTasks() => new()
    {
        new TaskDefinition(MultiTaskDatasets.LeftColumnName) { ClassCount = 10 },
        new TaskDefinition(MultiTaskDatasets.RightColumnName) { ClassCount = 10 },
    };

    /// <summary>The first <paramref name="rows"/> training rows of a Multi-* image set.</summary>
    internal static IDataView ImageData(MLContext ml, string dataset, int rows, int seed, DatasetSplit split = DatasetSplit.Train)
    {
        MultiImageSet set = MultiTaskDatasets.Create(dataset, split, seed);
        return ml.Data.TakeRows(set.AsDataView(), rows);
    }

    private static StudyReport Report(IReadOnlyList<LossScaleComparison> comparisons, LossScaleSettings settings, StudyContext context, string dataset)
    {
        var report = new StudyReport("loss-scale", "Adam's partial loss-scale invariance (Elich et al., A2)")
        {
            Preset = context.Preset.ToString().ToLowerInvariant(),
            PaperPresetExpectedTime = LossScaleSettings.For(StudyPreset.Paper).ExpectedTime,
            Command = context.Command,
            Question = "Does a constant task-loss scale α_t change the update of each parameter group? With SGD a task weight is a per-task " +
                       "learning rate; is Adam invariant to it, and where?",
            PaperFinding = "Elich, Kirchdorfer, Köhler, Schott, *Challenging Common Assumptions in MTL* (arXiv 2311.04698, GCPR 2024), §A2: with SGD a " +
                           "task weight acts as a per-task learning rate. With Adam a task-specific head's update is invariant to a constant loss scale " +
                           "α_t (m ∝ α, v ∝ α²) up to ε; the shared trunk is not (its moments mix the tasks); one Adam per task makes the whole " +
                           "network invariant. Toy check: scalar input, 2 targets that are scalings of it, trunk 2×20 LeakyReLU, 2-layer heads, L1 loss; " +
                           "unscaled vs (×10, ×0.1) losses; gradient and update magnitudes tracked.",
            Protocol = $"Setups: **toy** ({settings.ToyRows} rows, x ~ U(−1, 1), targets A = 2x and B = −x/2, trunk Linear(1,20)–LeakyReLU–Linear(20,20)–LeakyReLU, " +
                       $"heads 20–ReLU–1, L1 loss, batch {settings.ToyBatch}, {settings.ToyEpochs} epochs) and **multilenet** (MultiLeNet on the first " +
                       $"{settings.ImageRows} training rows of {dataset}, tasks Left/Right, cross-entropy, batch {settings.ImageBatch}, {settings.ImageEpochs} epochs). " +
                       $"Optimizers: SGD (lr 0.01, no momentum), Adam and one Adam per task (lr 0.001, ε = 1e-8). Equal weighting; the scaled run multiplies " +
                       $"the first task's loss by {FirstTaskScale} and the second's by {SecondTaskScale}. Seed {context.Seed} for both runs of a pair (same " +
                       "initial weights, data order and dropout masks). ‖Δθ‖ per group (trunk, each head) after every optimizer step; the gradient norm of the " +
                       "trained objective per group (dropout off) before it.",
        };
        report.Notes.Add("Only step 1 compares the optimizers from identical weights: after it the scaled and unscaled runs follow different " +
                         "trajectories, so later ratios compare update sizes along two trajectories, not the response to the scale alone. The verdicts " +
                         "therefore rest on step 1; medians over steps are reported beside them.");
        report.Notes.Add("Adam's first step is lr·g/(|g| + ε) per coordinate, so its *size* barely depends on the gradient's at step 1 even for the " +
                         "trunk, and later steps keep its size near the unscaled one too (the norm ratio stays ≈ 1); the trunk's non-invariance shows in the " +
                         "update's *direction*, measured as ‖Δθ_scaled − Δθ_unscaled‖/‖Δθ_unscaled‖ (SGD would give |α − 1| for a head: 9 and 0.9).");
        report.Notes.Add($"The invariance tolerance {InvarianceTolerance:G} allows for coordinates whose gradient is about 0 (cancellation in float32, or " +
                         "|g| comparable to ε): Adam moves those by less than lr, or flips them, differently in the two runs.");
        foreach (string setup in comparisons.Select(c => c.Setup).Distinct())
            AddVerdicts(report, comparisons.Where(c => c.Setup == setup).ToDictionary(c => c.Optimizer));
        report.Tables.Add(FirstStepTable(comparisons));
        report.Tables.Add(MedianTable(comparisons));
        foreach (LossScaleComparison c in comparisons) report.Plots.Add(RatioPlot(c));
        return report;
    }

    private static void AddVerdicts(StudyReport report, IReadOnlyDictionary<string, LossScaleComparison> bySetup)
    {
        LossScaleComparison sgd = bySetup["Sgd"], adam = bySetup["Adam"], perTask = bySetup["PerTaskAdam"];
        string setup = sgd.Setup;
        string head0 = sgd.Groups[1], head1 = sgd.Groups[2], trunk = sgd.Groups[0];
        double r0 = sgd.FirstStepRatio(head0), r1 = sgd.FirstStepRatio(head1);
        report.Verdicts.Add(new Verdict($"{setup}: with SGD a task weight is a per-task learning rate",
            Math.Abs(r0 / FirstTaskScale - 1) < 0.01 && Math.Abs(r1 / SecondTaskScale - 1) < 0.01,
            $"step-1 head update ratios within 1% of {FirstTaskScale} and {SecondTaskScale}",
            $"{head0} {r0:G5}, {head1} {r1:G5} (medians over steps {sgd.MedianRatio(head0):G4}, {sgd.MedianRatio(head1):G4})"));
        double d0 = adam.FirstStepDifference[head0], d1 = adam.FirstStepDifference[head1];
        report.Verdicts.Add(new Verdict($"{setup}: with Adam the task heads' updates are invariant to the loss scale (up to ε)",
            Decide(d0 < InvarianceTolerance && d1 < InvarianceTolerance, d0, d1),
            $"step-1 relative update difference ‖Δθ_s − Δθ_u‖/‖Δθ_u‖ < {InvarianceTolerance:G} for both heads",
            $"{head0} {d0:G3}, {head1} {d1:G3}; step-1 ratios {adam.FirstStepRatio(head0):G5}, {adam.FirstStepRatio(head1):G5} (medians {adam.MedianRatio(head0):G4}, {adam.MedianRatio(head1):G4})"));
        double dt = adam.FirstStepDifference[trunk];
        report.Verdicts.Add(new Verdict($"{setup}: with Adam the shared trunk's update is not invariant",
            Decide(dt > NonInvarianceThreshold, dt),
            $"step-1 relative update difference of the trunk > {NonInvarianceThreshold:G}",
            $"trunk {dt:G3} (step-1 ratio {adam.FirstStepRatio(trunk):G4}, median {adam.MedianRatio(trunk):G4})"));
        double[] all = perTask.Groups.Select(g => perTask.FirstStepDifference[g]).ToArray();
        report.Verdicts.Add(new Verdict($"{setup}: with one Adam per task the whole network is invariant",
            Decide(all.All(d => d < InvarianceTolerance), all),
            $"step-1 relative update difference < {InvarianceTolerance:G} for trunk and both heads",
            string.Join(", ", perTask.Groups.Select(g => $"{g} {perTask.FirstStepDifference[g]:G3}")) +
            " (median ratios " + string.Join(", ", perTask.Groups.Select(g => $"{perTask.MedianRatio(g):G4}")) + ")"));
    }

    // A missing update vector (NaN) leaves the verdict undecided rather than false.
    private static bool? Decide(bool outcome, params double[] inputs) => inputs.Any(double.IsNaN) ? null : outcome;

    private static ReportTable FirstStepTable(IReadOnlyList<LossScaleComparison> comparisons)
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (LossScaleComparison c in comparisons)
            foreach (string g in c.Groups)
                rows.Add(new object?[] { c.Setup, c.Optimizer, g, c.GradientRatios?[g][0], c.FirstStepRatio(g), c.FirstStepDifference[g] });
        return new ReportTable("Step 1 (identical weights): scaled / unscaled gradient and update norms, and the update's relative change",
            new[] { "setup", "optimizer", "group", "gradient ratio", "update ratio", "‖Δθs−Δθu‖/‖Δθu‖" }, rows);
    }

    private static ReportTable MedianTable(IReadOnlyList<LossScaleComparison> comparisons)
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (LossScaleComparison c in comparisons)
            foreach (string g in c.Groups)
            {
                double[] r = c.UpdateRatios[g].Where(double.IsFinite).ToArray();
                rows.Add(new object?[] { c.Setup, c.Optimizer, g, c.Steps.Length, c.MedianRatio(g),
                    r.Length > 0 ? Statistics.Percentile.Of(r, 10) : double.NaN, r.Length > 0 ? Statistics.Percentile.Of(r, 90) : double.NaN });
            }
        return new ReportTable("Update-norm ratio scaled / unscaled over all steps (two trajectories after step 1)",
            new[] { "setup", "optimizer", "group", "steps", "median", "p10", "p90" }, rows);
    }

    private static PlotSpec RatioPlot(LossScaleComparison c)
    {
        var plot = new PlotSpec($"ratio-{c.Setup}-{c.Optimizer.ToLowerInvariant()}", $"{c.Setup}, {c.Optimizer}: update norm scaled / unscaled")
        {
            XLabel = "step", YLabel = "‖Δθ‖ ratio", LogY = true,
            Caption = $"Per parameter group; the first head's loss is ×{FirstTaskScale}, the second's ×{SecondTaskScale}. SGD should follow the " +
                      "scales, Adam's heads stay near 1; after step 1 the two runs are on different trajectories.",
        };
        plot.HorizontalLines.Add((FirstTaskScale, $"×{FirstTaskScale}"));
        plot.HorizontalLines.Add((1, "×1"));
        plot.HorizontalLines.Add((SecondTaskScale, $"×{SecondTaskScale}"));
        foreach (string g in c.Groups)
            plot.Series.Add(new PlotSeries(g, c.Steps, c.UpdateRatios[g].Select(v => v > 0 ? v : double.NaN).ToArray()));
        return plot;
    }
}
