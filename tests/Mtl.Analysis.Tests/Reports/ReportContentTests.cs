using System.Globalization;
using System.Text.Json;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Tests.Reports;

[TestClass]
public sealed class ReportContentTests
{
    private static string _root = "";
    private static ReportFolder _written = null!;

    [ClassInitialize]
    public static void WriteOnce(TestContext _)
    {
        _root = SampleReports.ScratchFolder();
        _written = ReportWriter.Write(SampleReports.WithoutPlots(), Path.Combine(_root, "report"));
    }

    [ClassCleanup]
    public static void Remove() => Directory.Delete(_root, recursive: true);

    [TestMethod]
    public void MarkdownHasHeaderSectionsVerdictsAndTables()
    {
        string md = File.ReadAllText(_written.Markdown);
        StringAssert.StartsWith(md, "# Gradient conflicts <between> tasks\n");
        StringAssert.Contains(md, "- **Preset:** smoke");
        StringAssert.Contains(md, "- **Elapsed:** 1:02:03");
        StringAssert.Contains(md, "- **Command:** ` mtl study conflicts --preset smoke `");
        StringAssert.Contains(md, "- **Paper preset's expected time:** about 6 h on 2 cores");
        StringAssert.Contains(md, "## Question\n\nIs **magnitude**, not direction, what sets MTL apart?");
        StringAssert.Contains(md, "## The paper's finding");
        StringAssert.Contains(md, "| Claim | Reproduced? | Criterion | Our numbers |");
        StringAssert.Contains(md, "| magnitude similarity is lower between tasks | yes | mean S_mag inter-task < inter-sample | 0.41 vs 0.63 |");
        StringAssert.Contains(md, "| direction alike | undecided | \\|Δ mean S_cos\\| < 0.05 | too few samples |");
        // The header cell's pipe is escaped; G4 applies to doubles only, integers print exactly; NaN and null are visible.
        StringAssert.Contains(md, "| epoch | S_cos \\| mean | S_mag |\n| --- | --- | --- |");
        StringAssert.Contains(md, "| 1 | 0.1235 | NaN |");
        StringAssert.Contains(md, "| 12345 | 2.5 |  |");
        StringAssert.Contains(md, "## Notes\n\nSmoke preset: verdicts may be undecided.");
        Assert.IsFalse(md.Contains("## Plots"), "a report without plots has no plot section");
    }

    [TestMethod]
    public void MarkdownLinksEachPlotWithItsCaption()
    {
        string md = MarkdownReportWriterProbe(SampleReports.Full());
        StringAssert.Contains(md, "![Magnitude similarity per epoch](plots/similarity.png)\n\n*Inter-task below inter-sample.* ([SVG](plots/similarity.svg))");
        StringAssert.Contains(md, "![Robustness δ per method and corruption](plots/delta.png)");
    }

    [TestMethod]
    public void HtmlIsEncodedAndRendersTheMarkdownSubset()
    {
        string html = File.ReadAllText(_written.Html);
        StringAssert.StartsWith(html, "<!DOCTYPE html>");
        StringAssert.Contains(html, "<h1>Gradient conflicts &lt;between&gt; tasks</h1>");
        StringAssert.Contains(html, "<p>Is <strong>magnitude</strong>, not direction, what sets MTL apart?</p>");
        StringAssert.Contains(html, "<li>inter-task S_mag lower</li>");
        StringAssert.Contains(html, "<em>magnitude</em>");
        StringAssert.Contains(html, "<code>seed 1</code>");
        StringAssert.Contains(html, "<td class=\"yes\">yes</td>");
        StringAssert.Contains(html, "<td class=\"undecided\">undecided</td>");
        StringAssert.Contains(html, "<td class=\"num\">0.1235</td>");
        StringAssert.Contains(html, "<th>S_cos | mean</th>");
        StringAssert.Contains(html, "<style>");
        Assert.IsFalse(html.Contains("<between>"), "raw text must be HTML-encoded");
    }

    [TestMethod]
    public void CsvHasTheUnionOfKeysInFirstSeenOrderAndQuotesPerRfc4180()
    {
        string csv = File.ReadAllText(_written.RunsCsv);
        string[] records = csv.Split("\r\n");
        Assert.AreEqual("method,lr,loss,ok,epochs", records[0]);
        Assert.AreEqual("EW,0.001,NaN,true,", records[1]);
        // Comma, quote and newline in one field: quoted, inner quotes doubled, newline kept inside the quotes.
        StringAssert.StartsWith(csv.Split("\r\n", 3)[2], "\"say \"\"hi\"\", then\nleave\",1.5,Infinity,,3\r\n");
        Assert.IsTrue(csv.EndsWith("\r\n", StringComparison.Ordinal));
    }

    [TestMethod]
    public void NumbersUseTheInvariantDecimalPointWhateverTheCurrentCulture()
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        comma.NumberFormat.NumberGroupSeparator = ".";
        string root = SampleReports.ScratchFolder();
        try
        {
            CultureInfo.CurrentCulture = comma;
            Assert.AreEqual("0,5", 0.5.ToString(), "the test culture must really use a decimal comma");
            ReportFolder written = ReportWriter.Write(SampleReports.WithoutPlots(), Path.Combine(root, "r"));
            StringAssert.Contains(File.ReadAllText(written.RunsCsv), ",1.5,");
            StringAssert.Contains(File.ReadAllText(written.Markdown), "| 12345 | 2.5 |");
            StringAssert.Contains(File.ReadAllText(written.RunsJson), "1.5");
            Assert.IsFalse(File.ReadAllText(written.RunsJson).Contains("1,5"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void JsonIsAnArrayOfRowsWithNaNAndInfinityAsNull()
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(_written.RunsJson));
        Assert.AreEqual(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.AreEqual(2, json.RootElement.GetArrayLength());
        JsonElement first = json.RootElement[0], second = json.RootElement[1];
        Assert.AreEqual("EW", first.GetProperty("method").GetString());
        Assert.AreEqual(0.001, first.GetProperty("lr").GetDouble());
        Assert.AreEqual(JsonValueKind.Null, first.GetProperty("loss").ValueKind);
        Assert.IsTrue(first.GetProperty("ok").GetBoolean());
        Assert.IsFalse(first.TryGetProperty("epochs", out _), "a row holds only its own keys");
        Assert.AreEqual("say \"hi\", then\nleave", second.GetProperty("method").GetString());
        Assert.AreEqual(3, second.GetProperty("epochs").GetInt32());
        Assert.AreEqual(JsonValueKind.Null, second.GetProperty("loss").ValueKind);
        StringAssert.Contains(File.ReadAllText(_written.RunsJson), "\"say \\\"hi\\\", then\\nleave\"", "quotes stay readable, not \\u0022");
    }

    [TestMethod]
    public void TheSameReportGivesTheSameBytes()
    {
        string root = SampleReports.ScratchFolder();
        try
        {
            ReportFolder again = ReportWriter.Write(SampleReports.WithoutPlots(), Path.Combine(root, "again"));
            foreach ((string a, string b) in new[] { (_written.Markdown, again.Markdown), (_written.Html, again.Html), (_written.RunsCsv, again.RunsCsv), (_written.RunsJson, again.RunsJson) })
                CollectionAssert.AreEqual(File.ReadAllBytes(a), File.ReadAllBytes(b), Path.GetFileName(a));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The Markdown of a report with plots, read back from a written folder.</summary>
    private static string MarkdownReportWriterProbe(StudyReport report)
    {
        string root = SampleReports.ScratchFolder();
        try
        {
            return File.ReadAllText(ReportWriter.Write(report, Path.Combine(root, "r")).Markdown);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
