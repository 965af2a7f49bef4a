using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Sweeps;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study architectures</c> (issue 17, fidelity): every multi-task architecture (shared-bottom, MMoE, CGC, PLE,
/// cross-stitch, MTAN, DSelect-k) with EW + Adam, the same settings and seeds, on a two-task image dataset through the
/// sweep runner (work folder <c>sweep/</c>, resumable) and, when <see cref="StudyContext.Table"/> is given, on that table
/// through <see cref="TablePipeline"/> (one fixed train/test split, one fit per architecture × seed). The report gives each
/// task's test metric as mean ± 95 % CI over seeds and Δm against shared-bottom (paired by seed, <see cref="DeltaM.Of"/>).
/// </summary>
public sealed class ArchitecturesStudy : ISweepStudy, ITableStudy
{
    /// <summary>The architectures compared, in report order (shared-bottom first: it is Δm's reference).</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["shared-bottom", "mmoe", "cgc", "ple", "cross-stitch", "mtan", "dselect-k"];

    /// <summary>Share of the table held out as its test set (drawn once with the study's first seed).</summary>
    public const double TableTestFraction = 0.2;

    /// <inheritdoc />
    public string Name => "architectures";

    /// <inheritdoc />
    public string Description => "Issue 17 fidelity: shared-bottom, MMoE, CGC, PLE, cross-stitch, MTAN, DSelect-k on images (and --table); mean ± CI per task, Δm vs shared-bottom.";

    /// <summary>The image runs' base settings at a preset (dataset, rows, epochs, batch, optimizer).</summary>
    public static RunConfig ImageBase(StudyPreset preset) => preset switch
    {
        StudyPreset.Smoke => new RunConfig { TrainRows = 64, ValidationRows = 32, TestRows = 32, Epochs = 1, BatchSize = 32 },
        // Sized so 7 architectures × 3 seeds × 10 epochs fit in about half an hour on 2 shared cores (docs/architectures.md).
        StudyPreset.Quick => new RunConfig { TrainRows = 2000, ValidationRows = 500, TestRows = 2000, Epochs = 10, BatchSize = 64 },
        _ => new RunConfig { Epochs = 10, BatchSize = 256 },
    };

    /// <summary>The table runs' settings at a preset (the seed and architecture are set per run).</summary>
    public static TrainingConfig TableConfig(StudyPreset preset) => preset switch
    {
        StudyPreset.Smoke => new TrainingConfig { Epochs = 2, BatchSize = 32, EarlyStoppingPatience = 0 },
        _ => new TrainingConfig { Epochs = 100, BatchSize = 32, LearningRate = 1e-2, EarlyStoppingPatience = 15 },
    };

    private static int SeedCount(StudyContext context) => context.Seeds ?? (context.Preset == StudyPreset.Smoke ? 2 : 3);

    private static int[] Seeds(StudyContext context) => Enumerable.Range(context.Seed, SeedCount(context)).ToArray();

    /// <inheritdoc />
    public IReadOnlyList<RunConfig> Plan(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Methods.Count > 0)
            throw new ArgumentException("mtl study architectures compares architectures under EW; --method does not apply (drop it).");
        RunConfig baseRun = ImageBase(context.Preset);
        if (context.Dataset is { } dataset) baseRun = baseRun with { Dataset = dataset };
        return (from a in Architectures
                from s in Seeds(context)
                select baseRun with { Architecture = a, Seed = s }).ToArray();
    }

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        IReadOnlyList<RunConfig> plan = Plan(context);
        if (context.Table is not null && context.TableLabels.Count == 0)
            throw new ArgumentException($"The table '{context.Table}' needs its label columns (StudyContext.TableLabels, --label), one task each.");
        TableSchema? schema = context.Table is { } path
            ? TableSchema.Infer(path, new TableReadOptions { Labels = context.TableLabels.Select(LabelRequest.Parse).ToArray() })
            : null;
        context.Progress.Info($"architectures: {plan.Count} image runs ({Architectures.Count} architectures × {SeedCount(context)} seed(s))" +
                              (schema is null ? "" : $", then {plan.Count} table fits on {Path.GetFileName(schema.Path)}"));
        IReadOnlyList<RunResult> results = StudySweep.Run(context, plan);
        var report = new StudyReport("architectures", "Multi-task architectures side by side (issue 17, fidelity)")
        {
            Question = "How do shared-bottom, MMoE, CGC, PLE, cross-stitch, MTAN and DSelect-k compare under the same data, optimizer, epochs and seeds?",
            PaperFinding = "Ma et al. 2018 (MMoE, KDD): MMoE beats shared-bottom, most when tasks are less related (synthetic data, UCI census-income, a Google recommender). " +
                           "Tang et al. 2020 (PLE/CGC, RecSys): PLE > CGC > MMoE > hard sharing / cross-stitch on Tencent video and public sets. " +
                           "Misra et al. 2016 (cross-stitch, CVPR): beats the best hand-picked split of two AlexNets on NYU-v2. " +
                           "Liu et al. 2019 (MTAN, CVPR): beats cross-stitch on NYUv2 and CityScapes. " +
                           "Hazimeh et al. 2021 (DSelect-k, NeurIPS): at or above the softmax (MMoE) and Top-k gates, largest gains on a recommender. " +
                           "Each paper used its own data, backbone and budget; docs/architectures.md (Fidelity) gives the sources.",
            Protocol = ImageProtocol(plan[0], Seeds(context)) + (schema is null ? "" : " " + TableProtocol(context, schema)),
            PaperPresetExpectedTime = "7 architectures × 3 seeds × 10 epochs on all 54k training rows: ≈ 15 s per shared-bottom epoch, up to ≈ 5× for conv-expert mixtures → about 6–10 hours on 2 cores",
        };
        // The sweep's row plus the architecture, so image and table rows share the column.
        foreach (RunResult r in results)
            report.Runs.Add(new Dictionary<string, object?>(SweepRows.Of(r)) { ["architecture"] = r.Config.Architecture ?? "shared-bottom" });
        AddImageTables(report, results);
        if (schema is not null) AddTableTables(report, context, schema);
        return report.Stamped(context, watch.Elapsed);
    }

    private static void AddImageTables(StudyReport report, IReadOnlyList<RunResult> results)
    {
        RunResult[] finished = results.Where(r => r.IsFinished).ToArray();
        foreach (RunResult r in results.Where(r => !r.IsFinished))
            report.Notes.Add($"{r.Config.Architecture} seed {r.Config.Seed}: {r.Status} ({r.Reason}).");
        if (finished.Length == 0) return;
        string[] tasks = finished[0].Tasks;
        // Scores of every seed per architecture: test accuracy at the epoch selected on validation.
        Dictionary<string, Dictionary<int, double[]>> scores = Architectures.ToDictionary(a => a,
            a => finished.Where(r => r.Config.Architecture == a).ToDictionary(r => r.Config.Seed!.Value, r => r.TestAtSelected!.Metric));
        double seconds(string a) => finished.Where(r => r.Config.Architecture == a).Select(r => r.WallSeconds).DefaultIfEmpty(double.NaN).Average();
        bool[] higher = tasks.Select(_ => true).ToArray();
        report.Tables.Add(Summary($"{finished[0].Config.Dataset}: test accuracy at the best validation epoch (mean ± 95 % CI over seeds), Δm vs shared-bottom",
            tasks, higher, scores, a => [seconds(a)], ["seconds per run"]));
        AddVerdicts(report, finished[0].Config.Dataset, tasks, higher, scores);
    }

    private static void AddTableTables(StudyReport report, StudyContext context, TableSchema schema)
    {
        int[] seeds = Seeds(context);
        TrainingConfig config = TableConfig(context.Preset);
        // One split for every run (drawn with the first seed), so architectures and seeds differ only in training.
        var splitter = new MLContext(context.Seed);
        DataOperationsCatalog.TrainTestData split = splitter.Data.TrainTestSplit(TablePipeline.Load(splitter, schema, schema.Path), TableTestFraction, seed: context.Seed);
        string[] tasks = schema.Labels.Select(l => l.Name).ToArray();
        bool[]? higher = null;
        string[]? metricNames = null;
        var scores = new Dictionary<string, Dictionary<int, double[]>>();
        var seconds = new Dictionary<string, List<double>>();
        context.Progress.BeginStage($"table {Path.GetFileName(schema.Path)}", Architectures.Count * seeds.Length);
        foreach (string architecture in Architectures)
        {
            scores[architecture] = new Dictionary<int, double[]>();
            seconds[architecture] = new List<double>();
            foreach (int seed in seeds)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                var watch = Stopwatch.StartNew();
                var ml = new MLContext(seed);
                TableModel model = TablePipeline.Fit(ml, schema, split.TrainSet, config with { Architecture = architecture, Seed = seed }, seed);
                MultiTaskMetrics metrics;
                using (model.Network)
                    metrics = ml.MultiTask().Evaluate(model.Model.Transform(split.TestSet), model.Network);
                higher ??= metrics.Tasks.Select(t => t.HigherIsBetter).ToArray();
                metricNames ??= metrics.Tasks.Select(t => t.HigherIsBetter ? "accuracy" : "RMSE").ToArray();
                double[] values = metrics.Tasks.Select(t => t.PrimaryMetric).ToArray();
                scores[architecture][seed] = values;
                seconds[architecture].Add(watch.Elapsed.TotalSeconds);
                var row = new Dictionary<string, object?>
                {
                    ["dataset"] = Path.GetFileName(schema.Path), ["architecture"] = architecture, ["seed"] = seed, ["status"] = nameof(RunStatus.Finished),
                    ["selected_epoch"] = model.Network.TrainingReport?.SelectedEpoch, ["wall_seconds"] = watch.Elapsed.TotalSeconds,
                };
                for (int t = 0; t < tasks.Length; t++) row[$"test_{tasks[t]}"] = values[t];
                report.Runs.Add(row);
                context.Progress.Advance($"{architecture} seed {seed}");
            }
        }
        report.Tables.Add(Summary($"{Path.GetFileName(schema.Path)}: test metric per task (mean ± 95 % CI over seeds), Δm vs shared-bottom",
            tasks.Select((t, i) => $"{t} ({metricNames![i]})").ToArray(), higher!, scores, a => [seconds[a].Average()], ["seconds per fit"]));
        AddVerdicts(report, Path.GetFileName(schema.Path), tasks, higher!, scores);
    }

    // The papers' orderings, each as "A beats B": the per-seed difference Δm(A) − Δm(B) (both against shared-bottom, paired
    // by seed), reproduced when its 95 % CI lies above 0, contradicted when below, undecided when it spans 0.
    private static readonly (string Better, string Worse, string Source)[] PaperOrderings =
    [
        ("mmoe", "shared-bottom", "Ma et al. 2018"), ("cgc", "mmoe", "Tang et al. 2020"), ("ple", "cgc", "Tang et al. 2020"),
        ("cross-stitch", "shared-bottom", "Misra et al. 2016"), ("mtan", "cross-stitch", "Liu et al. 2019"), ("dselect-k", "mmoe", "Hazimeh et al. 2021"),
    ];

    private static void AddVerdicts(StudyReport report, string dataset, string[] tasks, bool[] higherIsBetter, Dictionary<string, Dictionary<int, double[]>> scores)
    {
        if (!scores.TryGetValue("shared-bottom", out Dictionary<int, double[]>? reference)) return;
        double? Delta(string a, int seed) => a == "shared-bottom" ? 0
            : scores.TryGetValue(a, out var bySeed) && bySeed.TryGetValue(seed, out double[]? v) ? DeltaM.Of(v, reference[seed], higherIsBetter, tasks) : null;
        foreach ((string better, string worse, string source) in PaperOrderings)
        {
            double[] differences = reference.Keys.Select(seed => Delta(better, seed) - Delta(worse, seed)).OfType<double>().ToArray();
            string claim = $"{dataset}: {better} beats {worse} ({source})";
            const string criterion = "the 95 % CI over seeds of Δm(A) − Δm(B) (each vs shared-bottom, paired by seed) lies above 0";
            if (differences.Length < 2)
            {
                report.Verdicts.Add(new Verdict(claim, null, criterion, $"{differences.Length} paired seed(s): no interval"));
                continue;
            }
            SeedSummary d = SeedSummary.Of(differences);
            bool? reproduced = d.Low > 0 ? true : d.High < 0 ? false : null;
            report.Verdicts.Add(new Verdict(claim, reproduced, criterion, $"Δm difference {d.ToString("F2")} points over {d.Count} seeds"));
        }
    }

    // One row per architecture: each task's mean ± CI, Δm vs shared-bottom (per seed, then mean ± CI), whether the Δm
    // interval excludes 0, and any extra columns.
    private static ReportTable Summary(string title, string[] tasks, bool[] higherIsBetter, Dictionary<string, Dictionary<int, double[]>> scores,
        Func<string, object?[]> extra, string[] extraColumns)
    {
        Dictionary<int, double[]> reference = scores.GetValueOrDefault("shared-bottom") ?? new Dictionary<int, double[]>();
        var rows = new List<IReadOnlyList<object?>>();
        foreach (string a in Architectures)
        {
            if (!scores.TryGetValue(a, out Dictionary<int, double[]>? bySeed) || bySeed.Count == 0) continue;
            var cells = new List<object?> { a };
            for (int t = 0; t < tasks.Length; t++)
                cells.Add(SeedSummary.Of(bySeed.Values.Select(v => v[t])).ToString("F4"));
            double[] deltas = bySeed.Where(kv => reference.ContainsKey(kv.Key))
                .Select(kv => DeltaM.Of(kv.Value, reference[kv.Key], higherIsBetter, tasks)).ToArray();
            if (deltas.Length == 0)
            {
                cells.Add("—");
                cells.Add("—");
            }
            else
            {
                SeedSummary delta = SeedSummary.Of(deltas);
                cells.Add(a == "shared-bottom" ? "0 (reference)" : delta.ToString("F2"));
                cells.Add(a == "shared-bottom" || double.IsNaN(delta.HalfWidth) ? "—" : delta.Low > 0 ? "better" : delta.High < 0 ? "worse" : "no (CI spans 0)");
            }
            cells.Add(bySeed.Count);
            cells.AddRange(extra(a));
            rows.Add(cells);
        }
        return new ReportTable(title, ["architecture", .. tasks, "Δm % vs shared-bottom", "Δm CI excludes 0", "seeds", .. extraColumns], rows, "F1");
    }

    private static string ImageProtocol(RunConfig c, int[] seeds) =>
        $"Images: {c.Dataset}, {Rows(c.TrainRows)} training / {Rows(c.ValidationRows)} validation / {Rows(c.TestRows)} test rows (the first N of each split); " +
        $"{c.Epochs} epoch(s), batch {c.BatchSize}, {c.Optimizer} lr {F(c.LearningRate)}, EW, no early stopping, test accuracy at the best validation epoch; " +
        $"MoE experts (MMoE, CGC, PLE level 1, DSelect-k) are MultiLeNet conv trunks, cross-stitch columns and MTAN's backbone are MultiLeNet's conv stages; " +
        $"architectures {string.Join(", ", Architectures)} with their default options; seeds {string.Join(", ", seeds)}.";

    private static string TableProtocol(StudyContext context, TableSchema schema)
    {
        TrainingConfig c = TableConfig(context.Preset);
        return $"Table: {Path.GetFileName(schema.Path)} ({schema.RowCount} rows), labels {string.Join(", ", schema.Labels.Select(l => $"{l.Name} ({l.Kind})"))}; " +
               $"one {1 - TableTestFraction:P0}/{TableTestFraction:P0} train/test split (seed {context.Seed}), {TablePipeline.ValidationFraction:P0} of training held out for early stopping; " +
               $"up to {c.Epochs} epochs (patience {c.EarlyStoppingPatience}), batch {c.BatchSize}, {c.Optimizer} lr {F(c.LearningRate)}, EW, automatic MLP trunk/experts; RMSE in the label's unit.";
    }

    private static string Rows(int n) => n > 0 ? n.ToString(CultureInfo.InvariantCulture) : "all";

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
