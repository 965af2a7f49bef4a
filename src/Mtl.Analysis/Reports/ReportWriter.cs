namespace Mtl.Analysis.Reports;

/// <summary>
/// Writes a <see cref="StudyReport"/> into one folder: report.md, report.html (self-contained), runs.csv, runs.json and
/// plots/{name}.png + .svg per plot (drawn in this process with ScottPlot).
/// </summary>
/// <remarks>
/// <para>The report is validated first; a bad plot, table or run row throws <see cref="ArgumentException"/> and nothing is
/// written. Everything is then written into a hidden staging folder beside the target (same file system, so the moves
/// below are renames) and only published once it is complete; the staging folder is removed whatever happens.</para>
/// <para>Publishing: a new folder is one directory rename. An existing folder keeps every file that is not the report's
/// own (a sweep's results.jsonl, checkpoints/, …): plots/ is swapped as a whole (renamed aside, the new one renamed in,
/// the old one deleted), then runs.csv, runs.json, report.html and last report.md are each replaced by an atomic rename
/// over the old file. A reader therefore never sees a half-written file; report.md, the entry point, is replaced
/// last, after the plots it links to.</para>
/// </remarks>
public static class ReportWriter
{
    /// <summary>Width of the PNG and SVG plots in pixels.</summary>
    public const int PlotWidth = 800;

    /// <summary>Height of the PNG and SVG plots in pixels.</summary>
    public const int PlotHeight = 500;

    /// <summary>The report's markdown file.</summary>
    public const string MarkdownFile = "report.md";

    /// <summary>The report's HTML file.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>The run rows as CSV.</summary>
    public const string CsvFile = "runs.csv";

    /// <summary>The run rows as JSON.</summary>
    public const string JsonFile = "runs.json";

    /// <summary>The plots' folder (owned by the report: replaced as a whole).</summary>
    public const string PlotsFolder = "plots";

    /// <summary>Validates <paramref name="report"/>, writes it into <paramref name="folder"/> (created if needed) and returns the paths written.</summary>
    /// <exception cref="ArgumentException">The report has a bad plot, table, verdict or run row (all problems listed), or the folder is unusable.</exception>
    /// <exception cref="InvalidOperationException">A plot could not be drawn (its name and the cause are in the message).</exception>
    public static ReportFolder Write(StudyReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ReportValidator.Validate(report);

        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string parent = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"The report folder '{folder}' is a file-system root; choose a folder below it.", nameof(folder));
        if (File.Exists(target))
            throw new ArgumentException($"The report folder '{target}' is an existing file; choose a folder path.", nameof(folder));
        if (File.Exists(Path.Combine(target, PlotsFolder)))
            throw new ArgumentException($"'{Path.Combine(target, PlotsFolder)}' is a file, but a report keeps its plots in that folder; move the file away.", nameof(folder));

        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.writing-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            WriteAll(report, staging);
            Publish(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }

        string plots = Path.Combine(target, PlotsFolder);
        return new ReportFolder(
            target,
            Path.Combine(target, MarkdownFile),
            Path.Combine(target, HtmlFile),
            Path.Combine(target, CsvFile),
            Path.Combine(target, JsonFile),
            report.Plots.Select(p => Path.Combine(plots, p.Name + ".png")).ToArray(),
            report.Plots.Select(p => Path.Combine(plots, p.Name + ".svg")).ToArray());
    }

    /// <summary>Fault injection for the tests of the all-or-nothing publish (a plot that fails half-way through a report).</summary>
    internal static Action<PlotSpec>? PlotFaultForTests;

    private static void WriteAll(StudyReport report, string staging)
    {
        string plots = Path.Combine(staging, PlotsFolder);
        Directory.CreateDirectory(plots);
        foreach (PlotSpec plot in report.Plots)
        {
            try
            {
                PlotFaultForTests?.Invoke(plot);
                PlotDrawer.Draw(plot, Path.Combine(plots, plot.Name), PlotWidth, PlotHeight);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Plot '{plot.Name}' could not be drawn: {e.Message}", e);
            }
        }
        File.WriteAllText(Path.Combine(staging, CsvFile), RunTableWriter.ToCsv(report.Runs));
        File.WriteAllText(Path.Combine(staging, JsonFile), RunTableWriter.ToJson(report.Runs));
        File.WriteAllText(Path.Combine(staging, HtmlFile),
            HtmlReportWriter.Write(report, plot => File.ReadAllBytes(Path.Combine(plots, plot.Name + ".png"))));
        File.WriteAllText(Path.Combine(staging, MarkdownFile), MarkdownReportWriter.Write(report));
    }

    private static void Publish(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }

        string newPlots = Path.Combine(staging, PlotsFolder), livePlots = Path.Combine(target, PlotsFolder);
        string? oldPlots = null;
        if (Directory.Exists(livePlots))
        {
            oldPlots = Path.Combine(target, $".{PlotsFolder}.old-{Guid.NewGuid():N}");
            Directory.Move(livePlots, oldPlots);
        }
        try
        {
            Directory.Move(newPlots, livePlots);
        }
        catch
        {
            if (oldPlots is not null) Directory.Move(oldPlots, livePlots);
            throw;
        }
        if (oldPlots is not null) Directory.Delete(oldPlots, recursive: true);

        foreach (string file in new[] { CsvFile, JsonFile, HtmlFile, MarkdownFile })
            File.Move(Path.Combine(staging, file), Path.Combine(target, file), overwrite: true);
    }
}
