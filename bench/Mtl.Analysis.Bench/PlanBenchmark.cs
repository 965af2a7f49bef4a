using System.Diagnostics;
using System.Text.Json.Nodes;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Bench;

/// <summary>
/// Planning a 10⁶-run grid (issue 18, defect 6): reading and validating it (every run's config and id checked, ids
/// unique) and writing its plan, with the process's peak working set and the plan file's size. Runs are built from
/// their grid position on demand, so neither the configs nor an expanded plan.json exist.
/// </summary>
internal static class PlanBenchmark
{
    public static JsonObject Run(int learningRates, int seeds)
    {
        string folder = Directory.CreateTempSubdirectory("mtl-plan-bench-").FullName;
        try
        {
            string grid = new JsonObject
            {
                ["base"] = new JsonObject { ["trainRows"] = 2000, ["epochs"] = 3 },
                ["axes"] = new JsonObject
                {
                    ["method"] = new JsonArray("ew", "pcgrad"),
                    ["learningRate"] = new JsonArray(Enumerable.Range(1, learningRates).Select(i => (JsonNode)JsonValue.Create(i * 1e-5)).ToArray()),
                },
                ["seeds"] = new JsonArray(Enumerable.Range(1, seeds).Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
            }.ToJsonString();
            long peakBefore = Process.GetCurrentProcess().PeakWorkingSet64;
            var watch = Stopwatch.StartNew();
            IReadOnlyList<RunConfig> plan = SweepGrid.Expand(grid);
            double expandSeconds = watch.Elapsed.TotalSeconds;
            string work = Path.Combine(folder, "shard-1");
            Directory.CreateDirectory(work);
            SweepRunner.WritePlan(work, plan);
            int[] slice = new ShardSpec(1, 8).Select(plan.Count).ToArray();
            string lastId = plan[slice[^1]].Id;
            double totalSeconds = watch.Elapsed.TotalSeconds;
            using var process = Process.GetCurrentProcess();
            return new JsonObject
            {
                ["benchmark"] = "plan: read + validate a grid, write its plan, select shard 1/8",
                ["runs"] = plan.Count,
                ["expand_and_validate_seconds"] = Math.Round(expandSeconds, 1),
                ["total_seconds"] = Math.Round(totalSeconds, 1),
                ["peak_working_set_mb"] = Math.Round(process.PeakWorkingSet64 / 1e6, 0),
                ["peak_working_set_mb_before"] = Math.Round(peakBefore / 1e6, 0),
                ["plan_json_bytes"] = new FileInfo(Path.Combine(work, SweepRunner.PlanFileName)).Length,
                ["last_run_of_shard_id"] = lastId,
            };
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
