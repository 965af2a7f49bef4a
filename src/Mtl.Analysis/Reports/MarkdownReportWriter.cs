using System.Text;

namespace Mtl.Analysis.Reports;

/// <summary>Writes report.md: header, question, finding, protocol, verdicts, tables, plots (linked PNGs) and notes.</summary>
internal static class MarkdownReportWriter
{
    /// <summary>The Markdown text of <paramref name="report"/>; plots are linked as plots/{name}.png.</summary>
    public static string Write(StudyReport report)
    {
        var md = new StringBuilder();
        md.Append("# ").AppendLine(SingleLine(report.Title)).AppendLine();
        foreach ((string label, string value) in ReportHeader.Fields(report))
            md.Append("- **").Append(label).Append(":** ").AppendLine(label == ReportHeader.CommandLabel ? Code(value) : value);
        md.AppendLine();

        Section(md, "Question", report.Question);
        Section(md, "The paper's finding", report.PaperFinding);
        Section(md, "Protocol", report.Protocol);

        if (report.Verdicts.Count > 0)
        {
            md.AppendLine("## Verdicts").AppendLine();
            Table(md, ReportHeader.VerdictColumns, report.Verdicts.Select(v => new[]
            {
                v.Claim, ReportCells.VerdictWord(v.Reproduced), v.Criterion, v.Evidence,
            }));
        }

        if (report.Tables.Count > 0)
        {
            md.AppendLine("## Tables").AppendLine();
            foreach (ReportTable table in report.Tables)
            {
                md.Append("### ").AppendLine(SingleLine(table.Title)).AppendLine();
                Table(md, table.Columns, table.Rows.Select(row => row.Select(cell => ReportCells.FormatCell(cell, table.Format))));
            }
        }

        if (report.Plots.Count > 0)
        {
            md.AppendLine("## Plots").AppendLine();
            foreach (PlotSpec plot in report.Plots)
            {
                string alt = SingleLine(plot.Title.Length > 0 ? plot.Title : plot.Name).Replace("]", "\\]");
                md.Append("![").Append(alt).Append("](plots/").Append(plot.Name).AppendLine(".png)").AppendLine();
                string caption = plot.Caption.Length > 0 ? plot.Caption : plot.Title;
                md.Append('*').Append(SingleLine(caption)).Append("* ([SVG](plots/").Append(plot.Name).AppendLine(".svg))").AppendLine();
            }
        }

        if (report.Notes.Count > 0)
        {
            md.AppendLine("## Notes").AppendLine();
            foreach (string note in report.Notes) md.AppendLine(note.Trim()).AppendLine();
        }
        return md.ToString();
    }

    private static void Section(StringBuilder md, string heading, string body)
    {
        if (string.IsNullOrWhiteSpace(body)) return;
        md.Append("## ").AppendLine(heading).AppendLine().AppendLine(body.Trim()).AppendLine();
    }

    private static void Table(StringBuilder md, IEnumerable<string> columns, IEnumerable<IEnumerable<string>> rows)
    {
        List<string> header = columns.Select(Cell).ToList();
        md.Append("| ").Append(string.Join(" | ", header)).AppendLine(" |");
        md.Append('|').Append(string.Concat(header.Select(_ => " --- |"))).AppendLine();
        foreach (IEnumerable<string> row in rows)
            md.Append("| ").Append(string.Join(" | ", row.Select(Cell))).AppendLine(" |");
        md.AppendLine();
    }

    /// <summary>A table cell must stay on one line and must not end the cell early.</summary>
    private static string Cell(string text) =>
        text.Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r\n", "<br>").Replace("\n", "<br>").Replace("\r", "<br>");

    private static string SingleLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string Code(string text)
    {
        string line = SingleLine(text);
        // A fence longer than any backtick run inside, so the command prints verbatim.
        int longest = 0, run = 0;
        foreach (char c in line) { run = c == '`' ? run + 1 : 0; longest = Math.Max(longest, run); }
        string fence = new('`', longest + 1);
        return line.Length == 0 ? "" : $"{fence} {line} {fence}";
    }
}
