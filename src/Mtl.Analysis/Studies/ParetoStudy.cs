using System.Diagnostics;
using System.Globalization;
using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study pareto</c> (Xin et al., studies.md D): the front of fixed-weight scalarizations over a learning-rate ×
/// dropout grid, the MTO methods over the same grid, each MTO point classified on / inside / beyond the front with a
/// tolerance of one pooled seed standard deviation, and the MTO methods' learned weights over training.
/// </summary>
public sealed class ParetoStudy : ISweepStudy
{
    /// <summary>Tolerance in pooled seed standard deviations.</summary>
    public const double Tolerance = 1.0;

    /// <summary>A method's weights "barely move" when the first task's weight share changes by less than this over training.</summary>
    public const double WeightRangeThreshold = 0.1;

    /// <inheritdoc />
    public string Name => "pareto";

    /// <inheritdoc />
    public string Description => "Xin et al.: fixed-weight scalarization front vs MTO methods over the same LR × dropout grid; do MTO points lie beyond it?";

    /// <inheritdoc />
    public IReadOnlyList<RunConfig> Plan(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ParetoProtocol.For(context).Configs();
    }

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        ParetoProtocol protocol = ParetoProtocol.For(context);
        IReadOnlyList<RunConfig> plan = protocol.Configs();
        context.Progress.Info($"pareto: {plan.Count} runs (({protocol.Weights.Count} weights + {protocol.Methods.Count} methods) × {protocol.LearningRates.Count} " +
                              $"learning rates × {protocol.Dropouts.Count} dropouts × {protocol.Seeds.Count} seed(s)), {context.Jobs} job(s)");
        IReadOnlyList<RunResult> results = StudySweep.Run(context, plan);
        return Build(protocol, results).Stamped(context, watch.Elapsed);
    }

    private static StudyReport Build(ParetoProtocol protocol, IReadOnlyList<RunResult> results)
    {
        var report = new StudyReport("pareto", "Do MTO methods reach beyond the scalarization front? (Xin et al.)")
        {
            Question = "Over the same learning-rate × dropout grid, do specialised multi-task optimization (MTO) methods find test-metric trade-offs " +
                       "that no fixed-weight scalarization reaches, and do their learned task weights move during training?",
            PaperFinding = "Xin, Ghorbani, Garg, Firat, Gilmer, *Do Current Multi-Task Optimization Methods in Deep Learning Even Help?* (NeurIPS 2022, arXiv 2209.11379): " +
                           "fixed weights w ∈ {0.1, …, 0.9} × LR {0.001, …, 5} × dropout {0.1, …, 0.5} (720 models on Multi-MNIST, SGD momentum 0.8, batch 256); " +
                           "**MTO points lie on or inside the scalarization front**, and **their learned weights barely move** during training.",
            Protocol = $"{protocol.Base.Dataset}, {protocol.Base.TrainRows} training / {protocol.Base.ValidationRows} validation / {protocol.Base.TestRows} test rows (0 = all); " +
                       $"SGD momentum {protocol.Base.Momentum}, {protocol.Base.Epochs} epochs, batch {protocol.Base.BatchSize}; fixed weights " +
                       $"{string.Join(", ", protocol.Weights.Select(F))}; methods {string.Join(", ", protocol.Methods)}; learning rates " +
                       $"{string.Join(", ", protocol.LearningRates.Select(F))}; dropout {string.Join(", ", protocol.Dropouts.Select(F))}; seeds {string.Join(", ", protocol.Seeds)}. " +
                       "Each point is a configuration's mean over seeds of the test metrics at its best validation epoch.",
            PaperPresetExpectedTime = ParetoProtocol.PaperExpectedTime,
        };
        foreach (RunResult r in results) report.Runs.Add(SweepRows.Of(r));
        report.Notes.Add("Fixed weights (w, 1 − w) are scaled to sum to 2, the scale on which EW and the MTO methods weight the losses: with SGD a " +
                         "common weight scale acts as a learning-rate factor, which the paper's 3.5-decade learning-rate grid absorbs but a short grid would not.");
        int unfinished = results.Count(r => !r.IsFinished);
        if (unfinished > 0) report.Notes.Add($"{unfinished} runs did not finish (diverged or not applicable) and count as no point.");
        IReadOnlyList<ConfigSummary> configs = ConfigSummary.ByConfig(results);
        ConfigSummary[] fixedPoints = configs.Where(c => c.Config.Method == "fixed").ToArray();
        ConfigSummary[] mtoPoints = configs.Where(c => c.Config.Method != "fixed").ToArray();
        if (fixedPoints.Length == 0 || mtoPoints.Length == 0)
        {
            report.Verdicts.Add(new Verdict("MTO points lie on or inside the scalarization front", null, "needs finished fixed-weight and MTO runs", "too few finished runs"));
            return report;
        }
        string[] tasks = fixedPoints[0].Runs[0].Tasks;
        ObjectiveSpace space = ObjectiveSpace.Maximise(tasks);
        ParetoAnalysis front = ParetoAnalysis.Of(fixedPoints.Select(c => new LabelledPoint(Label(c.Config), c.TestMetric)).ToArray(), space);

        // Tolerance from the seed spread: the pooled standard deviation over configurations of each task's test metric.
        LabelledSummary[] spreads = configs.Where(c => c.Runs.Count >= 2).Select(c => new LabelledSummary(c.Config.ConfigKey,
            Enumerable.Range(0, tasks.Length).Select(t => SeedSummary.Of(c.Runs.Select(r => r.TestAtSelected!.Metric[t]))).ToArray())).ToArray();
        double[]? scales = spreads.Length == 0 ? null : FrontClassifier.PooledStandardDeviation(spreads).Select(s => Math.Max(s, 1e-6)).ToArray();
        var rows = new List<IReadOnlyList<object?>>();
        var placements = new List<(ConfigSummary Point, FrontPlacement? Placement)>();
        foreach (ConfigSummary p in mtoPoints)
        {
            FrontPlacement? placement = scales is null ? null
                : FrontClassifier.Classify(new LabelledPoint(Label(p.Config), p.TestMetric), front.Front, space, scales, Tolerance);
            placements.Add((p, placement));
            rows.Add([p.Config.Method, p.Config.LearningRate, p.Config.Dropout, .. p.TestMetric.Cast<object?>(), placement?.Margin, placement?.Position.ToString() ?? "undecided (one seed)"]);
        }
        report.Tables.Add(new ReportTable($"MTO configurations against the scalarization front (margin in pooled seed standard deviations; tolerance {Tolerance:G})",
            ["method", "learning rate", "dropout", .. tasks.Select(t => $"test {t}"), "margin", "position"], rows));
        report.Tables.Add(new ReportTable("Scalarization front (fixed weights; mean test metrics over seeds)",
            ["configuration", .. tasks.Select(t => $"test {t}")], front.Front.Select(p => (IReadOnlyList<object?>)[p.Label, .. p.Values.Cast<object?>()]).ToArray()));
        if (scales is null)
        {
            report.Verdicts.Add(new Verdict("MTO points lie on or inside the scalarization front", null,
                "no MTO configuration lies beyond the front by more than one pooled seed standard deviation", "one seed only: no seed spread to set the tolerance"));
        }
        else
        {
            int beyond = placements.Count(p => p.Placement!.Position == FrontPosition.Beyond);
            int on = placements.Count(p => p.Placement!.Position == FrontPosition.On);
            report.Verdicts.Add(new Verdict("MTO points lie on or inside the scalarization front", beyond == 0,
                $"no MTO configuration lies beyond the fixed-weight front by more than {Tolerance:G} pooled seed standard deviation " +
                $"(σ = {string.Join(" / ", scales.Select(s => s.ToString("F4", CultureInfo.InvariantCulture)))})",
                $"{beyond} beyond, {on} on, {placements.Count - beyond - on} inside, of {placements.Count} MTO configurations; " +
                $"largest excursion beyond: {Math.Max(0, -placements.Min(p => p.Placement!.Margin)):F2} σ"));
        }

        AddHypervolumes(report, tasks, space, fixedPoints, mtoPoints, protocol.Methods);
        AddTrainingLossFront(report, tasks, configs, fixedPoints, mtoPoints);

        // Learned weights: the first task's share of the weights, per epoch, for every run of a method that reports weights.
        var weightRows = new List<IReadOnlyList<object?>>();
        var ranges = new List<double>();
        PlotSpec weights = new("pareto-weights", "Learned weight share of the first task over epochs")
        {
            XLabel = "epoch",
            YLabel = $"w({tasks[0]}) / Σw",
            Caption = "Per MTO method, the mean over its runs of the first task's share of the method's epoch-mean weights; flat lines reproduce the paper.",
        };
        foreach (string method in protocol.Methods)
        {
            RunResult[] runs = mtoPoints.Where(c => c.Config.Method == method).SelectMany(c => c.Runs).Where(r => r.Epochs.All(e => e.MethodWeights is { Length: > 1 })).ToArray();
            if (runs.Length == 0) continue;
            double[][] shares = runs.Select(r => r.Epochs.Select(e => e.MethodWeights![0] / e.MethodWeights.Sum()).ToArray()).ToArray();
            double[] perRunRange = shares.Select(s => s.Max() - s.Min()).ToArray();
            ranges.AddRange(perRunRange);
            weightRows.Add([method, runs.Length, perRunRange.Average(), perRunRange.Max(), shares.Average(s => s[0]), shares.Average(s => s[^1])]);
            int epochs = shares.Min(s => s.Length);
            weights.Series.Add(new PlotSeries(method, Enumerable.Range(1, epochs).Select(e => (double)e).ToArray(),
                Enumerable.Range(0, epochs).Select(e => shares.Average(s => s[e])).ToArray(), SeriesStyle.LineWithMarkers));
        }
        report.Tables.Add(new ReportTable("Learned weights over training (first task's share of the weights)",
            ["method", "runs", "mean range over epochs", "largest range", "share at epoch 1", "share at the last epoch"], weightRows));
        report.Verdicts.Add(ranges.Count == 0 || results.Max(r => r.Epochs.Length) < 2
            ? new Verdict("Learned weights barely move", null, $"the first task's weight share ranges over less than {WeightRangeThreshold:G} across epochs in the median run",
                "no MTO run reported weights over two or more epochs")
            : new Verdict("Learned weights barely move", Median(ranges) < WeightRangeThreshold,
                $"the first task's weight share ranges over less than {WeightRangeThreshold:G} across epochs in the median MTO run",
                $"median range {Median(ranges):F3}, largest {ranges.Max():F3} over {ranges.Count} runs"));

        if (tasks.Length == 2)
        {
            PlotSpec plane = ParetoPlot.Plane("pareto-front", "Scalarization front and MTO configurations (test metrics)", tasks,
                "Grey markers: fixed-weight configurations; staircase: their front; coloured markers: MTO configurations over the same grid.");
            plane.Series.Add(ParetoPlot.Points("fixed weights", fixedPoints.Select(c => (IReadOnlyList<double>)c.TestMetric)));
            plane.Series.Add(ParetoPlot.Front("scalarization front", front.Front));
            foreach (string method in protocol.Methods)
                if (mtoPoints.Any(c => c.Config.Method == method))
                    plane.Series.Add(ParetoPlot.Points(method, mtoPoints.Where(c => c.Config.Method == method).Select(c => (IReadOnlyList<double>)c.TestMetric)));
            report.Plots.Add(plane);
        }
        if (weights.Series.Count > 0) report.Plots.Add(weights);
        return report;
    }

    /// <summary>Hypervolume of the test metrics (reference: accuracy 0 on every task) of the front alone and with the MTO configurations.</summary>
    private static void AddHypervolumes(StudyReport report, string[] tasks, ObjectiveSpace space, ConfigSummary[] fixedPoints, ConfigSummary[] mtoPoints,
        IReadOnlyList<string> methods)
    {
        double[] reference = new double[tasks.Length];
        LabelledPoint Point(ConfigSummary c) => new(Label(c.Config), c.TestMetric);
        double front = Hypervolume.Of(fixedPoints.Select(Point).ToArray(), reference, space);
        var rows = new List<IReadOnlyList<object?>> { new object?[] { "fixed weights (the scalarization front)", front, 0.0 } };
        double all = Hypervolume.Of(fixedPoints.Concat(mtoPoints).Select(Point).ToArray(), reference, space);
        rows.Add(new object?[] { "fixed weights + every MTO configuration", all, all - front });
        foreach (string method in methods)
        {
            ConfigSummary[] mine = mtoPoints.Where(c => c.Config.Method == method).ToArray();
            if (mine.Length == 0) continue;
            double alone = Hypervolume.Of(mine.Select(Point).ToArray(), reference, space);
            double added = Hypervolume.Of(fixedPoints.Concat(mine).Select(Point).ToArray(), reference, space) - front;
            rows.Add(new object?[] { $"{method} alone", alone, added });
        }
        report.Tables.Add(new ReportTable($"Hypervolume of mean test metrics (reference point: 0 on every task); the last column is what a set adds to the front's",
            ["configurations", "hypervolume", "added to the front's"], rows));
    }

    /// <summary>
    /// The same comparison in training loss (Xin et al. plot both): each configuration's mean over seeds of the per-task training
    /// loss at its selected epoch, minimised, classified against the fixed-weight front with the loss's own seed spread.
    /// </summary>
    private static void AddTrainingLossFront(StudyReport report, string[] tasks, IReadOnlyList<ConfigSummary> configs, ConfigSummary[] fixedPoints,
        ConfigSummary[] mtoPoints)
    {
        double Loss(RunResult r, int t) => r.Epochs[r.SelectedEpoch - 1].Train.Loss[t];
        double[] MeanLoss(ConfigSummary c) => Enumerable.Range(0, tasks.Length).Select(t => c.Runs.Average(r => Loss(r, t))).ToArray();
        ObjectiveSpace space = ObjectiveSpace.Minimise(tasks);
        ParetoAnalysis front = ParetoAnalysis.Of(fixedPoints.Select(c => new LabelledPoint(Label(c.Config), MeanLoss(c))).ToArray(), space);
        LabelledSummary[] spreads = configs.Where(c => c.Runs.Count >= 2).Select(c => new LabelledSummary(c.Config.ConfigKey,
            Enumerable.Range(0, tasks.Length).Select(t => SeedSummary.Of(c.Runs.Select(r => Loss(r, t)))).ToArray())).ToArray();
        double[]? scales = spreads.Length == 0 ? null : FrontClassifier.PooledStandardDeviation(spreads).Select(v => Math.Max(v, 1e-6)).ToArray();
        const string claim = "In training loss too, MTO points lie on or inside the scalarization front";
        if (scales is null)
        {
            report.Verdicts.Add(new Verdict(claim, null, "needs two or more seeds for the tolerance", "one seed only"));
            return;
        }
        var rows = new List<IReadOnlyList<object?>>();
        var placements = new List<FrontPlacement>();
        foreach (ConfigSummary p in mtoPoints)
        {
            double[] loss = MeanLoss(p);
            FrontPlacement placement = FrontClassifier.Classify(new LabelledPoint(Label(p.Config), loss), front.Front, space, scales, Tolerance);
            placements.Add(placement);
            rows.Add([p.Config.Method, p.Config.LearningRate, p.Config.Dropout, .. loss.Cast<object?>(), placement.Margin, placement.Position.ToString()]);
        }
        report.Tables.Add(new ReportTable($"MTO configurations against the fixed-weight front in training loss (selected epoch; margin in pooled seed standard deviations; tolerance {Tolerance:G})",
            ["method", "learning rate", "dropout", .. tasks.Select(t => $"train loss {t}"), "margin", "position"], rows));
        int beyond = placements.Count(p => p.Position == FrontPosition.Beyond);
        int on = placements.Count(p => p.Position == FrontPosition.On);
        report.Verdicts.Add(new Verdict(claim, beyond == 0,
            $"no MTO configuration's training losses lie beyond the fixed-weight front by more than {Tolerance:G} pooled seed standard deviation " +
            $"(σ = {string.Join(" / ", scales.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))})",
            $"{beyond} beyond, {on} on, {placements.Count - beyond - on} inside, of {placements.Count} MTO configurations; " +
            $"largest excursion beyond: {Math.Max(0, -placements.Min(p => p.Margin)):F2} σ"));
        if (tasks.Length != 2) return;
        PlotSpec plane = ParetoPlot.Plane("pareto-front-training-loss", "Scalarization front and MTO configurations (training loss)", tasks,
            "Training loss (lower is better) at each configuration's selected epoch, mean over seeds; the staircase bounds what the fixed weights reach.", "training loss");
        plane.Series.Add(ParetoPlot.Points("fixed weights", fixedPoints.Select(c => (IReadOnlyList<double>)MeanLoss(c))));
        plane.Series.Add(ParetoPlot.Front("scalarization front", front.Front, higherIsBetter: false));
        foreach (string method in mtoPoints.Select(c => c.Config.Method).Distinct())
            plane.Series.Add(ParetoPlot.Points(method, mtoPoints.Where(c => c.Config.Method == method).Select(c => (IReadOnlyList<double>)MeanLoss(c))));
        report.Plots.Add(plane);
    }

    private static string Label(RunConfig c) => $"{c.MethodName} lr={F(c.LearningRate)} dropout={F(c.Dropout ?? double.NaN)}";

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
