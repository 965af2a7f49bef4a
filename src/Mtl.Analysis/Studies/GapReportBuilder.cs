using Mtl.Analysis.Comparison;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Studies;

/// <summary>Turns the gap study's trajectories into its report: matched-loss gaps, factor correlations, verdicts, tables and plots.</summary>
internal sealed class GapReportBuilder
{
    private readonly IReadOnlyList<GapTrajectories> seeds;
    private readonly IReadOnlyList<string> tasks;
    private readonly GapSettings settings;
    private readonly int seedCount;
    private readonly string dataset;
    private readonly StudyContext context;

    private static readonly (string Name, Func<TrajectoryCheckpoint, int, double> Value)[] Factors =
    {
        ("sharpness", (c, h) => c.SharpnessPerTask[h]),
        ("Fisher trace", (c, h) => c.FisherPerTask[h]),
        ("noise scale", (c, h) => c.NoiseScalePerTask[h]),
        ("trunk distance", (c, _) => c.TrunkDistance),
        ("head distance", (c, h) => c.HeadDistance[h]),
    };

    public GapReportBuilder(IReadOnlyList<GapTrajectories> seeds, IReadOnlyList<string> tasks, GapSettings settings, int seedCount, string dataset, StudyContext context)
    {
        this.seeds = seeds;
        this.tasks = tasks;
        this.settings = settings;
        this.seedCount = seedCount;
        this.dataset = dataset;
        this.context = context;
    }

    private static string Stl(string task) => $"STL-{task}";

    // (training, validation) losses of a task along a run: head 0 in its STL run, head t in the MTL run.
    private (double[] Train, double[] Validation) Curve(GapTrajectories s, string run, int head) =>
        (s.Runs[run].Select(c => c.TrainingLoss[head]).ToArray(), s.Runs[run].Select(c => c.ValidationLoss[head]).ToArray());

    public StudyReport Build()
    {
        var report = new StudyReport("gap", "Generalization gap of MTL vs STL trajectories (Mueller et al., B)")
        {
            Preset = context.Preset.ToString().ToLowerInvariant(),
            PaperPresetExpectedTime = GapSettings.For(StudyPreset.Paper).ExpectedTime,
            Command = context.Command,
            Question = "At the same *training* loss, does a multi-task trajectory reach a different *validation* loss than the single-task one, " +
                       "and do the trajectory factors proposed for single-task generalization (sharpness, Fisher trace, gradient noise scale, " +
                       "distance from initialisation) explain the difference?",
            PaperFinding = "Mueller, Dredze, Andrews, *Can Optimization Trajectories Explain Multi-Task Transfer?* (TMLR 2024, arXiv 2408.14677): MTL " +
                           "opens a generalization gap — at comparable training loss MTL and STL differ in validation loss; it appears early in training and " +
                           "persists. Sharpness (top Hessian eigenvalue by power iteration), Fisher trace and gradient noise scale do not explain the gap.",
            Protocol = $"{dataset}: first {settings.Rows} training rows; MultiLeNet trunk, heads 50–ReLU–dropout–10, Adam lr 0.001, batch {settings.BatchSize}, " +
                       $"{settings.Epochs} epochs, equal weighting; {seedCount} seed(s) from {context.Seed}. Per seed: STL runs for {string.Join(" and ", tasks)} " +
                       "(one head, same trunk initialisation, data order and seed) and the MTL run (both heads). Checkpoints at the start, every " +
                       $"{settings.CheckpointEvery} steps and at epoch ends, measured with dropout off on fixed rows: losses on the first " +
                       $"{settings.FixedTrainingRows} training rows and {settings.FixedValidationRows} validation rows; sharpness ≤ {settings.SharpnessIterations} " +
                       $"power iterations on {settings.SharpnessRows} rows; Fisher trace over {settings.FisherSamples} samples; noise scale with b = " +
                       $"{settings.NoiseSmallBatch}, B = {settings.FixedTrainingRows}. Gap = val_MTL − val_STL at {settings.Levels} training-loss levels " +
                       "(log-spaced inside every curve's range; each curve's validation loss interpolated linearly on its running-minimum frontier).",
        };
        report.Notes.Add("Factor correlations pair each MTL checkpoint's matched gap (its own point against the STL curve interpolated at its training loss) " +
                         "with the factor's MTL − STL difference at the same step, pooled over tasks and seeds, leaving out the shared start; p from the normal approximation z = ρ√(n − 1).");
        TrajectoryCheckpoint[] all = seeds.SelectMany(s => s.Runs.Values.SelectMany(c => c)).ToArray();
        report.Notes.Add($"Sharpness converged (relative change and residual within tolerance) at {all.Count(c => c.SharpnessConverged)} of {all.Length} " +
                         $"checkpoints within the cap of {settings.SharpnessIterations} iterations; unconverged estimates are lower bounds of the top eigenvalue's " +
                         $"magnitude and are kept. Measuring took {all.Sum(c => c.Seconds):F0} s in all.");
        foreach (string task in tasks) AddGap(report, task);
        AddCorrelations(report);
        AddFactorPlots(report);
        AddRuns(report);
        return report;
    }

