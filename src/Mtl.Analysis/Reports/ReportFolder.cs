namespace Mtl.Analysis.Reports;

/// <summary>The files <see cref="ReportWriter.Write"/> wrote (absolute paths).</summary>
/// <param name="Folder">The report folder.</param>
/// <param name="Markdown">report.md.</param>
/// <param name="Html">report.html (self-contained: plots embedded).</param>
/// <param name="RunsCsv">runs.csv.</param>
/// <param name="RunsJson">runs.json.</param>
/// <param name="PngPlots">plots/{name}.png, in the report's plot order.</param>
/// <param name="SvgPlots">plots/{name}.svg, in the same order.</param>
public sealed record ReportFolder(
    string Folder, string Markdown, string Html, string RunsCsv, string RunsJson,
    IReadOnlyList<string> PngPlots, IReadOnlyList<string> SvgPlots);
