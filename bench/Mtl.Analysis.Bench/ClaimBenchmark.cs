using System.Diagnostics;
using System.Text.Json.Nodes;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Bench;

/// <summary>
/// What claiming a run costs as a sweep's results file grows (issue 18, defect 6). Before each claim a worker must know
/// which runs are recorded: formerly by parsing the whole file, now by <see cref="RecordedRuns.Refresh"/>, which parses
/// only the lines appended since its last call. Each measured claim appends one realistic line (3 epochs, 2 tasks) and
/// then refreshes; the old way is timed on the same file. Median milliseconds per claim at each history length.
/// </summary>
internal static class ClaimBenchmark
{
    public static JsonObject Run(IReadOnlyList<int> historyLengths, int claims)
    {
        var rows = new JsonArray();
        foreach (int lines in historyLengths)
        {
            string folder = Directory.CreateTempSubdirectory("mtl-claim-bench-").FullName;
            try
            {
                string path = Path.Combine(folder, SweepRunner.ResultsFileName);
                using (var writer = new StreamWriter(path))
                    for (int i = 0; i < lines; i++) writer.Write(ResultsFile.Serialize(Line(i)) + "\n");
                var recorded = new RecordedRuns(path);
                recorded.Refresh();
                var incremental = new List<double>();
                var whole = new List<double>();
                for (int c = 0; c < claims; c++)
                {
                    ResultsFile.Append(path, Line(lines + c));
                    var watch = Stopwatch.StartNew();
                    recorded.Refresh();
                    incremental.Add(watch.Elapsed.TotalMilliseconds);
                    watch.Restart();
                    HashSet<string> ids = ResultsFile.Read(path).Results.Select(r => r.Id).ToHashSet();
                    whole.Add(watch.Elapsed.TotalMilliseconds);
                    if (!recorded.Contains(Line(lines + c).Id) || !ids.Contains(Line(lines + c).Id)) throw new InvalidOperationException("a line was missed");
                }
                rows.Add(new JsonObject
                {
                    ["history_lines"] = lines,
                    ["file_mb"] = Math.Round(new FileInfo(path).Length / 1e6, 2),
                    ["claims_measured"] = claims,
                    ["incremental_ms_per_claim_median"] = Math.Round(Median(incremental), 4),
                    ["whole_file_ms_per_claim_median"] = Math.Round(Median(whole), 3),
                });
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        double first = (double)rows[0]!["incremental_ms_per_claim_median"]!, last = (double)rows[^1]!["incremental_ms_per_claim_median"]!;
        double oldFirst = (double)rows[0]!["whole_file_ms_per_claim_median"]!, oldLast = (double)rows[^1]!["whole_file_ms_per_claim_median"]!;
        return new JsonObject
        {
            ["benchmark"] = "claim: cost of knowing the recorded runs before claiming one, by results-file length",
            ["rows"] = rows,
            ["incremental_growth_ratio"] = Math.Round(last / first, 2),
            ["whole_file_growth_ratio"] = Math.Round(oldLast / oldFirst, 1),
        };
    }

    private static RunResult Line(int index)
    {
        var config = new RunConfig { Method = "ew", TrainRows = 2000, Seed = index };
        EpochRecord Epoch(int e) => new(e, 1e-3, 1.5, new SplitFigures([0.5, 0.6], [0.8, 0.7]), new SplitFigures([0.55, 0.65], [0.79, 0.69]),
            new SplitFigures([0.56, 0.66], [0.78, 0.68]), 0.74, [0.5, 0.5]);
        return new RunResult
        {
            Id = config.Id, Index = index, Config = config, Status = RunStatus.Finished, Tasks = ["Left", "Right"],
            Epochs = [Epoch(1), Epoch(2), Epoch(3)], SelectedEpoch = 3, TestAtSelected = new SplitFigures([0.56, 0.66], [0.78, 0.68]),
            ValidationAtSelected = new SplitFigures([0.55, 0.65], [0.79, 0.69]), WallSeconds = 4.5, FinishedAt = "2026-12-04T00:00:00Z",
        };
    }

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