    private void AddGap(StudyReport report, string task)
    {
        int head = tasks.ToList().IndexOf(task);
        var stl = seeds.Select(s => Curve(s, Stl(task), 0)).ToArray();
        var mtl = seeds.Select(s => Curve(s, "MTL", head)).ToArray();
        var curvePlot = new PlotSpec($"val-vs-train-{task.ToLowerInvariant()}", $"{task}: validation vs training loss")
        {
            XLabel = "training loss (fixed rows)", YLabel = "validation loss", LogX = true,
            Caption = "Each trajectory from its start (right) to its end (left); at equal training loss a vertical distance between STL and MTL is the generalization gap.",
        };
        for (int s = 0; s < seeds.Count; s++)
        {
            curvePlot.Series.Add(new PlotSeries($"STL seed {seeds[s].Seed}", stl[s].Train, stl[s].Validation, SeriesStyle.LineWithMarkers));
            curvePlot.Series.Add(new PlotSeries($"MTL seed {seeds[s].Seed}", mtl[s].Train, mtl[s].Validation, SeriesStyle.LineWithMarkers));
        }
        report.Plots.Add(curvePlot);

        // The start is left out of the matching: STL and MTL share their initial weights there, so the gap is 0 by construction.
        var stlFrontiers = stl.Select(c => GapCurves.Frontier(c.Train[1..], c.Validation[1..])).ToArray();
        var mtlFrontiers = mtl.Select(c => GapCurves.Frontier(c.Train[1..], c.Validation[1..])).ToArray();
        double[] levels = GapCurves.CommonLevels(stlFrontiers.Concat(mtlFrontiers), settings.Levels);
        double[][] gaps = levels.Select(l => Enumerable.Range(0, seeds.Count)
            .Select(s => GapCurves.ValidationAt(mtlFrontiers[s], l) - GapCurves.ValidationAt(stlFrontiers[s], l)).ToArray()).ToArray();
        double[] mean = gaps.Select(g => g.Average()).ToArray();
        double[] sd = gaps.Select(g => g.Length > 1 ? Math.Sqrt(g.Sum(v => (v - g.Average()) * (v - g.Average())) / (g.Length - 1)) : double.NaN).ToArray();
        double half = seeds.Count > 1 ? StudentT.Quantile(0.975, seeds.Count - 1) / Math.Sqrt(seeds.Count) : double.NaN;
        bool[] differs = gaps.Select((g, k) => seeds.Count >= 2 && (g.All(v => v > 0) || g.All(v => v < 0))
                                                && (seeds.Count < 3 || Math.Abs(mean[k]) > half * sd[k])).ToArray();
        report.Tables.Add(new ReportTable($"{task}: gap val_MTL − val_STL at matched training loss",
            new[] { "training loss", "mean gap", "sd over seeds", "95% CI low", "95% CI high", "seeds agree in sign / CI excludes 0" },
            levels.Select((l, k) => (IReadOnlyList<object?>)new object?[] { l, mean[k], sd[k], mean[k] - half * sd[k], mean[k] + half * sd[k], differs[k] }).ToList()));
        if (levels.Length > 0)
        {
            var gapPlot = new PlotSpec($"gap-{task.ToLowerInvariant()}", $"{task}: gap at matched training loss")
            {
                XLabel = "training loss", YLabel = "val_MTL − val_STL", LogX = true,
                Caption = "Mean over seeds with ±1 sd; above 0 MTL generalizes worse than STL at the same training loss.",
            };
            gapPlot.HorizontalLines.Add((0, "no gap"));
            bool band = seeds.Count > 1;
            gapPlot.Series.Add(new PlotSeries("mean gap", levels, mean, SeriesStyle.LineWithMarkers,
                band ? mean.Select((m, k) => m - sd[k]).ToArray() : null, band ? mean.Select((m, k) => m + sd[k]).ToArray() : null));
            report.Plots.Add(gapPlot);
        }
        string evidence = levels.Length == 0 ? "the curves' training-loss ranges do not overlap"
            : $"{differs.Count(d => d)} of {levels.Length} levels; mean gap {mean[0]:G3} at training loss {levels[0]:G3} (earliest), " +
              $"{mean[^1]:G3} at {levels[^1]:G3} (latest); {seeds.Count} seed(s)";
        bool? decided = seeds.Count < 2 || levels.Length == 0 ? null : differs.Count(d => d) * 2 > levels.Length;
        report.Verdicts.Add(new Verdict($"{task}: MTL and STL differ in validation loss at matched training loss", decided,
            "at more than half of the matched levels every seed's gap has the same sign and, with ≥ 3 seeds, the 95% t-interval over seeds excludes 0 (undecided with 1 seed)",
            evidence));
        bool? persists = seeds.Count < 2 || levels.Length == 0 ? null
            : Math.Sign(mean[0]) != 0 && Math.Sign(mean[0]) == Math.Sign(mean[^1]) && differs[0] && differs[^1];
        report.Verdicts.Add(new Verdict($"{task}: the gap appears early and persists", persists,
            "the gap at the earliest (highest) and the latest (lowest) matched training loss has the same sign and passes the per-level rule above at both",
            evidence));
    }

