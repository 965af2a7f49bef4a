using System.Globalization;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Studies;

/// <summary>Turns the conflicts study's monitored runs into its <see cref="StudyReport"/>: tables, verdicts, plots and run rows.</summary>
public static class ConflictsReport
{
    private static readonly SimilarityMetric[] Metrics = Enum.GetValues<SimilarityMetric>();
    private static readonly PairKind[] Kinds = Enum.GetValues<PairKind>();

    /// <summary>Builds the report of <paramref name="runs"/> (at least one, each with at least one epoch).</summary>
    public static StudyReport Build(StudyContext context, ConflictsStudy.Protocol protocol, string dataset, IReadOnlyList<ConflictsRun> runs, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0 || runs.Any(r => r.Epochs.Count == 0))
            throw new ArgumentException("The conflicts report needs at least one run with at least one measured epoch.", nameof(runs));
        string preset = context.Preset.ToString().ToLowerInvariant();
        var report = new StudyReport("conflicts", "Gradient conflicts: between tasks vs between samples")
        {
            Question = "Do gradients of different tasks conflict more than gradients of different samples of one task — in direction " +
                       "(cosine similarity) or in magnitude (magnitude similarity)? And does more conflict go with slower task optimization?",
            PaperFinding =
                "Elich, Kirchdorfer, Köhler, Schott, *Challenging Common Assumptions in MTL* (arXiv 2311.04698, GCPR 2024), A3: on the shared " +
                "parameters, every 5 iterations on 8 samples, the per-epoch distributions (mean, std, 2.5/97.5 percentiles) of S_cos, S_mag and " +
                "the conflicting-parameter ratio show that **direction** distributions are alike between tasks and between samples, while " +
                "**magnitude** similarity is lower between tasks — magnitude, not direction, sets MTL apart.\n\n" +
                "Mueller, Dredze, Andrews, *Can Optimization Trajectories Explain Multi-Task Transfer?* (TMLR 2024, arXiv 2408.14677): gradient " +
                "conflict correlates with slower task *optimization* (but does not predict generalization).",
            Protocol = $"MultiLeNet (shared trunk, one head per task) on {dataset}, {(protocol.Rows is int n ? $"the first {n.ToString("N0", CultureInfo.InvariantCulture)} rows" : "all rows")} " +
                       $"of the training split; Adam, lr 1e-3, batch {protocol.BatchSize}, {protocol.Epochs} epochs, seeds {string.Join(", ", runs.Select(r => r.Seed).Distinct())}; " +
                       $"methods {string.Join(", ", runs.Select(r => r.Method).Distinct())}. Monitor: every {ConflictSamplingSchedule.DefaultEveryIterations} steps, " +
                       $"the batch's first n = {protocol.Samples} rows (Elich et al.: {GradientConflictSampler.DefaultSamples}), per-sample gradients on the trunk before the optimizer step, dropout off.",
            Preset = preset,
            PaperPresetExpectedTime = ConflictsStudy.PaperExpectedTime,
            Elapsed = elapsed,
            Command = context.Command,
        };
        report.Tables.Add(EpochTable(runs));
        string[] methods = runs.Select(r => r.Method).Distinct().ToArray();
        var comparisons = new List<IReadOnlyList<object?>>();
        var correlations = new List<IReadOnlyList<object?>>();
        foreach (string method in methods)
        {
            ConflictsRun[] mine = runs.Where(r => r.Method == method).ToArray();
            ConflictEpoch[] all = mine.SelectMany(r => r.Epochs).ToArray();
            var pooled = Metrics.ToDictionary(m => m, m => ConflictsAnalysis.Compare(all, m));
            foreach (SimilarityMetric metric in Metrics)
                comparisons.Add(ComparisonRow(method, "all epochs", pooled[metric]));
            foreach (int epoch in all.Select(e => e.Epoch).Distinct().OrderBy(e => e))
                foreach (SimilarityMetric metric in Metrics)
                    comparisons.Add(ComparisonRow(method, $"epoch {epoch}", ConflictsAnalysis.Compare(all.Where(e => e.Epoch == epoch).ToArray(), metric)));
            AddDirectionAndMagnitudeVerdicts(report, method, pooled[SimilarityMetric.Cosine], pooled[SimilarityMetric.Magnitude]);
            AddOptimizationVerdict(report, method, mine, correlations);
        }
        report.Tables.Add(new ReportTable(
            "Inter-task (x) vs inter-sample (y), pooled over seeds and groups: two-sided Mann–Whitney U (normal approximation, tie and continuity corrected), " +
            "rank-biserial r = 2U/(n_x n_y) − 1 (negative: inter-task values tend to be lower), two-sample Kolmogorov–Smirnov D with its asymptotic p",
            new[] { "method", "scope", "metric", "n inter-task", "n inter-sample", "median inter-task", "median inter-sample", "U", "p (MW)", "rank-biserial r", "KS D", "p (KS)" },
            comparisons));
        report.Tables.Add(new ReportTable(
            "Conflict (fraction of inter-task cosines < 0 in epoch e) vs the task's training-loss decrease L(e−1) − L(e), over epochs e ≥ 2 of every seed",
            new[] { "method", "task", "n", "Spearman ρ", "Pearson r" }, correlations));
        AddPlots(report, runs, methods);
        AddRunRows(report, runs);
        report.Notes.Add("Per-sample gradients are taken with dropout off (evaluation mode), so the spread between samples is the data's, not dropout's.");
        report.Notes.Add("Pairs of one measurement share samples (an inter-sample pair reuses each gradient n−1 times), so the tests' p-values treat " +
                         "dependent values as independent and are optimistic; the rank-biserial effect size does not depend on that assumption.");
        report.Notes.Add("Multi-Fashion's training split is 50,000 rows (the other 10,000 Fashion-MNIST training images form its validation split, unused here).");
        report.Notes.Add("Elich et al. used other datasets (e.g. CityScapes, NYUv2, CelebA); Multi-Fashion with MultiLeNet is this project's small stand-in. " +
                         "Loss decrease shrinks as training converges whatever the conflict does, so with few epochs the correlation mixes both trends; " +
                         $"verdicts (a)/(b) need ≥ {ConflictsAnalysis.MinimumValuesForVerdict} values per kind, (c) ≥ {ConflictsAnalysis.MinimumPointsForCorrelation} points.");
        if (runs.SelectMany(r => r.Epochs).Sum(e => e.SkippedMeasurements) is int skipped and > 0)
            report.Notes.Add($"{skipped} due step(s) fell on an epoch's last, short batch with fewer than {protocol.Samples} rows and were not measured.");
        return report;
    }

    private static ReportTable EpochTable(IReadOnlyList<ConflictsRun> runs)
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (ConflictsRun run in runs)
            foreach (ConflictEpoch epoch in run.Epochs)
                foreach (var group in epoch.Summaries.GroupBy(s => (s.Kind, s.Group)))
                {
                    var row = new List<object?> { run.Method, run.Seed, epoch.Epoch, KindName(group.Key.Kind), group.Key.Group, group.First().Summary.Count };
                    row.AddRange(Metrics.Select(m => (object?)Describe(group.Single(s => s.Metric == m).Summary)));
                    rows.Add(row);
                }
        return new ReportTable("Per-epoch distributions: mean ± std [2.5th, 97.5th percentile] over the epoch's pairs",
            new[] { "method", "seed", "epoch", "pairs", "group", "n", "S_cos", "S_mag", "conflicting-parameter ratio" }, rows);
    }

    private static string Describe(DistributionSummary s) =>
        s.Count == 0 ? "undefined" : string.Create(CultureInfo.InvariantCulture, $"{s.Mean:F3} ± {s.StandardDeviation:F3} [{s.Percentile2_5:F3}, {s.Percentile97_5:F3}]");

    private static IReadOnlyList<object?> ComparisonRow(string method, string scope, ConflictsComparison c) => new object?[]
    {
        method, scope, MetricName(c.Metric), c.InterTask.Count, c.InterSample.Count, c.MannWhitney?.FirstMedian, c.MannWhitney?.SecondMedian,
        c.MannWhitney?.U, c.MannWhitney?.PValue, c.MannWhitney?.RankBiserial, c.KolmogorovSmirnov?.D, c.KolmogorovSmirnov?.PValue,
    };

    private static void AddDirectionAndMagnitudeVerdicts(StudyReport report, string method, ConflictsComparison cosine, ConflictsComparison magnitude)
    {
        report.Verdicts.Add(new Verdict(
            $"[{method}] The direction (S_cos) distributions are alike between tasks and between samples",
            ConflictsAnalysis.DirectionAlike(cosine),
            $"inter-task vs inter-sample S_cos, pooled over epochs and seeds: |rank-biserial r| < {ConflictsAnalysis.AlikeEffectSize} (same location) " +
            $"and Kolmogorov–Smirnov D < {ConflictsAnalysis.AlikeDistributionDistance} (same shape) " +
            $"(needs ≥ {ConflictsAnalysis.MinimumValuesForVerdict} values per kind)",
            Evidence(cosine)));
        report.Verdicts.Add(new Verdict(
            $"[{method}] Magnitude similarity (S_mag) is lower between tasks than between samples",
            ConflictsAnalysis.MagnitudeLowerBetweenTasks(magnitude),
            $"median inter-task S_mag < median inter-sample S_mag and two-sided Mann–Whitney p < {ConflictsAnalysis.Alpha}, pooled over epochs and seeds " +
            $"(needs ≥ {ConflictsAnalysis.MinimumValuesForVerdict} values per kind)",
            Evidence(magnitude)));
    }

    private static string Evidence(ConflictsComparison c) => c.MannWhitney is not { } mw
        ? $"n = {c.InterTask.Count} inter-task, {c.InterSample.Count} inter-sample: nothing to compare"
        : string.Create(CultureInfo.InvariantCulture,
            $"inter-task mean {c.InterTask.Mean:F3} (median {mw.FirstMedian:F3}, n = {mw.FirstCount}) vs inter-sample mean {c.InterSample.Mean:F3} " +
            $"(median {mw.SecondMedian:F3}, n = {mw.SecondCount}); U = {mw.U:F1}, p = {mw.PValue:G3}, rank-biserial r = {mw.RankBiserial:F3}; " +
            $"KS D = {c.KolmogorovSmirnov!.D:F3}, p = {c.KolmogorovSmirnov.PValue:G3}");

    private static void AddOptimizationVerdict(StudyReport report, string method, IReadOnlyList<ConflictsRun> runs, List<IReadOnlyList<object?>> table)
    {
        var evidence = new List<string>();
        var decided = new List<bool>();
        foreach (string task in runs[0].TaskNames)
        {
            IReadOnlyList<ConflictsLossPoint> points = ConflictsAnalysis.ConflictVsLossDecrease(runs, task);
            double rho = ConflictsAnalysis.Spearman(points), r = ConflictsAnalysis.Pearson(points);
            table.Add(new object?[] { method, task, points.Count, Nullable(rho), Nullable(r) });
            evidence.Add(string.Create(CultureInfo.InvariantCulture, $"{task}: ρ = {rho:F3} (n = {points.Count})"));
            if (!double.IsNaN(rho)) decided.Add(rho < 0);
        }
        bool? reproduced = decided.Count < runs[0].TaskNames.Count ? null : decided.All(d => d);
        report.Verdicts.Add(new Verdict(
            $"[{method}] More gradient conflict goes with slower task optimization (Mueller et al.)",
            reproduced,
            "Spearman ρ between an epoch's fraction of negative inter-task cosines and each task's training-loss decrease from the previous epoch " +
            $"is negative for every task (epochs e ≥ 2 of all seeds; needs ≥ {ConflictsAnalysis.MinimumPointsForCorrelation} points per task)",
            string.Join("; ", evidence)));
    }

    private static object? Nullable(double v) => double.IsNaN(v) ? null : v;

    private static void AddPlots(StudyReport report, IReadOnlyList<ConflictsRun> runs, string[] methods)
    {
        (SimilarityMetric metric, string name, string title, string caption)[] specs =
        {
            (SimilarityMetric.Cosine, "cosine-over-epochs", "Cosine similarity S_cos over epochs",
                "Mean per epoch with the 2.5–97.5 percentile band; the paper expects inter-task and inter-sample bands to overlap closely."),
            (SimilarityMetric.Magnitude, "magnitude-over-epochs", "Magnitude similarity S_mag over epochs",
                "Mean per epoch with the 2.5–97.5 percentile band; the paper expects the inter-task curve below the inter-sample one."),
            (SimilarityMetric.ConflictingRatio, "conflict-ratio-over-epochs", "Conflicting-parameter ratio over epochs",
                "Fraction of shared parameters whose two gradients have opposite signs, mean with the 2.5–97.5 percentile band."),
        };
        foreach (var (metric, name, title, caption) in specs)
        {
            var plot = new PlotSpec(name, title) { XLabel = "epoch", YLabel = MetricName(metric), Caption = caption };
            if (metric == SimilarityMetric.Cosine) plot.HorizontalLines.Add((0, "no conflict / conflict"));
            foreach (string method in methods)
                foreach (PairKind kind in Kinds)
                {
                    var byEpoch = runs.Where(r => r.Method == method).SelectMany(r => r.Epochs).GroupBy(e => e.Epoch).OrderBy(g => g.Key)
                        .Select(g => (g.Key, DistributionSummary.Of(ConflictsAnalysis.Pooled(g, kind, metric)))).ToArray();
                    plot.Series.Add(new PlotSeries($"{method} {KindName(kind)}", byEpoch.Select(p => (double)p.Key).ToArray(),
                        byEpoch.Select(p => p.Item2.Mean).ToArray(), SeriesStyle.LineWithMarkers,
                        byEpoch.Select(p => p.Item2.Percentile2_5).ToArray(), byEpoch.Select(p => p.Item2.Percentile97_5).ToArray()));
                }
            report.Plots.Add(plot);
        }
        var scatter = new PlotSpec("conflict-vs-loss-decrease", "Conflict vs training-loss decrease")
        {
            XLabel = "fraction of inter-task cosines < 0 in epoch e",
            YLabel = "training-loss decrease L(e−1) − L(e)",
            Caption = "One point per task and epoch e ≥ 2 of every seed; Mueller et al. would predict a falling cloud (more conflict, less decrease).",
        };
        foreach (string method in methods)
        {
            ConflictsRun[] mine = runs.Where(r => r.Method == method).ToArray();
            foreach (string task in mine[0].TaskNames)
            {
                IReadOnlyList<ConflictsLossPoint> points = ConflictsAnalysis.ConflictVsLossDecrease(mine, task);
                scatter.Series.Add(new PlotSeries($"{method} {task}", points.Select(p => p.Conflict).ToArray(), points.Select(p => p.LossDecrease).ToArray(), SeriesStyle.Scatter));
            }
        }
        report.Plots.Add(scatter);
    }

    private static void AddRunRows(StudyReport report, IReadOnlyList<ConflictsRun> runs)
    {
        foreach (ConflictsRun run in runs)
            foreach (ConflictEpoch epoch in run.Epochs)
                foreach (ConflictSummaryRow row in epoch.Summaries)
                {
                    var values = new Dictionary<string, object?>
                    {
                        ["method"] = run.Method, ["seed"] = run.Seed, ["epoch"] = epoch.Epoch, ["kind"] = KindName(row.Kind), ["group"] = row.Group,
                        ["metric"] = MetricName(row.Metric), ["mean"] = Nullable(row.Summary.Mean), ["std"] = Nullable(row.Summary.StandardDeviation),
                        ["p2_5"] = Nullable(row.Summary.Percentile2_5), ["p97_5"] = Nullable(row.Summary.Percentile97_5), ["count"] = row.Summary.Count,
                        ["undefined"] = row.Summary.Undefined, ["measurements"] = epoch.Measurements,
                    };
                    foreach (var (task, loss) in epoch.TrainLosses) values[$"train_loss_{task}"] = loss;
                    report.Runs.Add(values);
                }
    }

    private static string KindName(PairKind kind) => kind == PairKind.InterTask ? "inter-task" : "inter-sample";

    private static string MetricName(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => "S_cos",
        SimilarityMetric.Magnitude => "S_mag",
        _ => "conflicting-parameter ratio",
    };
}
