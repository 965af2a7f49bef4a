using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Tests.Reports;

[TestClass]
public sealed class ReportValidationTests
{
    /// <summary>Writes a broken report and expects an ArgumentException naming <paramref name="expected"/>, with nothing on disk.</summary>
    private static void AssertRejected(Action<StudyReport> breakIt, params string[] expected)
    {
        StudyReport report = SampleReports.Full();
        breakIt(report);
        string root = SampleReports.ScratchFolder();
        try
        {
            var error = Assert.ThrowsExactly<ArgumentException>(() => ReportWriter.Write(report, Path.Combine(root, "report")));
            foreach (string part in expected) StringAssert.Contains(error.Message, part);
            StringAssert.Contains(error.Message, "nothing was written");
            Assert.AreEqual(0, Directory.GetFileSystemEntries(root).Length, "nothing may be written for an invalid report");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static PlotSpec Plot(StudyReport report, string name) => report.Plots.Single(p => p.Name == name);

    [TestMethod]
    public void SeriesLengthsMustAgree() => AssertRejected(
        r => Plot(r, "similarity").Series.Add(new PlotSeries("short", new[] { 1.0, 2, 3 }, new[] { 1.0, 2 })),
        "Plot 'similarity'", "series 'short'", "3 X values but 2 Y values");

    [TestMethod]
    public void BandsNeedBothEdgesOfFullLength()
    {
        AssertRejected(r => Plot(r, "similarity").Series.Add(new PlotSeries("half", new[] { 1.0, 2 }, new[] { 1.0, 2 }, Low: new[] { 0.5, 1.5 })),
            "series 'half'", "needs both Low and High");
        AssertRejected(r => Plot(r, "similarity").Series.Add(new PlotSeries("cut", new[] { 1.0, 2 }, new[] { 1.0, 2 }, Low: new[] { 0.5 }, High: new[] { 1.5, 2.5 })),
            "series 'cut'", "band edge Low has 1 values but X has 2");
        AssertRejected(r => Plot(r, "similarity").Series.Add(new PlotSeries("swapped", new[] { 1.0, 2 }, new[] { 1.0, 2 }, Low: new[] { 2.0, 3 }, High: new[] { 0.0, 1 })),
            "series 'swapped'", "Low[0] = 2 is above High[0] = 0");
    }

    [TestMethod]
    public void NamedXTicksNeedALinearAxisAndFinitePositions()
    {
        AssertRejected(r => Plot(r, "lr-sweep").XTickLabels.Add((1, "one")), "Plot 'lr-sweep'", "named x ticks cannot go on a logarithmic x axis");
        AssertRejected(r => Plot(r, "similarity").XTickLabels.Add((double.NaN, "nowhere")), "Plot 'similarity'", "x tick 'nowhere'", "must be finite");
        AssertRejected(r => Plot(r, "delta").XTickLabels.Add((0, "gaussian_noise")), "Plot 'delta'", "a heatmap names its columns in HeatmapData.ColumnLabels");
    }

    [TestMethod]
    public void LogAxesNeedPositiveValues()
    {
        AssertRejected(r => Plot(r, "lr-sweep").Series.Add(new PlotSeries("zero", new[] { 0.0, 1 }, new[] { 1.0, 2 })),
            "Plot 'lr-sweep'", "X[0] = 0", "x axis is logarithmic");
        AssertRejected(r => Plot(r, "lr-sweep").HorizontalLines.Add((-1, "floor")), "reference line 'floor'", "y axis is logarithmic");
    }

    [TestMethod]
    public void InfinitiesCannotBeDrawn() => AssertRejected(
        r => Plot(r, "similarity").Series.Add(new PlotSeries("inf", new[] { 1.0, 2 }, new[] { 1.0, double.PositiveInfinity })),
        "series 'inf'", "Y[1] is Infinity", "use NaN for a gap");

    [TestMethod]
    public void HeatmapsNeedMatchingLabelsAndASensibleSize()
    {
        AssertRejected(r => Plot(r, "delta").Heatmap = new HeatmapData(new[] { "a" }, new[] { "x", "y" }, new double[2, 2], "v"),
            "Plot 'delta'", "2 rows but 1 row labels");
        AssertRejected(r => Plot(r, "delta").Heatmap = new HeatmapData(Array.Empty<string>(), Array.Empty<string>(), new double[0, 0], "v"),
            "the heatmap is empty (0×0)");
        AssertRejected(r => Plot(r, "delta").Heatmap = new HeatmapData(
                Enumerable.Range(0, 300).Select(i => i.ToString()).ToArray(), new[] { "x" }, new double[300, 1], "v"),
            "300×1", "at most 256");
        AssertRejected(r => Plot(r, "delta").Heatmap!.Values[0, 1] = double.NegativeInfinity, "heatmap cell [0, 1]");
        AssertRejected(r => Plot(r, "delta").LogX = true, "a heatmap cannot have a log axis");
    }

    [TestMethod]
    public void PlotsNeedContentAndDistinctNames()
    {
        AssertRejected(r => r.Plots.Add(new PlotSpec("empty", "nothing")), "Plot 'empty'", "neither series nor a heatmap");
        AssertRejected(r => r.Plots.Add(new PlotSpec("Similarity", "twin") { Series = { new PlotSeries("a", new[] { 1.0 }, new[] { 1.0 }) } }),
            "Plot 'Similarity'", "same name");
    }

    [TestMethod]
    public void TableRowsMustBeAsWideAsTheColumns()
    {
        AssertRejected(r => r.Tables.Add(new ReportTable("Ragged", new[] { "a", "b" }, new List<IReadOnlyList<object?>> { new object?[] { 1 } })),
            "Table 'Ragged' (#1)", "row 0 has 1 cells but the table has 2 columns");
        AssertRejected(r => r.Tables.Add(new ReportTable("Odd cell", new[] { "a" }, new List<IReadOnlyList<object?>> { new object?[] { new object() } })),
            "Table 'Odd cell'", "cells are string, number, bool or null");
        AssertRejected(r => r.Tables.Add(new ReportTable("Bad format", new[] { "a" }, new List<IReadOnlyList<object?>>(), Format: "D2")),
            "Table 'Bad format'", "not a numeric format for floating-point cells");
    }

    [TestMethod]
    public void RunValuesMustBePrintable() => AssertRejected(
        r => r.Runs.Add(new Dictionary<string, object?> { ["when"] = DateTime.UnixEpoch }),
        "Run row 2, key 'when'", "DateTime");

    [TestMethod]
    public void AllProblemsAreListedAtOnce() => AssertRejected(r =>
    {
        Plot(r, "similarity").Series.Add(new PlotSeries("short", new[] { 1.0, 2 }, new[] { 1.0 }));
        r.Tables.Add(new ReportTable("Ragged", new[] { "a", "b" }, new List<IReadOnlyList<object?>> { new object?[] { 1 } }));
    }, "2 problems", "series 'short'", "Table 'Ragged'");
}
