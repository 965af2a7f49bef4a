using System.Globalization;
using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Studies;

/// <summary>Turns the transfer study's measurements into its report: δ table and verdicts, accuracy tables, heatmaps, runs.</summary>
internal sealed class TransferReportBuilder
{
    /// <summary>δ that Elich et al. quote for one setup (studies.md A4).</summary>
    private static readonly Dictionary<string, double> PaperDelta = new(StringComparer.OrdinalIgnoreCase) { ["ew"] = -0.311, ["uw"] = 0.174 };

    private readonly TransferResults results;
    private readonly StudyContext context;
    private readonly TransferModel[] mtlModels;

    public TransferReportBuilder(TransferResults results, StudyContext context)
    {
        this.results = results;
        this.context = context;
        mtlModels = results.Models.Where(m => m.IsMultiTask).ToArray();
    }

    private static string F(double v, string format = "F4") => v.ToString(format, CultureInfo.InvariantCulture);

    public StudyReport Build()
    {
        TransferProtocol p = results.Protocol;
        var report = new StudyReport("transfer", "Corruption transfer of frozen STL and MTL features (Elich et al., appendix A6)")
        {
            Question = "Do features learned by multi-task training transfer better to corrupted images than single-task features? " +
                       "With the trunk frozen and only the heads fine-tuned on corrupted data, does an MTL model keep more of its clean accuracy " +
                       "under common corruptions than the STL model of the same task?",
            PaperFinding = "Elich, Kirchdorfer, Köhler, Schott, *Challenging Common Assumptions in Multi-Task Learning* (arXiv 2311.04698, appendix A6): " +
                           "15 corruptions × 5 severities; best clean STL and MTL models, trunk frozen, heads fine-tuned on corrupted training data " +
                           "(random corruption and severity per sample), tested on every corruption × severity; " +
                           "δ_t = mean_{c,s} (−1)^{p(t)} [M^MTL_{t,c,s}/M^MTL_{t,clean} − M^STL_{t,c,s}/M^STL_{t,clean}], δ < 0: MTL more robust. " +
                           "Finding: the sign is not consistent (e.g. EW −0.311, UW +0.174 on one setup) — no conclusive evidence that MTL features transfer better.",
            Protocol = $"{results.Dataset}, MultiLeNet trunk + one head (50→50→classes) per task, Adam, cross-entropy. Models: " +
                       string.Join(", ", results.Models.Select(m => m.Name)) + $". {p.Describe()}. " +
                       "Per seed: clean training at each learning rate, the best by validation accuracy (STL: its task; MTL: mean over tasks) kept; " +
                       "trunk frozen (eval mode), heads fine-tuned with the same method at the selected learning rate on corrupted training images; " +
                       "accuracy (ML.NET micro accuracy) on the clean test rows and on the same rows under every corruption × severity.",
            Preset = context.Preset.ToString().ToLowerInvariant(),
            PaperPresetExpectedTime = "about 20 hours on 2 cores (120 clean runs of up to 100 epochs on 50,000 rows at ≈ 6 s/epoch, early stopping after 10; " +
                                      "12 fine-tunings of 20 epochs; 76 test sets × 10,000 rows × 12 models ≈ 10 min)",
            Command = context.Command,
        };
        AddVerdicts(report);
        report.Tables.Add(DeltaTable());
        report.Tables.Add(AccuracyTable());
        report.Tables.Add(PerCorruptionTable());
        report.Tables.Add(SelectionTable());
        foreach (TransferModel mtl in mtlModels)
            foreach (string task in results.Tasks)
                report.Plots.Add(Heatmap(mtl, task));
        report.Plots.Add(DeltaPlot());
        AddRuns(report);
        AddNotes(report);
        return report;
    }

    private SeedSummary Delta(TransferModel mtl, string task) => SeedSummary.Of(results.Deltas(mtl, task));