    private void AddCorrelations(StudyReport report)
    {
        var rows = new List<IReadOnlyList<object?>>();
        var tracking = new List<string>();
        int defined = 0;
        foreach (var (name, value) in Factors)
        {
            var gap = new List<double>();
            var diff = new List<double>();
            foreach (GapTrajectories s in seeds)
                for (int h = 0; h < tasks.Count; h++)
                {
                    TrajectoryCheckpoint[] m = s.Runs["MTL"], st = s.Runs[Stl(tasks[h])];
                    var frontier = GapCurves.Frontier(st.Skip(1).Select(c => c.TrainingLoss[0]).ToArray(), st.Skip(1).Select(c => c.ValidationLoss[0]).ToArray());
                    for (int k = 1; k < Math.Min(m.Length, st.Length); k++)
                    {
                        double g = m[k].ValidationLoss[h] - GapCurves.ValidationAt(frontier, m[k].TrainingLoss[h]);
                        double d = value(m[k], h) - value(st[k], 0);
                        if (!double.IsFinite(g) || !double.IsFinite(d) || m[k].Step != st[k].Step) continue;
                        gap.Add(g);
                        diff.Add(d);
                    }
                }
            (double rho, double p) = gap.Count >= 5 ? GapStudy.SpearmanWithP(diff, gap) : (double.NaN, double.NaN);
            if (!double.IsNaN(rho)) defined++;
            if (!double.IsNaN(rho) && Math.Abs(rho) >= GapStudy.CorrelationThreshold && p < 0.05) tracking.Add(name);
            rows.Add(new object?[] { name, gap.Count, rho, p });
        }
        report.Tables.Add(new ReportTable("Spearman correlation of each factor's MTL − STL difference with the matched gap (pooled over tasks and seeds)",
            new[] { "factor", "n", "Spearman ρ", "p (normal approx.)" }, rows));
        report.Verdicts.Add(new Verdict("the trajectory factors do not explain the gap", defined > 0 ? tracking.Count == 0 : null,
            $"no factor has |ρ| ≥ {GapStudy.CorrelationThreshold} with p < 0.05 (a factor with fewer than 5 pairs or a constant/undefined series is left out; undecided when none is left)",
            string.Join("; ", rows.Select(r => $"{r[0]}: ρ = {(double)r[2]!:F2}, p = {(double)r[3]!:G2}, n = {r[1]}"))));
    }

    private void AddFactorPlots(StudyReport report)
    {
        foreach (var (name, value) in Factors)
        {
            var plot = new PlotSpec($"factor-{name.Replace(' ', '-').ToLowerInvariant()}", $"{name} over training (mean over seeds)")
            {
                XLabel = "epochs", YLabel = name,
                Caption = $"{name} of each task's loss in its STL run and in the MTL run, measured at the checkpoints on the fixed rows.",
            };
            for (int h = 0; h < tasks.Count; h++)
            {
                plot.Series.Add(Mean($"STL {tasks[h]}", Stl(tasks[h]), c => value(c, 0)));
                plot.Series.Add(Mean($"MTL {tasks[h]}", "MTL", c => value(c, h)));
            }
            report.Plots.Add(plot);
        }
    }

    private PlotSeries Mean(string label, string run, Func<TrajectoryCheckpoint, double> value)
    {
        int n = seeds.Min(s => s.Runs[run].Length);
        double[] x = seeds[0].Runs[run].Take(n).Select(c => c.Epochs).ToArray();
        double[] y = Enumerable.Range(0, n).Select(k => seeds.Average(s => value(s.Runs[run][k]))).ToArray();
        return new PlotSeries(label, x, y, SeriesStyle.LineWithMarkers);
    }

    private void AddRuns(StudyReport report)
    {
        foreach (GapTrajectories s in seeds)
            foreach ((string run, TrajectoryCheckpoint[] checkpoints) in s.Runs)
                foreach (TrajectoryCheckpoint c in checkpoints)
                    for (int h = 0; h < c.TrainingLoss.Count; h++)
                        report.Runs.Add(new Dictionary<string, object?>
                        {
                            ["seed"] = s.Seed, ["run"] = run, ["task"] = run == "MTL" ? tasks[h] : run[4..], ["step"] = c.Step, ["epochs"] = c.Epochs,
                            ["train_loss"] = c.TrainingLoss[h], ["val_loss"] = c.ValidationLoss[h], ["sharpness"] = c.SharpnessPerTask[h],
                            ["sharpness_total"] = c.SharpnessTotal, ["sharpness_converged"] = c.SharpnessConverged, ["fisher_trace"] = c.FisherPerTask[h],
                            ["noise_scale"] = c.NoiseScalePerTask[h], ["trunk_distance"] = c.TrunkDistance, ["head_distance"] = c.HeadDistance[h],
                            ["seconds"] = c.Seconds,
                        });
    }
}
