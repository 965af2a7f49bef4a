using System.Net;
using System.Text;

namespace Mtl.Analysis.Reports;

/// <summary>
/// Writes report.html: the same content as report.md in one self-contained file (simple CSS, each plot's PNG embedded
/// as base64, so the file can be mailed or archived alone).
/// </summary>
internal static class HtmlReportWriter
{
    private const string Style = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
        h1 { font-size: 1.6rem; border-bottom: 2px solid #444; padding-bottom: .3rem; }
        h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
        h3 { font-size: 1.05rem; }
        table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .92rem; }
        th, td { border: 1px solid #bbb; padding: .25rem .6rem; text-align: left; vertical-align: top; }
        th { background: #f0f0f0; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .yes { background: #dff3df; } .no { background: #f8dcdc; } .undecided { background: #f3f0d8; }
        code { background: #f4f4f4; padding: 0 .2rem; }
        figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; border: 1px solid #ddd; }
        figcaption { font-style: italic; color: #444; }
        dl.header { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
        dl.header dt { font-weight: bold; } dl.header dd { margin: 0; }
        """;

    /// <summary>The HTML text; <paramref name="pngOf"/> returns a plot's PNG bytes.</summary>
    public static string Write(StudyReport report, Func<PlotSpec, byte[]> pngOf)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\">").AppendLine("<head>").AppendLine("<meta charset=\"utf-8\">");
        html.Append("<title>").Append(Encode(report.Title)).AppendLine("</title>");
        html.Append("<style>").Append(Style).AppendLine("</style>").AppendLine("</head>").AppendLine("<body>");
        html.Append("<h1>").Append(Encode(report.Title)).AppendLine("</h1>");

        html.AppendLine("<dl class=\"header\">");
        foreach ((string label, string value) in ReportHeader.Fields(report))
        {
            string shown = label == ReportHeader.CommandLabel ? $"<code>{Encode(value)}</code>" : Encode(value);
            html.Append("<dt>").Append(Encode(label)).Append("</dt><dd>").Append(shown).AppendLine("</dd>");
        }
        html.AppendLine("</dl>");

        Section(html, "Question", report.Question);
        Section(html, "The paper's finding", report.PaperFinding);
        Section(html, "Protocol", report.Protocol);

        if (report.Verdicts.Count > 0)
        {
            html.AppendLine("<h2>Verdicts</h2>").AppendLine("<table>");
            HeaderRow(html, ReportHeader.VerdictColumns);
            foreach (Verdict v in report.Verdicts)
            {
                string word = ReportCells.VerdictWord(v.Reproduced);
                html.Append("<tr><td>").Append(MarkdownToHtml.Inline(v.Claim))
                    .Append("</td><td class=\"").Append(word).Append("\">").Append(word)
                    .Append("</td><td>").Append(MarkdownToHtml.Inline(v.Criterion))
                    .Append("</td><td>").Append(MarkdownToHtml.Inline(v.Evidence)).AppendLine("</td></tr>");
            }
            html.AppendLine("</table>");
        }

        if (report.Tables.Count > 0)
        {
            html.AppendLine("<h2>Tables</h2>");
            foreach (ReportTable table in report.Tables)
            {
                html.Append("<h3>").Append(Encode(table.Title)).AppendLine("</h3>").AppendLine("<table>");
                HeaderRow(html, table.Columns);
                foreach (IReadOnlyList<object?> row in table.Rows)
                {
                    html.Append("<tr>");
                    foreach (object? cell in row)
                        html.Append(ReportCells.IsNumber(cell) ? "<td class=\"num\">" : "<td>")
                            .Append(Encode(ReportCells.FormatCell(cell, table.Format))).Append("</td>");
                    html.AppendLine("</tr>");
                }
                html.AppendLine("</table>");
            }
        }

        if (report.Plots.Count > 0)
        {
            html.AppendLine("<h2>Plots</h2>");
            foreach (PlotSpec plot in report.Plots)
            {
                string caption = plot.Caption.Length > 0 ? plot.Caption : plot.Title;
                html.Append("<figure id=\"plot-").Append(plot.Name).Append("\"><img alt=\"").Append(Encode(plot.Title))
                    .Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(pngOf(plot))).Append("\">")
                    .Append("<figcaption>").Append(MarkdownToHtml.Inline(caption)).AppendLine("</figcaption></figure>");
            }
        }

        if (report.Notes.Count > 0)
        {
            html.AppendLine("<h2>Notes</h2>");
            foreach (string note in report.Notes) html.Append(MarkdownToHtml.Render(note));
        }
        html.AppendLine("</body>").AppendLine("</html>");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string heading, string markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown)) return;
        html.Append("<h2>").Append(Encode(heading)).AppendLine("</h2>").Append(MarkdownToHtml.Render(markdown));
    }

    private static void HeaderRow(StringBuilder html, IEnumerable<string> columns) =>
        html.Append("<tr>").Append(string.Concat(columns.Select(c => $"<th>{Encode(c)}</th>"))).AppendLine("</tr>");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