    private void AddVerdicts(StudyReport report)
    {
        var all = mtlModels.SelectMany(m => results.Tasks.Select(t => (Model: m, Task: t, Summary: Delta(m, t)))).ToArray();
        bool signsDiffer = all.Any(d => d.Summary.Mean < 0) && all.Any(d => d.Summary.Mean > 0);
        bool anyCiHasZero = all.Any(d => d.Summary.Contains(0));
        bool ciKnown = all.All(d => !double.IsNaN(d.Summary.HalfWidth));
        bool? reproduced = signsDiffer || anyCiHasZero ? true : ciKnown ? false : null;
        report.Verdicts.Add(new Verdict(
            "The sign of δ is not consistent across methods/setups (EW −0.311, UW +0.174): MTL features are not reliably more robust",
            reproduced,
            "reproduced when the mean δ over seeds has different signs for different (method, task) pairs, or when at least one pair's 95% CI over seeds " +
            "(Student t) contains 0; not reproduced when every pair's CI excludes 0 with one common sign; undecided with one seed and one common sign",
            string.Join("; ", all.Select(d => $"{d.Model.Name} {d.Task}: δ = {d.Summary.ToString("F4")}"))));
        foreach (TransferModel mtl in mtlModels)
        {
            if (!PaperDelta.TryGetValue(mtl.Method, out double paper)) continue;
            SeedSummary[] perTask = results.Tasks.Select(t => Delta(mtl, t)).ToArray();
            // A sign inside the seed spread decides nothing: a CI that contains 0 leaves the pair undecided.
            bool Settled(SeedSummary s) => !double.IsNaN(s.HalfWidth) && !s.Contains(0);
            bool Agrees(SeedSummary s) => Math.Sign(s.Mean) == Math.Sign(paper);
            bool? reproducedHere = perTask.Any(s => Settled(s) && !Agrees(s)) ? false
                : perTask.All(s => Settled(s) && Agrees(s)) ? true : null;
            string direction = paper < 0 ? "more robust than STL (δ < 0)" : "less robust than STL (δ > 0)";
            report.Verdicts.Add(new Verdict(
                $"{mtl.Name}: MTL is {direction}, as in the paper's setup (δ = {F(paper, "F3")})",
                reproducedHere,
                $"yes when on every task the 95% CI of δ over seeds excludes 0 with the paper's sign ({(paper < 0 ? "negative" : "positive")}); " +
                "no when some task's CI excludes 0 with the other sign; undecided otherwise (a CI that contains 0, or one seed)",
                string.Join("; ", results.Tasks.Select((t, i) => $"{t}: {perTask[i].ToString("F4")}" +
                    (perTask[i].Contains(0) ? " (CI contains 0)" : "")))));
        }
    }

