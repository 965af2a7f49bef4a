using System.Text;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Tests.Sweeps;

[TestClass]
public sealed class ResultsFileTests
{
    [ClassCleanup]
    public static void DeleteFolders() => SweepTestSupport.DeleteAll();

    [TestMethod]
    public void LinesRoundTripAndATornLastLineIsIgnoredThenCutByTheNextWriter()
    {
        string path = Path.Combine(SweepTestSupport.NewFolder("torn"), "results.jsonl");
        RunConfig a = SweepTestSupport.Tiny, b = SweepTestSupport.Tiny with { Seed = 2 };
        ResultsFile.Append(path, SweepTestSupport.FakeResult(a, 0, 0.7));
        // A writer killed mid-write leaves part of a line without its newline.
        string partial = ResultsFile.Serialize(SweepTestSupport.FakeResult(b, 1, 0.8))[..40];
        File.AppendAllText(path, partial);

        ResultsReadout readout = ResultsFile.Read(path);
        Assert.AreEqual(1, readout.Results.Count);
        Assert.AreEqual(a.Id, readout.Results[0].Id);
        Assert.AreEqual(0.7, readout.Results[0].TestAtSelected!.Metric[0]);
        Assert.AreEqual(partial, readout.TornTail);
        StringAssert.Contains(readout.Warning, "incomplete last line");

        ResultsFile.Append(path, SweepTestSupport.FakeResult(b, 1, 0.8));
        readout = ResultsFile.Read(path);
        Assert.IsNull(readout.TornTail);
        CollectionAssert.AreEqual(new[] { a.Id, b.Id }, readout.Results.Select(r => r.Id).ToArray());
        Assert.AreEqual(2, File.ReadAllText(path).Count(c => c == '\n'));
    }

    [TestMethod]
    public void ADamagedCompleteLineIsAnErrorNamingTheLine()
    {
        string path = Path.Combine(SweepTestSupport.NewFolder("damaged"), "results.jsonl");
        ResultsFile.Append(path, SweepTestSupport.FakeResult(SweepTestSupport.Tiny, 0, 0.7));
        File.AppendAllText(path, "{\"format\":\"oops\"\n");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ResultsFile.Read(path));
        StringAssert.Contains(e.Message, "line 2");
    }

    [TestMethod]
    public void ConcurrentWritersNeverInterleaveLines()
    {
        string path = Path.Combine(SweepTestSupport.NewFolder("concurrent"), "results.jsonl");
        var configs = Enumerable.Range(0, 40).Select(i => SweepTestSupport.Tiny with { Seed = i + 1 }).ToArray();
        Parallel.For(0, configs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            i => ResultsFile.Append(path, SweepTestSupport.FakeResult(configs[i], i, 0.5)));
        ResultsReadout readout = ResultsFile.Read(path);
        Assert.IsNull(readout.TornTail);
        CollectionAssert.AreEquivalent(configs.Select(c => c.Id).ToArray(), readout.Results.Select(r => r.Id).ToArray());
    }

    [TestMethod]
    public void MergeKeepsIdenticalDuplicatesOnceInGridOrderAndRejectsConflicts()
    {
        string folder = SweepTestSupport.NewFolder("merge");
        RunConfig a = SweepTestSupport.Tiny, b = SweepTestSupport.Tiny with { Seed = 2 }, c = SweepTestSupport.Tiny with { Seed = 3 };
        string first = Path.Combine(folder, "1.jsonl"), second = Path.Combine(folder, "2.jsonl"), third = Path.Combine(folder, "3.jsonl");
        ResultsFile.Append(first, SweepTestSupport.FakeResult(c, 2, 0.3));
        ResultsFile.Append(first, SweepTestSupport.FakeResult(a, 0, 0.1));
        // The same outcome measured in another process: only the wall clock differs.
        ResultsFile.Append(second, SweepTestSupport.FakeResult(a, 0, 0.1) with { WallSeconds = 99, FinishedAt = "later" });
        ResultsFile.Append(second, SweepTestSupport.FakeResult(b, 1, 0.2));
        string merged = Path.Combine(folder, "merged.jsonl");
        IReadOnlyList<RunResult> results = SweepMerge.MergeInto(merged, [first, second]);
        CollectionAssert.AreEqual(new[] { a.Id, b.Id, c.Id }, results.Select(r => r.Id).ToArray());
        CollectionAssert.AreEqual(new[] { a.Id, b.Id, c.Id }, ResultsFile.Read(merged).Results.Select(r => r.Id).ToArray());

        ResultsFile.Append(third, SweepTestSupport.FakeResult(b, 1, 0.25));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SweepMerge.Merge([first, second, third]));
        StringAssert.Contains(e.Message, b.Id);
        StringAssert.Contains(e.Message, "different results");
        Assert.ThrowsExactly<FileNotFoundException>(() => SweepMerge.Merge([Path.Combine(folder, "none.jsonl")]));
    }

    [TestMethod]
    public void FilesOfDifferentGridsAreNotMerged()
    {
        string folder = SweepTestSupport.NewFolder("grids");
        string first = Path.Combine(folder, "1.jsonl"), second = Path.Combine(folder, "2.jsonl");
        ResultsFile.Append(first, SweepTestSupport.FakeResult(SweepTestSupport.Tiny, 0, 0.1));
        ResultsFile.Append(second, SweepTestSupport.FakeResult(SweepTestSupport.Tiny with { Method = "uw" }, 0, 0.1));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => SweepMerge.Merge([first, second])).Message, "different grids");
        // The same run at another position is another grid too.
        string third = Path.Combine(folder, "3.jsonl");
        ResultsFile.Append(third, SweepTestSupport.FakeResult(SweepTestSupport.Tiny, 5, 0.1));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => SweepMerge.Merge([first, third])).Message, "different grids");
    }
}
