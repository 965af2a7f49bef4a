using System.Buffers.Binary;
using System.Xml.Linq;
using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Tests.Reports;

[TestClass]
public sealed class ReportPlotTests
{
    private static readonly byte[] PngSignature = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };

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
    public void AMissingPlotterIsAClearErrorAndNothingIsWritten()
    {
        string root = SampleReports.ScratchFolder();
        string? saved = Environment.GetEnvironmentVariable("MTL_PLOTTER");
        string missing = Path.Combine(root, "nowhere", "Mtl.Plots.dll");
        try
        {
            Environment.SetEnvironmentVariable("MTL_PLOTTER", missing);
            var error = Assert.ThrowsExactly<FileNotFoundException>(() => ReportWriter.Write(SampleReports.Full(), Path.Combine(root, "report")));
            StringAssert.Contains(error.Message, "MTL_PLOTTER");
            StringAssert.Contains(error.Message, missing);
            Assert.IsFalse(Directory.Exists(Path.Combine(root, "report")));
            Assert.AreEqual(0, Directory.GetFileSystemEntries(root).Length, "no staging folder is left behind");

            // A report without plots needs no plotter.
            ReportWriter.Write(SampleReports.WithoutPlots(), Path.Combine(root, "report"));
            Assert.IsTrue(File.Exists(Path.Combine(root, "report", "report.md")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("MTL_PLOTTER", saved);
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void AFailingPlotterReportsItsErrorOutput()
    {
        string root = SampleReports.ScratchFolder();
        string? saved = Environment.GetEnvironmentVariable("MTL_PLOTTER");
        string broken = Path.Combine(root, "Mtl.Plots.dll");
        File.WriteAllText(broken, "not an assembly");
        try
        {
            Environment.SetEnvironmentVariable("MTL_PLOTTER", broken);
            var error = Assert.ThrowsExactly<InvalidOperationException>(() => ReportWriter.Write(SampleReports.Full(), Path.Combine(root, "report")));
            StringAssert.Contains(error.Message, "failed with exit code");
            StringAssert.Contains(error.Message, broken);
            Assert.IsTrue(error.Message.Split(Environment.NewLine).Length > 1, "the plotter's stderr follows the first line: " + error.Message);
            Assert.IsFalse(Directory.Exists(Path.Combine(root, "report")));
            CollectionAssert.AreEqual(new[] { broken }, Directory.GetFileSystemEntries(root));
        }
        finally
        {
            Environment.SetEnvironmentVariable("MTL_PLOTTER", saved);
            Directory.Delete(root, recursive: true);
        }
    }
}