    private ReportTable DeltaTable()
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (TransferModel mtl in mtlModels)
            foreach (string task in results.Tasks)
            {
                double[] perSeed = results.Deltas(mtl, task);
                SeedSummary s = SeedSummary.Of(perSeed);
                rows.Add(new object?[]
                {
                    mtl.Name, task, s.Mean, s.StandardDeviation, s.Low, s.High, string.Join(" ", perSeed.Select(v => F(v))),
                    s.Mean < 0 ? "yes" : "no", double.IsNaN(s.HalfWidth) ? "—" : s.Contains(0) ? "no" : "yes",
                    PaperDelta.TryGetValue(mtl.Method, out double paper) ? paper : null,
                });
            }
        return new ReportTable("δ per method and task (negative: MTL keeps more of its clean accuracy than STL); mean, sample std and 95% CI over seeds",
            ["method", "task", "δ mean", "δ std", "CI low", "CI high", "δ per seed", "MTL more robust (δ < 0)", "CI excludes 0", "paper δ (one setup)"], rows);
    }

    private ReportTable AccuracyTable()
    {
        var rows = new List<IReadOnlyList<object?>>();
        foreach (TransferModel model in results.Models)
            foreach (string task in model.Tasks)
            {
                double Mean(Func<int, double> perSeed) => results.Seeds.Select(perSeed).Average();
                rows.Add(new object?[]
                {
                    model.Name, task,
                    Mean(s => results.BeforeFineTuning[(s, model.Name, task)]),
                    Mean(s => results.Clean[(s, model.Name, task)]),
                    Mean(s => results.Corrupted[(s, model.Name, task)].Values.Average()),
                    Mean(s => { TransferScores sc = results.Scores(s, model, task); return sc.Corrupted.Keys.Average(sc.Relative); }),
                });
            }
        return new ReportTable("Test accuracy per model and task (mean over seeds)",
            ["model", "task", "clean, before fine-tuning", "clean, fine-tuned (M_clean)", "corrupted, mean over conditions", "relative M_c,s / M_clean, mean"], rows);
    }

    private ReportTable PerCorruptionTable()
    {
        var columns = new List<string> { "corruption" };
        var pairs = results.Models.SelectMany(m => m.Tasks.Select(t => (Model: m, Task: t))).OrderBy(p => p.Task, StringComparer.Ordinal).ToArray();
        columns.AddRange(pairs.Select(p => $"{p.Model.Name} · {p.Task}"));
        var rows = new List<IReadOnlyList<object?>>();
        foreach (string corruption in results.Protocol.Corruptions)
        {
            var row = new List<object?> { corruption };
            foreach (var (model, task) in pairs)
                row.Add(results.Seeds.Average(s =>
                    results.Protocol.Severities.Average(sev => results.Scores(s, model, task).Relative(new TransferCondition(corruption, sev)))));
            rows.Add(row);
        }
        return new ReportTable("Relative accuracy M_c,s / M_clean per corruption (mean over severities and seeds)", columns, rows);
    }

    private ReportTable SelectionTable() =>
        new("Clean training over the learning-rate grid (validation accuracy of the kept epoch)",
            ["seed", "model", "learning rate", "validation accuracy", "kept epoch", "seconds", "chosen"],
            results.Selections.Select(r => (IReadOnlyList<object?>)new object?[]
                { r.Seed, r.Model.Name, r.LearningRate, OrNull(r.ValidationMetric), r.SelectedEpoch, OrNull(r.Seconds), r.Chosen }).ToArray());

    /// <summary>A diverged run has no metric: null (an empty cell) rather than NaN.</summary>
    private static double? OrNull(double value) => double.IsFinite(value) ? value : null;

    private PlotSpec Heatmap(TransferModel mtl, string task)
    {
        TransferProtocol p = results.Protocol;
        TransferModel stl = results.SingleTask(task);
        var values = new double[p.Corruptions.Count, p.Severities.Count];
        for (int c = 0; c < p.Corruptions.Count; c++)
            for (int s = 0; s < p.Severities.Count; s++)
            {
                var condition = new TransferCondition(p.Corruptions[c], p.Severities[s]);
                values[c, s] = results.Seeds.Average(seed => TransferDelta.Difference(results.Scores(seed, mtl, task), results.Scores(seed, stl, task), condition));
            }
        string name = $"relative-{mtl.Method}-{task}".ToLowerInvariant();
        name = new string(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-' ? ch : '_').ToArray());
        return new PlotSpec(name, $"{mtl.Name} − {stl.Name}: relative accuracy M_c,s / M_clean")
        {
            XLabel = "severity",
            YLabel = "corruption",
            Heatmap = new HeatmapData(p.Corruptions.ToArray(), p.Severities.Select(s => s.ToString(CultureInfo.InvariantCulture)).ToArray(), values,
                "MTL − STL relative accuracy (> 0: MTL keeps more)"),
            Caption = $"Task {task}, mean over seeds: positive cells are conditions where the {mtl.Name} model keeps more of its clean accuracy than the STL model; " +
                      "δ is minus the mean over all cells.",
        };
    }

    private PlotSpec DeltaPlot()
    {
        var pairs = mtlModels.SelectMany(m => results.Tasks.Select(t => (Model: m, Task: t))).ToArray();
        var plot = new PlotSpec("delta", "δ per method and task (mean, 95% CI and seeds)")
        {
            XLabel = "method · task",
            YLabel = "δ (< 0: MTL more robust)",
            Caption = "Each position is one (method, task); the big marker is the mean over seeds, the vertical line its 95% CI, small markers single seeds. " +
                      "The paper's finding is that the sign is not consistent.",
        };
        plot.HorizontalLines.Add((0, "δ = 0"));
        for (int i = 0; i < pairs.Length; i++) plot.XTickLabels.Add((i, $"{pairs[i].Model.Name} · {pairs[i].Task}"));
        SeedSummary[] summaries = pairs.Select(p => Delta(p.Model, p.Task)).ToArray();
        double[] x = Enumerable.Range(0, pairs.Length).Select(i => (double)i).ToArray();
        plot.Series.Add(new PlotSeries("mean δ", x, summaries.Select(s => s.Mean).ToArray(), SeriesStyle.Scatter));
        var seedX = new List<double>();
        var seedY = new List<double>();
        for (int i = 0; i < pairs.Length; i++)
            foreach (double d in results.Deltas(pairs[i].Model, pairs[i].Task)) { seedX.Add(i); seedY.Add(d); }
        plot.Series.Add(new PlotSeries("single seeds", seedX.ToArray(), seedY.ToArray(), SeriesStyle.Scatter));
        for (int i = 0; i < pairs.Length; i++)
            if (!double.IsNaN(summaries[i].HalfWidth))
                plot.Series.Add(new PlotSeries($"95% CI {pairs[i].Model.Name} · {pairs[i].Task}", [i, i], [summaries[i].Low, summaries[i].High]));
        return plot;
    }

    private void AddRuns(StudyReport report)
    {
        foreach (TransferSelectionRun r in results.Selections)
            report.Runs.Add(new Dictionary<string, object?>
            {
                ["stage"] = "clean", ["seed"] = r.Seed, ["model"] = r.Model.Name, ["method"] = r.Model.Method, ["learning_rate"] = r.LearningRate,
                ["validation_accuracy"] = OrNull(r.ValidationMetric), ["kept_epoch"] = r.SelectedEpoch, ["seconds"] = OrNull(r.Seconds), ["chosen"] = r.Chosen,
                ["diverged"] = double.IsNaN(r.ValidationMetric),
            });
        foreach (TransferFineTuneRun r in results.FineTunes)
            report.Runs.Add(new Dictionary<string, object?>
            {
                ["stage"] = "fine-tune", ["seed"] = r.Seed, ["model"] = r.Model.Name, ["method"] = r.Model.Method, ["learning_rate"] = r.LearningRate,
                ["first_epoch_loss"] = r.FirstEpochLoss, ["last_epoch_loss"] = r.LastEpochLoss, ["seconds"] = r.Seconds,
            });
        foreach (int seed in results.Seeds)
            foreach (TransferModel model in results.Models)
                foreach (string task in model.Tasks)
                {
                    var key = (seed, model.Name, task);
                    report.Runs.Add(Evaluation(seed, model, task, "clean", null, results.Clean[key]));
                    foreach ((TransferCondition c, double accuracy) in results.Corrupted[key])
                        report.Runs.Add(Evaluation(seed, model, task, c.Corruption, c.Severity, accuracy));
                }
    }

    private Dictionary<string, object?> Evaluation(int seed, TransferModel model, string task, string corruption, int? severity, double accuracy) => new()
    {
        ["stage"] = "test", ["seed"] = seed, ["model"] = model.Name, ["method"] = model.Method, ["task"] = task,
        ["corruption"] = corruption, ["severity"] = severity, ["accuracy"] = accuracy,
        ["relative"] = accuracy / results.Clean[(seed, model.Name, task)],
    };

    private void AddNotes(StudyReport report)
    {
        TransferProtocol p = results.Protocol;
        report.Notes.Add("**Corrupted fine-tuning data: the trainer's `Augmentation` option**, not a corruption step in front of the trainer. " +
                         "The trainer reads its training data into memory once, so a pipeline step would fix one corruption per image for all epochs; " +
                         "the augmentation draws a corruption and a severity per image afresh every epoch from (seed, epoch, row) — the per-sample random " +
                         "corruption of the protocol — uniformly over the " + $"{p.Corruptions.Count} × {p.Severities.Count} pairs. " +
                         "The **test sets** are made by the ML.NET corruption step (`mlContext.Corruptions.Corrupt`), one per condition, cached and scored by every model.");
        report.Notes.Add("**Pixel space.** The dataset's images are normalised as (x − μ)/σ; corruptions are defined on [0, 1] pixels, so both the augmentation " +
                         "(`AugmentationPixelScale` = σ, `AugmentationPixelOffset` = μ) and the test steps (`PixelScale` = σ, `PixelOffset` = μ) map the features to " +
                         "x = v·σ + μ, corrupt, clamp to [0, 1] and normalise back.");
        report.Notes.Add("**Sign.** Accuracy is higher-is-better, so (−1)^{p(t)} = −1 (p(t) = 1) here: only then does δ < 0 mean that MTL keeps more of its " +
                         "clean accuracy, the paper's reading (the same sign rule as Δm). M_clean is the fine-tuned model's clean test accuracy, so " +
                         "M_c,s / M_clean measures the loss caused by the corruption alone.");
        report.Notes.Add("Fine-tuning runs a fixed number of epochs without validation (the last weights are kept), with the method's own state (e.g. UW's " +
                         "log-variances) started afresh; the trunk is in evaluation mode, so its dropout is off. All models of all seeds see the same " +
                         "training, validation and test rows; seeds change initialisation, data order, dropout and corruption draws.");
        report.Notes.Add("The verdicts compare directions (signs, and whether the CI over seeds contains 0), not magnitudes: the paper's δ values come " +
                         "from its own setup, network and training budget, and this preset's are not expected to match them in size.");
        if (context.Preset == StudyPreset.Smoke)
            report.Notes.Add($"Smoke preset: only {p.Corruptions.Count} corruptions ({string.Join(", ", p.Corruptions)}) × severities " +
                             $"{string.Join(", ", p.Severities)}, {p.TrainRows} training rows and one epoch — a wiring check, not a result.");
        if (context.Jobs > 1)
            report.Notes.Add($"--jobs {context.Jobs} is not used: the runs train one after another in this process and libtorch's threads use the cores.");
    }
}
