using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Tests.Reports;

/// <summary>Reports with every kind of content, and a scratch folder per test.</summary>
internal static class SampleReports
{
    public static StudyReport Full()
    {
        var report = new StudyReport("conflicts", "Gradient conflicts <between> tasks")
        {
            Question = "Is **magnitude**, not direction, what sets MTL apart?",
            PaperFinding = "Elich et al.: direction distributions are alike; *magnitude* similarity is lower between tasks.\n\n- inter-task S_mag lower\n- inter-sample S_cos alike",
            Protocol = "Multi-Fashion, 2 epochs, `seed 1`.",
            Preset = "smoke",
            PaperPresetExpectedTime = "about 6 h on 2 cores",
            Elapsed = TimeSpan.FromSeconds(3723),
            Command = "mtl study conflicts --preset smoke",
        };
        report.Verdicts.Add(new Verdict("magnitude similarity is lower between tasks", true, "mean S_mag inter-task < inter-sample", "0.41 vs 0.63"));
        report.Verdicts.Add(new Verdict("direction alike", null, "|Δ mean S_cos| < 0.05", "too few samples"));
        report.Tables.Add(new ReportTable("Per-epoch summary", new[] { "epoch", "S_cos | mean", "S_mag" },
            new List<IReadOnlyList<object?>>
            {
                new object?[] { 1, 0.123456, double.NaN },
                new object?[] { 12345, 2.5, null },
            }));

        var lines = new PlotSpec("similarity", "Magnitude similarity per epoch") { XLabel = "epoch", YLabel = "S_mag", Caption = "Inter-task below inter-sample." };
        lines.Series.Add(new PlotSeries("inter-task", new[] { 1.0, 2, 3, 4 }, new[] { 0.4, 0.42, double.NaN, 0.45 }, SeriesStyle.LineWithMarkers,
            new[] { 0.35, 0.37, 0.38, 0.4 }, new[] { 0.45, 0.47, 0.5, 0.5 }));
        lines.Series.Add(new PlotSeries("inter-sample", new[] { 1.0, 2, 3, 4 }, new[] { 0.6, 0.62, 0.63, 0.65 }));
        lines.HorizontalLines.Add((0.5, "chance"));
        report.Plots.Add(lines);

        var log = new PlotSpec("lr-sweep", "Validation loss over the LR grid") { XLabel = "learning rate", YLabel = "validation loss", LogX = true, LogY = true };
        log.Series.Add(new PlotSeries("Adam", new[] { 1e-5, 1e-4, 1e-3, 1e-2, 0.1 }, new[] { 2.0, 1.1, 0.3, 0.2, 0.9 }, SeriesStyle.LineWithMarkers));
        log.Series.Add(new PlotSeries("SGD", new[] { 1e-5, 1e-4, 1e-3, 1e-2, 0.1 }, new[] { 2.3, 2.2, 1.5, 0.5, 0.35 }, SeriesStyle.Scatter));
        report.Plots.Add(log);

        var heat = new PlotSpec("delta", "Robustness δ per method and corruption")
        {
            XLabel = "corruption",
            YLabel = "method",
            Heatmap = new HeatmapData(new[] { "EW", "UW" }, new[] { "gaussian_noise", "blur", "fog" },
                new double[,] { { -0.311, 0.05, 0.2 }, { 0.174, double.NaN, -0.1 } }, "δ (negative: MTL more robust)"),
        };
        report.Plots.Add(heat);

        report.Runs.Add(new Dictionary<string, object?> { ["method"] = "EW", ["lr"] = 0.001, ["loss"] = double.NaN, ["ok"] = true });
        report.Runs.Add(new Dictionary<string, object?> { ["method"] = "say \"hi\", then\nleave", ["lr"] = 1.5, ["epochs"] = 3, ["loss"] = double.PositiveInfinity });
        report.Notes.Add("Smoke preset: verdicts may be undecided.");
        return report;
    }

    /// <summary>A report without plots (needs no plotter).</summary>
    public static StudyReport WithoutPlots()
    {
        var report = Full();
        report.Plots.Clear();
        return report;
    }

    public static string ScratchFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "mtl-report-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
