using System.Diagnostics;
using System.Globalization;
using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Sweeps;
using Mtl.Trainers;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study optimizers</c> (Elich et al., studies.md A1): MTL methods × {Adam, SGD+momentum, signSGD, Adam per task}
/// × a learning-rate grid × seeds through the sweep runner (work folder <c>sweep/</c> under the report folder, so an
/// interrupted study resumes). Pareto-optimal runs are counted per optimizer, the best-on-validation configuration of
/// every method × optimizer is compared, and method rankings are compared between optimizers (Kendall τ).
/// </summary>
public sealed class OptimizersStudy : ISweepStudy
{
    /// <inheritdoc />
    public string Name => "optimizers";

    /// <inheritdoc />
    public string Description => "Elich et al.: MTL methods × Adam / SGD / signSGD / per-task Adam × LR grid; Pareto-optimal runs per optimizer, ranking changes.";

    /// <inheritdoc />
    public IReadOnlyList<RunConfig> Plan(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return OptimizersProtocol.For(context).Configs();
    }

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        OptimizersProtocol protocol = OptimizersProtocol.For(context);
        IReadOnlyList<RunConfig> plan = protocol.Configs();
        context.Progress.Info($"optimizers: {plan.Count} runs ({protocol.Methods.Count} methods × {protocol.Optimizers.Count} optimizers × " +
                              $"{protocol.LearningRates.Count} learning rates × {protocol.Seeds.Count} seed(s)), {context.Jobs} job(s)");
        IReadOnlyList<RunResult> results = StudySweep.Run(context, plan);
        return Build(protocol, results).Stamped(context, watch.Elapsed);
    }

    private static bool IsAdamFamily(OptimizerKind o) => o is OptimizerKind.Adam or OptimizerKind.AdamW or OptimizerKind.PerTaskAdam;

    private static string Display(OptimizerKind o) => o switch
    {
        OptimizerKind.Sgd => "SGD+momentum",
        OptimizerKind.SignSgd => "signSGD",
        OptimizerKind.PerTaskAdam => "Adam per task",
        _ => o.ToString(),
    };

    private static StudyReport Build(OptimizersProtocol protocol, IReadOnlyList<RunResult> results)
    {
        var report = new StudyReport("optimizers", "Does the optimizer matter more than the MTL method? (Elich et al., A1)")
        {
            Question = "Do Adam runs dominate SGD runs on the Pareto front of per-task test metrics, is plain equal weighting with Adam " +
                       "Pareto-optimal, and does the ranking of MTL methods change with the optimizer?",
            PaperFinding = "Elich, Kirchdorfer, Köhler, Schott, *Challenging Common Assumptions in Multi-task Learning* (arXiv 2311.04698; GCPR 2024): " +
                           "methods {EW, UW, RLW, PCGrad, CAGrad, IMTL, Aligned-MTL} × {Adam, SGD+momentum} (+ signSGD, + one Adam per task), " +
                           "10 learning rates {0.5, …, 1e-5}, best on validation, 3 seeds. **Adam runs dominate** the Pareto-optimal runs; " +
                           "**EW+Adam is Pareto-optimal in 3 of 4 setups**; the **rankings of methods change with the optimizer**.",
            Protocol = $"{protocol.Base.Dataset}, {Rows(protocol.Base)}; MultiLeNet trunk, {protocol.Base.Epochs} epochs, batch {protocol.Base.BatchSize}" +
                       $"{(protocol.Base.EarlyStoppingPatience > 0 ? $", early stopping after {protocol.Base.EarlyStoppingPatience} epochs" : "")}; " +
                       $"methods {string.Join(", ", protocol.Methods)}; optimizers {string.Join(", ", protocol.Optimizers.Select(Display))} (SGD momentum {protocol.Base.Momentum}); " +
                       $"learning rates {string.Join(", ", protocol.LearningRates.Select(F))}; seeds {string.Join(", ", protocol.Seeds)}. " +
                       "Each run keeps the weights of its best validation epoch and is scored on the test set there.",
            PaperPresetExpectedTime = OptimizersProtocol.PaperExpectedTime,
        };
        RunResult[] finished = results.Where(r => r.IsFinished).ToArray();
        foreach (RunResult r in results) report.Runs.Add(SweepRows.Of(r));
        int notApplicable = results.Count(r => r.Status == RunStatus.NotApplicable), diverged = results.Count(r => r.Status == RunStatus.Diverged);
        if (notApplicable + diverged > 0)
            report.Notes.Add($"{notApplicable} runs were not applicable (per-task Adam needs a method that weights whole task gradients) and {diverged} diverged " +
                             "(non-finite loss, typically at the largest learning rates); they count as no point.");
        if (finished.Length == 0)
        {
            report.Verdicts.Add(new Verdict("Adam runs dominate the Pareto front", null, "no finished runs", "—"));
            return report;
        }
        string[] tasks = finished[0].Tasks;
        ObjectiveSpace space = ObjectiveSpace.Maximise(tasks);

        // 1. Pareto-optimal runs (every finished run, every learning rate and seed) per optimizer.
        ParetoAnalysis allRuns = ParetoAnalysis.Of(finished.Select(r => new LabelledPoint(r.Config.Label, r.TestAtSelected!.Metric)).ToArray(), space);
        bool[] onFront = allRuns.Points.Select(p => p.OnFront).ToArray();
        var perOptimizer = protocol.Optimizers.Select(o => new
        {
            Optimizer = o,
            Finished = finished.Count(r => r.Config.Optimizer == o),
            OnFront = finished.Where((r, i) => onFront[i] && r.Config.Optimizer == o).Count(),
            NotApplicable = results.Count(r => r.Config.Optimizer == o && r.Status == RunStatus.NotApplicable),
            Diverged = results.Count(r => r.Config.Optimizer == o && r.Status == RunStatus.Diverged),
        }).ToArray();
        int frontSize = onFront.Count(b => b);
        int adamOnFront = perOptimizer.Where(p => IsAdamFamily(p.Optimizer)).Sum(p => p.OnFront);
        double adamShare = (double)adamOnFront / frontSize;
        report.Verdicts.Add(new Verdict("Adam runs dominate the Pareto-optimal runs", adamShare > 0.5,
            "more than half of the Pareto-optimal runs (test metrics of every finished run, all learning rates and seeds) use Adam or Adam per task",
            $"{adamOnFront} of {frontSize} Pareto-optimal runs ({adamShare:P0}) use Adam / Adam per task; " +
            string.Join(", ", perOptimizer.Select(p => $"{Display(p.Optimizer)} {p.OnFront}/{p.Finished}"))));
        report.Tables.Add(new ReportTable("Pareto-optimal runs per optimizer (over every finished run)",
            ["optimizer", "finished runs", "Pareto-optimal", "share of the front", "not applicable", "diverged"],
            perOptimizer.Select(p => (IReadOnlyList<object?>)[Display(p.Optimizer), p.Finished, p.OnFront, (double)p.OnFront / frontSize, p.NotApplicable, p.Diverged]).ToArray()));

        // 2. Best on validation per method × optimizer, and whether EW + Adam is among the non-dominated ones.
        IReadOnlyList<ConfigSummary> configs = ConfigSummary.ByConfig(finished);
        var best = (from m in protocol.Methods
                    from o in protocol.Optimizers
                    let b = ConfigSummary.BestOnValidation(configs.Where(c => c.Config.Method == m && c.Config.Optimizer == o))
                    where b is not null
                    select (Method: m, Optimizer: o, Best: b)).ToArray();
        ParetoAnalysis bestFront = ParetoAnalysis.Of(best.Select(b => new LabelledPoint($"{b.Method} + {Display(b.Optimizer)}", b.Best.TestMetric)).ToArray(), space);
        report.Tables.Add(new ReportTable("Best learning rate on validation per method × optimizer (test metrics at the selected epoch, mean over seeds)",
            ["method", "optimizer", "learning rate", "validation average", .. tasks.Select(t => $"test {t}"), "test mean", "Pareto-optimal"],
            best.Select((b, i) => (IReadOnlyList<object?>)[b.Method, Display(b.Optimizer), b.Best.Config.LearningRate, b.Best.ValidationAverage,
                .. b.Best.TestMetric.Cast<object?>(), b.Best.TestMetric.Average(), bestFront.Points[i].OnFront]).ToArray()));
        int ewAdam = Array.FindIndex(best, b => b.Method == "ew" && b.Optimizer == OptimizerKind.Adam);
        report.Verdicts.Add(ewAdam < 0
            ? new Verdict("EW + Adam is Pareto-optimal", null, "EW + Adam's best-on-validation configuration is not dominated by any other method × optimizer's", "EW + Adam was not run or did not finish")
            : new Verdict("EW + Adam is Pareto-optimal", bestFront.Points[ewAdam].OnFront,
                "EW + Adam's best-on-validation configuration (mean test metrics over seeds) is not dominated by any other method × optimizer's",
                $"EW + Adam test {string.Join(" / ", best[ewAdam].Best.TestMetric.Select(v => v.ToString("F4", CultureInfo.InvariantCulture)))}; " +
                $"dominated by {bestFront.Points[ewAdam].DominatedBy} of {best.Length - 1} others"));

        // 3. Method rankings per optimizer (mean test metric of the best configuration), compared pairwise on shared methods.
        var rankings = new List<IReadOnlyList<object?>>();
        var comparisons = new List<IReadOnlyList<object?>>();
        var taus = new List<double>();
        bool anySwap = false;
        OptimizerKind[] ran = protocol.Optimizers.Where(o => best.Count(b => b.Optimizer == o) >= 2).ToArray();
        foreach (OptimizerKind o in ran)
            rankings.Add([Display(o), string.Join(" > ", best.Where(b => b.Optimizer == o).OrderByDescending(b => b.Best.TestMetric.Average()).Select(b => b.Method))]);
        for (int i = 0; i < ran.Length; i++)
            for (int j = i + 1; j < ran.Length; j++)
            {
                string[] shared = protocol.Methods.Where(m => best.Any(b => b.Method == m && b.Optimizer == ran[i]) && best.Any(b => b.Method == m && b.Optimizer == ran[j])).ToArray();
                if (shared.Length < 2) continue;
                RankingComparison c = RankingComparison.Of(Rank(best, ran[i], shared, space), Rank(best, ran[j], shared, space));
                anySwap |= c.Flips;
                if (double.IsFinite(c.KendallTau)) taus.Add(c.KendallTau);
                comparisons.Add([Display(ran[i]), Display(ran[j]), shared.Length, c.KendallTau, c.Swaps.Count, c.BestChanged,
                    string.Join("; ", c.Swaps.Take(4).Select(s => $"{s.AheadInFirst} ahead of {s.AheadInSecond} with {Display(ran[i])}, behind with {Display(ran[j])}"))]);
            }
        report.Tables.Add(new ReportTable("Method ranking per optimizer (mean test metric of the best-on-validation configuration)", ["optimizer", "ranking"], rankings));
        report.Tables.Add(new ReportTable("Rankings compared between optimizers (Kendall τ-b over the methods both ran)",
            ["optimizer A", "optimizer B", "methods", "Kendall τ", "swapped pairs", "best method changes", "examples"], comparisons));
        report.Verdicts.Add(comparisons.Count == 0
            ? new Verdict("Method rankings change with the optimizer", null, "some pair of optimizers orders two methods differently (Kendall τ < 1)", "fewer than two methods ran under two optimizers")
            : new Verdict("Method rankings change with the optimizer", anySwap,
                "some pair of optimizers orders two methods differently (Kendall τ-b < 1 over the methods both ran)",
                $"{comparisons.Count(c => (int)c[4]! > 0)} of {comparisons.Count} optimizer pairs swap methods; Kendall τ " +
                (taus.Count > 0 ? $"from {taus.Min():F2} to {taus.Max():F2}" : "undefined (ties)")));

        // Plots: every run in the test plane by optimizer with the all-runs front; the best configurations by optimizer.
        if (tasks.Length == 2)
        {
            PlotSpec cloud = ParetoPlot.Plane("optimizers-runs", "Every finished run by optimizer, with the Pareto front", tasks,
                "Each marker is one run (learning rate × seed); the staircase is the front of all runs. Adam-dominated fronts reproduce the paper.");
            foreach (OptimizerKind o in protocol.Optimizers)
                if (finished.Any(r => r.Config.Optimizer == o))
                    cloud.Series.Add(ParetoPlot.Points(Display(o), finished.Where(r => r.Config.Optimizer == o).Select(r => (IReadOnlyList<double>)r.TestAtSelected!.Metric)));
            cloud.Series.Add(ParetoPlot.Front("Pareto front", allRuns.Front));
            report.Plots.Add(cloud);
            PlotSpec bests = ParetoPlot.Plane("optimizers-best", "Best-on-validation configuration per method, by optimizer", tasks,
                "One marker per method × optimizer (its best learning rate on validation, mean over seeds); the staircase is their front.");
            foreach (OptimizerKind o in protocol.Optimizers)
                if (best.Any(b => b.Optimizer == o))
                    bests.Series.Add(ParetoPlot.Points(Display(o), best.Where(b => b.Optimizer == o).Select(b => (IReadOnlyList<double>)b.Best.TestMetric)));
            bests.Series.Add(ParetoPlot.Front("front of the best configurations", bestFront.Front));
            report.Plots.Add(bests);
        }
        return report;
    }

    private static MethodRanking Rank((string Method, OptimizerKind Optimizer, ConfigSummary Best)[] best, OptimizerKind optimizer, string[] methods, ObjectiveSpace space) =>
        RankingAnalysis.Of(methods.Select(m => new LabelledPoint(m, best.First(b => b.Method == m && b.Optimizer == optimizer).Best.TestMetric)).ToArray(),
            space, [RankingAggregation.MeanOfMetrics])[RankingAggregation.MeanOfMetrics];

    private static string Rows(RunConfig c) =>
        $"{(c.TrainRows > 0 ? c.TrainRows.ToString(CultureInfo.InvariantCulture) : "all")} training / " +
        $"{(c.ValidationRows > 0 ? c.ValidationRows.ToString(CultureInfo.InvariantCulture) : "all")} validation / " +
        $"{(c.TestRows > 0 ? c.TestRows.ToString(CultureInfo.InvariantCulture) : "all")} test rows";

    private static string F(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
