using Mtl.Analysis.Reports;

namespace Mtl.Analysis.Tests.Reports;

[TestClass]
public sealed class ReportFolderReplacementTests
{
    [TestMethod]
    public void RewritingAReportReplacesItsOwnFilesAndKeepsTheStudysFiles()
    {
        string root = SampleReports.ScratchFolder();
        string folder = Path.Combine(root, "sweep");
        try
        {
            ReportWriter.Write(SampleReports.Full(), folder);
            // What a study keeps in its folder, and a plot the new report no longer has.
            File.WriteAllText(Path.Combine(folder, "results.jsonl"), "{\"run\":1}\n");
            Directory.CreateDirectory(Path.Combine(folder, "checkpoints"));
            File.WriteAllText(Path.Combine(folder, "checkpoints", "run-1.bin"), "weights");
            File.WriteAllText(Path.Combine(folder, "plots", "stale.png"), "old");

            StudyReport second = SampleReports.Full();
            second.Notes.Add("Second pass.");
            second.Plots.RemoveAll(p => p.Name == "lr-sweep");
            ReportFolder written = ReportWriter.Write(second, folder);

            Assert.AreEqual("{\"run\":1}\n", File.ReadAllText(Path.Combine(folder, "results.jsonl")));
            Assert.AreEqual("weights", File.ReadAllText(Path.Combine(folder, "checkpoints", "run-1.bin")));
            StringAssert.Contains(File.ReadAllText(written.Markdown), "Second pass.");
            CollectionAssert.AreEquivalent(new[] { "delta.png", "delta.svg", "similarity.png", "similarity.svg" },
                Directory.GetFiles(Path.Combine(folder, "plots")).Select(Path.GetFileName).ToArray(), "plots/ is the report's own: replaced whole");
            CollectionAssert.AreEquivalent(new[] { "checkpoints", "plots", "report.html", "report.md", "results.jsonl", "runs.csv", "runs.json" },
                Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).ToArray(), "no staging or old-plots folder is left");
            CollectionAssert.AreEqual(new[] { "sweep" }, Directory.GetFileSystemEntries(root).Select(Path.GetFileName).ToArray());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void AFailedRewriteLeavesTheOldReportUntouched()
    {
        string root = SampleReports.ScratchFolder();
        string folder = Path.Combine(root, "report");
        try
        {
            ReportWriter.Write(SampleReports.WithoutPlots(), folder);
            string before = File.ReadAllText(Path.Combine(folder, "report.md"));
            ReportWriter.PlotFaultForTests = _ => throw new IOException("disk full (injected)");
            StudyReport second = SampleReports.Full();
            second.Notes.Add("Never published.");
            Assert.ThrowsExactly<InvalidOperationException>(() => ReportWriter.Write(second, folder));
            Assert.AreEqual(before, File.ReadAllText(Path.Combine(folder, "report.md")));
            CollectionAssert.AreEqual(new[] { "report" }, Directory.GetFileSystemEntries(root).Select(Path.GetFileName).ToArray());
        }
        finally
        {
            ReportWriter.PlotFaultForTests = null;
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void AFileWhereTheFolderShouldBeIsRejected()
    {
        string root = SampleReports.ScratchFolder();
        try
        {
            string file = Path.Combine(root, "taken");
            File.WriteAllText(file, "x");
            var error = Assert.ThrowsExactly<ArgumentException>(() => ReportWriter.Write(SampleReports.WithoutPlots(), file));
            StringAssert.Contains(error.Message, "is an existing file");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
