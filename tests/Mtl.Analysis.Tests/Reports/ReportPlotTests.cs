using System.Buffers.Binary;
using System.Xml.Linq;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Tests.Reports;

[TestClass]
public sealed class ReportPlotTests
{
    private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

    [TestMethod]
    public void ToSvgDrawsWhatTheReportWriterWritesToItsSvgFile()
    {
        string root = SampleReports.ScratchFolder();
        try
        {
            var spec = new PlotSpec("curves", "Trial 3: validation loss per task") { XLabel = "epoch", YLabel = "validation loss" };
            spec.Series.Add(new PlotSeries("species", [1, 2, 3], [1.0, 0.6, 0.5], SeriesStyle.LineWithMarkers));
            spec.Series.Add(new PlotSeries("body_mass_g", [1, 2, 3], [0.9, 0.7, double.NaN], SeriesStyle.LineWithMarkers));
            string svg = spec.ToSvg(720, 360);

            XDocument document = XDocument.Parse(svg);
            Assert.AreEqual("svg", document.Root!.Name.LocalName);
            Assert.AreEqual("720", document.Root.Attribute("width")!.Value);
            StringAssert.Contains(svg, "body_mass_g");
            PlotDrawer.Draw(spec, Path.Combine(root, "curves"), 720, 360);
            // The same drawing; only ScottPlot's clip-path ids count on across plots.
            static string WithoutClipIds(string text) => System.Text.RegularExpressions.Regex.Replace(text, "cl_[0-9a-f]+", "cl_");
            Assert.IsTrue(WithoutClipIds(File.ReadAllText(Path.Combine(root, "curves.svg"))) == WithoutClipIds(svg), "ToSvg differs from the written .svg");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => spec.ToSvg(0, 360));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void EveryPlotBecomesARealPngAndSvgAndTheHtmlEmbedsThePng()
    {
        string root = SampleReports.ScratchFolder();
        try
        {
            StudyReport report = SampleReports.Full();
            // Named x ticks, long enough together to take the slanted-label path.
            var methods = new PlotSpec("methods", "Accuracy per method") { XLabel = "method", YLabel = "accuracy" };
            string[] names = { "Equal weighting", "Uncertainty weighting", "RLW-Dirichlet", "GradNorm-Alpha" };
            methods.Series.Add(new PlotSeries("mean", new[] { 0.0, 1, 2, 3 }, new[] { 0.91, 0.93, 0.92, 0.9 }, SeriesStyle.Scatter));
            for (int i = 0; i < names.Length; i++) methods.XTickLabels.Add((i, names[i]));
            report.Plots.Add(methods);
            ReportFolder written = ReportWriter.Write(report, Path.Combine(root, "report"));

            CollectionAssert.AreEqual(
                report.Plots.Select(p => Path.Combine(written.Folder, "plots", p.Name + ".png")).ToArray(), written.PngPlots.ToArray());
            string html = File.ReadAllText(written.Html);
            foreach (string png in written.PngPlots)
            {
                byte[] bytes = File.ReadAllBytes(png);
                CollectionAssert.AreEqual(PngSignature, bytes[..8], png);
                Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4), png);
                Assert.AreEqual(ReportWriter.PlotWidth, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)), png);
                Assert.AreEqual(ReportWriter.PlotHeight, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)), png);
                Assert.IsTrue(bytes.Length > 5_000, $"{png} is only {bytes.Length} bytes: nothing was drawn");
                StringAssert.Contains(html, "data:image/png;base64," + Convert.ToBase64String(bytes), "the HTML embeds each PNG as written");
            }
            foreach (string svg in written.SvgPlots)
            {
                XDocument document = XDocument.Load(svg);
                Assert.AreEqual("svg", document.Root!.Name.LocalName, svg);
            }
            // The heatmap's cell labels and the log axis' decade labels are drawn as SVG text.
            string heatmap = File.ReadAllText(Path.Combine(written.Folder, "plots", "delta.svg"));
            StringAssert.Contains(heatmap, "-0.311");
            StringAssert.Contains(heatmap, "gaussian_noise");
            string log = File.ReadAllText(Path.Combine(written.Folder, "plots", "lr-sweep.svg"));
            StringAssert.Contains(log, "0.001");
            StringAssert.Contains(log, "1e-5");
            string named = File.ReadAllText(Path.Combine(written.Folder, "plots", "methods.svg"));
            foreach (string name in names) StringAssert.Contains(named, name, "each named x tick is drawn");
            Assert.IsFalse(Directory.EnumerateFiles(Path.Combine(written.Folder, "plots")).Any(f => f.EndsWith(".json", StringComparison.Ordinal)),
                "the plotter's spec file is not left in the report");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void APlotThatFailsIsAClearErrorAndNothingIsWritten()
    {
        string root = SampleReports.ScratchFolder();
        try
        {
            StudyReport report = SampleReports.Full();
            string second = report.Plots[1].Name;
            ReportWriter.PlotFaultForTests = plot =>
            {
                if (plot.Name == second) throw new IOException("disk full (injected)");
            };
            var error = Assert.ThrowsExactly<InvalidOperationException>(() => ReportWriter.Write(report, Path.Combine(root, "report")));
            StringAssert.Contains(error.Message, $"Plot '{second}'");
            StringAssert.Contains(error.Message, "disk full (injected)");
            Assert.IsInstanceOfType<IOException>(error.InnerException);
            Assert.IsFalse(Directory.Exists(Path.Combine(root, "report")));
            Assert.AreEqual(0, Directory.GetFileSystemEntries(root).Length, "no staging folder is left behind");
        }
        finally
        {
            ReportWriter.PlotFaultForTests = null;
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void PlotsAreDrawnInThisProcess()
    {
        // ScottPlot (SkiaSharp 3) and ImageAnalytics 6 share one SkiaSharp: both load into the test process side by side.
        string root = SampleReports.ScratchFolder();
        try
        {
            using var image = Microsoft.ML.Data.MLImage.CreateFromStream(new MemoryStream(SkiaImageBytes()));
            Assert.AreEqual(3, image.Width);
            ReportFolder written = ReportWriter.Write(SampleReports.Full(), Path.Combine(root, "report"));
            Assert.IsTrue(written.PngPlots.All(File.Exists));
            string skia = typeof(SkiaSharp.SKBitmap).Assembly.GetName().Version!.ToString();
            StringAssert.StartsWith(skia, "3.", "one SkiaSharp 3 for plots and images");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A 3×2 PNG encoded by SkiaSharp itself.</summary>
    private static byte[] SkiaImageBytes()
    {
        using var bitmap = new SkiaSharp.SKBitmap(3, 2);
        bitmap.Erase(SkiaSharp.SKColors.Teal);
        using SkiaSharp.SKData data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
