namespace Mtl.Analysis.Reports;

/// <summary>What the Markdown and HTML reports share: the header fields and the verdict table's columns.</summary>
internal static class ReportHeader
{
    /// <summary>The label of the command field (printed as code).</summary>
    public const string CommandLabel = "Command";

    /// <summary>Columns of the verdict table.</summary>
    public static IReadOnlyList<string> VerdictColumns { get; } = new[] { "Claim", "Reproduced?", "Criterion", "Our numbers" };

    /// <summary>The header's (label, value) pairs; empty values are left out.</summary>
    public static IEnumerable<(string Label, string Value)> Fields(StudyReport report)
    {
        yield return ("Study", report.Study);
        if (report.Preset.Length > 0) yield return ("Preset", report.Preset);
        yield return ("Elapsed", ReportCells.FormatElapsed(report.Elapsed));
        if (report.Command.Length > 0) yield return (CommandLabel, report.Command);
        if (report.PaperPresetExpectedTime.Length > 0) yield return ("Paper preset's expected time", report.PaperPresetExpectedTime);
    }
}
