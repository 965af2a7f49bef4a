namespace Mtl.Analysis.Reports;

/// <summary>
/// Everything one study run reports, before it is written: the question, the paper's finding with its numbers, our
/// verdicts, tables, plots and one row per run. <c>ReportWriter</c> turns it into one folder (report.md,
/// report.html, runs.csv, runs.json, plots as PNG and SVG).
/// </summary>
public sealed class StudyReport
{
    /// <summary>Creates an empty report.</summary>
    /// <param name="study">The study's command name ("loss-scale", "conflicts", …); also the default folder name.</param>
    /// <param name="title">A one-line title.</param>
    public StudyReport(string study, string title)
    {
        if (string.IsNullOrWhiteSpace(study)) throw new ArgumentException("A report needs the study's name.", nameof(study));
        if (string.IsNullOrWhiteSpace(title)) throw new ArgumentException("A report needs a title.", nameof(title));
        Study = study;
        Title = title;
    }

    /// <summary>The study's command name.</summary>
    public string Study { get; }

    /// <summary>One-line title.</summary>
    public string Title { get; }

    /// <summary>The question the study answers (Markdown).</summary>
    public string Question { get; set; } = "";

    /// <summary>The paper's finding with its numbers, as in studies.md (Markdown), and the citation.</summary>
    public string PaperFinding { get; set; } = "";

    /// <summary>What was run: dataset, rows, network, optimizer, epochs, seeds (Markdown).</summary>
    public string Protocol { get; set; } = "";

    /// <summary>The preset ("smoke", "quick", "paper").</summary>
    public string Preset { get; set; } = "";

    /// <summary>The expected wall time of the paper preset on this kind of machine (stated in the header).</summary>
    public string PaperPresetExpectedTime { get; set; } = "";

    /// <summary>Wall time of this run.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>The command line that reproduces this report.</summary>
    public string Command { get; set; } = "";

    /// <summary>Whether each of the paper's findings reproduced in direction, by a stated criterion.</summary>
    public List<Verdict> Verdicts { get; } = new();

    /// <summary>Tables, in order.</summary>
    public List<ReportTable> Tables { get; } = new();

    /// <summary>Plots, in order (each becomes plots/{Name}.png and .svg).</summary>
    public List<PlotSpec> Plots { get; } = new();

    /// <summary>One row per run (or per run × epoch): written as runs.csv and runs.json. Values: string, number, bool or null.</summary>
    public List<IReadOnlyDictionary<string, object?>> Runs { get; } = new();

    /// <summary>Free remarks (Markdown paragraphs), e.g. how this protocol departs from the paper's.</summary>
    public List<string> Notes { get; } = new();
}

/// <summary>One finding and whether its direction reproduced.</summary>
/// <param name="Claim">The paper's claim, e.g. "magnitude similarity is lower between tasks than between samples".</param>
/// <param name="Reproduced">True / false by the criterion; null when the run cannot decide (e.g. a smoke preset with too few samples).</param>
/// <param name="Criterion">The stated criterion, e.g. "mean over epochs of inter-task S_mag &lt; inter-sample S_mag and Mann–Whitney p &lt; 0.05".</param>
/// <param name="Evidence">Our numbers, e.g. "0.41 vs 0.63, U = 1234, p = 2e-9".</param>
public sealed record Verdict(string Claim, bool? Reproduced, string Criterion, string Evidence);

/// <summary>A table: column headers and rows of cells (string, number, bool or null; numbers are formatted by <see cref="Format"/>).</summary>
/// <param name="Title">Caption.</param>
/// <param name="Columns">Column headers.</param>
/// <param name="Rows">Rows, each with one cell per column.</param>
/// <param name="Format">.NET numeric format for double cells ("G4" by default).</param>
public sealed record ReportTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<object?>> Rows, string Format = "G4");
