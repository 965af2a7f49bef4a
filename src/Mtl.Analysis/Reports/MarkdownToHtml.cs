using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Mtl.Analysis.Reports;

/// <summary>
/// Renders the small Markdown subset the studies write in their prose fields (paragraphs, "-"/"*" and "1." lists,
/// `code`, **bold**, *italic*, [links](url)) as HTML. Text is HTML-encoded first, so no markup in a report can inject
/// tags.
/// </summary>
internal static partial class MarkdownToHtml
{
    /// <summary>Block-level rendering: blank lines separate paragraphs; list items become &lt;ul&gt;/&lt;ol&gt;.</summary>
    public static string Render(string markdown)
    {
        var html = new StringBuilder();
        var paragraph = new List<string>();
        string? openList = null;

        void FlushParagraph()
        {
            if (paragraph.Count == 0) return;
            html.Append("<p>").Append(Inline(string.Join(" ", paragraph))).AppendLine("</p>");
            paragraph.Clear();
        }
        void CloseList()
        {
            if (openList is null) return;
            html.Append("</").Append(openList).AppendLine(">");
            openList = null;
        }

        foreach (string raw in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = raw.Trim();
            Match item = ListItem().Match(line);
            if (line.Length == 0)
            {
                FlushParagraph();
                CloseList();
            }
            else if (item.Success)
            {
                FlushParagraph();
                string kind = char.IsDigit(item.Groups["marker"].Value[0]) ? "ol" : "ul";
                if (openList != kind)
                {
                    CloseList();
                    html.Append('<').Append(kind).AppendLine(">");
                    openList = kind;
                }
                html.Append("<li>").Append(Inline(item.Groups["text"].Value)).AppendLine("</li>");
            }
            else if (openList is not null && raw.StartsWith("  ", StringComparison.Ordinal))
            {
                // An indented continuation of the last list item: reopen it.
                int end = html.ToString().LastIndexOf("</li>", StringComparison.Ordinal);
                html.Insert(end, " " + Inline(line));
            }
            else
            {
                CloseList();
                paragraph.Add(line);
            }
        }
        FlushParagraph();
        CloseList();
        return html.ToString();
    }

    /// <summary>Inline rendering of one line of text.</summary>
    public static string Inline(string text)
    {
        // Code spans first, so that * and [ inside them stay literal.
        var parts = CodeSpan().Split(text);
        var html = new StringBuilder();
        for (int i = 0; i < parts.Length; i++)
        {
            string encoded = WebUtility.HtmlEncode(parts[i]);
            if (i % 2 == 1) { html.Append("<code>").Append(encoded).Append("</code>"); continue; }
            encoded = Bold().Replace(encoded, "<strong>$1</strong>");
            encoded = Italic().Replace(encoded, "<em>$1</em>");
            encoded = Link().Replace(encoded, m => SafeUrl(m.Groups[2].Value)
                ? $"<a href=\"{m.Groups[2].Value}\">{m.Groups[1].Value}</a>"
                : m.Value);
            html.Append(encoded);
        }
        return html.ToString();
    }

    private static bool SafeUrl(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || !url.Contains(':', StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<marker>[-*]|\d+\.)\s+(?<text>.*)$")]
    private static partial Regex ListItem();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();

    [GeneratedRegex(@"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")]
    private static partial Regex Italic();

    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
