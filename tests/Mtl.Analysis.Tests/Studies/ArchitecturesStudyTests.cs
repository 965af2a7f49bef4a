using System.Globalization;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Tests.Studies;

[TestClass]
public sealed class ArchitecturesStudyTests
{
    [TestMethod]
    public void TheSmokePresetTrainsEveryArchitectureOnImagesAndATableAndComparesThemWithSharedBottom()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mtl-architectures-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        string table = Path.Combine(folder, "three-tasks.csv");
        WriteTable(table, rows: 80);
        IStudy study = StudyCatalog.Find("architectures");
        Assert.IsInstanceOfType<ITableStudy>(study);
        var context = new StudyContext(StudyPreset.Smoke, Path.Combine(folder, "report"))
        {
            Table = table,
            TableLabels = ["kind", "size", "flag"],
        };
        StudyReport report = study.Run(context);

        // 7 architectures × 2 seeds on images, then the same on the table.
        int archs = ArchitecturesStudy.Architectures.Count;
        Assert.AreEqual(2 * archs * 2, report.Runs.Count);
        Assert.IsTrue(report.Runs.All(r => (string)r["status"]! == nameof(RunStatus.Finished)), string.Join("\n", report.Notes));
        CollectionAssert.AreEquivalent(ArchitecturesStudy.Architectures.ToArray(),
            report.Runs.Where(r => r.ContainsKey("test_size")).Select(r => (string)r["architecture"]!).Distinct().ToArray());
        Assert.AreEqual(2 * archs, report.Runs.Count(r => r.ContainsKey("test_Left")), "image rows name their architecture too");
        Assert.IsTrue(report.Runs.All(r => r["architecture"] is string), "every row names its architecture");
        Assert.AreEqual(2, report.Tables.Count);
        foreach (ReportTable t in report.Tables)
        {
            Assert.AreEqual(archs, t.Rows.Count, t.Title);
            Assert.AreEqual("shared-bottom", t.Rows[0][0]);
            int delta = t.Columns.ToList().IndexOf("Δm % vs shared-bottom");
            Assert.AreEqual("0 (reference)", t.Rows[0][delta]);
            // Every other architecture has a Δm with a CI from its 2 seeds ("mean ± half-width").
            Assert.IsTrue(t.Rows.Skip(1).All(r => ((string)r[delta]!).Contains(" ± ") && !((string)r[delta]!).Contains('—')), t.Title);
        }
        // Six paper orderings per dataset, each decided only by a paired Δm interval.
        Assert.AreEqual(12, report.Verdicts.Count);
        Assert.IsTrue(report.Verdicts.Any(v => v.Claim.Contains("mtan beats cross-stitch")) && report.Verdicts.All(v => v.Evidence.Contains("points over 2 seeds")),
            string.Join("\n", report.Verdicts));
        ReportTable tableSummary = report.Tables[1];
        CollectionAssert.AreEqual(new[] { "kind (accuracy)", "size (RMSE)", "flag (accuracy)" }, tableSummary.Columns.Skip(1).Take(3).ToArray());
        Assert.IsTrue(File.Exists(Path.Combine(folder, "report", "sweep", SweepRunner.ResultsFileName)));

        // The image runs resume from the sweep folder: a second plan is the same runs (same ids).
        CollectionAssert.AreEqual(study is ISweepStudy s ? s.Plan(context).Select(c => c.Id).ToArray() : null,
            ((ISweepStudy)study).Plan(new StudyContext(StudyPreset.Smoke, "elsewhere")).Select(c => c.Id).ToArray());
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    public void ATableWithoutLabelsAndMethodOverridesAreRefused()
    {
        IStudy study = StudyCatalog.Find("architectures");
        var noLabels = new StudyContext(StudyPreset.Smoke, "unused") { Table = "data.csv" };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => study.Run(noLabels)).Message, "label");
        var methods = new StudyContext(StudyPreset.Smoke, "unused") { Methods = ["pcgrad"] };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ((ISweepStudy)study).Plan(methods)).Message, "--method");
    }

    [TestMethod]
    public void TheQuickPresetIsTenEpochsOfEveryArchitectureOverThreeSeeds()
    {
        IReadOnlyList<RunConfig> plan = ((ISweepStudy)StudyCatalog.Find("architectures")).Plan(new StudyContext(StudyPreset.Quick, "unused"));
        Assert.AreEqual(7 * 3, plan.Count);
        Assert.IsTrue(plan.All(c => c.Epochs == 10 && c.Dataset == "multi-fashion" && c.Method == "ew"));
        CollectionAssert.AreEqual(ArchitecturesStudy.Architectures.ToArray(), plan.Select(c => c.Architecture).Distinct().ToArray());
        // The committed grid (docs/studies/architectures/grid-quick.json) expands to exactly these runs.
        string grid = Path.Combine(RepositoryRoot(), "docs", "studies", "architectures", "grid-quick.json");
        CollectionAssert.AreEqual(plan.Select(c => c.Id).ToArray(), SweepGrid.Load(grid).Select(c => c.Id).ToArray());
    }

    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "MtlMlNet.sln")))
            dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Could not find the repository root above the test binaries.");
    }

    // Two numeric features; a 3-class label, a regression target and a binary label all driven by them (plus noise).
    private static void WriteTable(string path, int rows)
    {
        var random = new Random(7);
        var lines = new List<string> { "a,b,kind,size,flag" };
        for (int i = 0; i < rows; i++)
        {
            double a = random.NextDouble() * 4 - 2, b = random.NextDouble() * 4 - 2;
            string kind = a + b < -1 ? "low" : a + b > 1 ? "high" : "mid";
            double size = 10 + 3 * a - 2 * b + random.NextDouble();
            string flag = a - b > 0 ? "yes" : "no";
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{a:F3},{b:F3},{kind},{size:F3},{flag}"));
        }
        File.WriteAllLines(path, lines);
    }
}
