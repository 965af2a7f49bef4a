using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Statistics;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;

namespace Mtl.Analysis.Bench;

/// <summary>
/// Slowdown of EW training on Multi-Fashion when the gradient-conflict monitor runs at its defaults. Each repeat trains
/// the same seeded run twice, plain and monitored, in alternating order (so drift in the machine's load hits both
/// sides alike); the figure is the median over repeats of monitored / plain training-step seconds (the trainer's
/// per-epoch step time, without data loading), with the range.
/// </summary>
internal static class MonitorBenchmark
{
    public const double Target = 1.05;

    /// <summary>Most of a monitored run's training time the monitor itself may take (median over repeats).</summary>
    public const double ShareTarget = 0.03;

    public static JsonObject Run(int rows, int epochs, int repeats)
    {
        var ml = new MLContext(1);
        IDataView train = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), rows);
        Console.WriteLine($"monitor: EW MultiLeNet, Multi-Fashion {rows} rows, batch 256, {epochs} epochs, {repeats} paired repeats");
        // Warm-up: JIT and libtorch's first-call costs for both paths.
        Fit(ml.Data.TakeRows(train, 1024), 1, new GradientConflictMonitor());

        var plain = new List<double>();
        var monitored = new List<double>();
        var inside = new List<double>();
        var ratios = new List<double>();
        int measurements = 0;
        for (int r = 0; r < repeats; r++)
        {
            bool plainFirst = r % 2 == 0;
            double p = 0, m = 0;
            TimedMonitor? timed = null;
            for (int side = 0; side < 2; side++)
            {
                bool withMonitor = (side == 1) == plainFirst;
                if (withMonitor)
                {
                    timed = new TimedMonitor(new GradientConflictMonitor());
                    m = Fit(train, epochs, timed);
                }
                else p = Fit(train, epochs, null);
            }
            plain.Add(p);
            monitored.Add(m);
            inside.Add(timed!.Seconds);
            measurements = timed.Calls;
            ratios.Add(m / p);
            Console.WriteLine($"  repeat {r + 1} ({(plainFirst ? "plain first" : "monitored first")}): plain {p:F2} s, monitored {m:F2} s " +
                              $"(inside the monitor {timed.Seconds:F2} s over {timed.Calls} calls) → {m / p:F3}×");
        }
        double median = Percentile.Of(ratios, 50);
        double share = Percentile.Of(inside.Zip(monitored, (i, m) => i / m).ToArray(), 50);
        Console.WriteLine($"slowdown: median {median:F3}× (range {ratios.Min():F3}–{ratios.Max():F3}); target ≤ {Target:F2}× → {(median <= Target ? "met" : "MISSED")}");
        Console.WriteLine($"inside the monitor: median {share:P1} of the monitored run; target ≤ {ShareTarget:P0} → {(share <= ShareTarget ? "met" : "MISSED")}");
        return new JsonObject
        {
            ["benchmark"] = "gradient-conflict monitor cost (k = 5, n = 8) on EW training",
            ["dataset"] = $"Multi-Fashion train, first {rows} rows",
            ["network"] = "MultiLeNet, 2 heads, Adam lr 1e-3, batch 256",
            ["epochs"] = epochs,
            ["repeats"] = repeats,
            ["measurement"] = "training-step seconds summed over epochs (TrainingReport), paired runs in alternating order",
            ["plain_seconds"] = ToArray(plain),
            ["monitored_seconds"] = ToArray(monitored),
            ["inside_monitor_seconds"] = ToArray(inside),
            ["monitor_calls_per_run"] = measurements,
            ["ratios"] = ToArray(ratios),
            ["slowdown_median"] = median,
            ["slowdown_min"] = ratios.Min(),
            ["slowdown_max"] = ratios.Max(),
            ["monitor_share_median"] = share,
            ["target"] = Target,
            ["target_met"] = median <= Target,
            ["share_target"] = ShareTarget,
            ["share_target_met"] = share <= ShareTarget,
        };
    }

    /// <summary>Where a measurement's time goes: per-sample gradients vs the pairwise comparison (median milliseconds per call).</summary>
    public static JsonObject Profile(int rows, int epochs, bool allThreads)
    {
        var ml = new MLContext(1);
        IDataView train = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), rows);
        var profile = new ProfileMonitor(5, 8, allThreads);
        double seconds = Fit(train, epochs, profile);
        double gradients = Percentile.Of(profile.GradientMilliseconds, 50), compare = Percentile.Of(profile.CompareMilliseconds, 50);
        Console.WriteLine($"profile: {profile.GradientMilliseconds.Count} measurements in {seconds:F2} s of training; per measurement " +
                          $"per-sample gradients {gradients:F1} ms, comparison {compare:F1} ms (medians)");
        return new JsonObject { ["threads_in_monitor"] = allThreads ? "all" : "1", ["per_sample_gradients_ms"] = gradients, ["compare_ms"] = compare, ["training_seconds"] = seconds };
    }

    private static double Fit(IDataView train, int epochs, ITrainingMonitor? monitor)
    {
        var ml = new MLContext(1);
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = MultiTaskDatasets.ImageColumnName,
            Tasks = new List<TaskDefinition> { new(MultiTaskDatasets.LeftColumnName), new(MultiTaskDatasets.RightColumnName) },
            BatchSize = 256,
            MaxEpoch = epochs,
            Seed = 1,
        };
        var hooks = new TrainingHooks { Monitors = monitor is null ? [] : [monitor] };
        using MultiHeadNetworkTransformer model = ml.MultiTask().Trainers.MultiHead(options).Fit(train, hooks);
        return model.TrainingReport!.Epochs.Sum(e => e.Seconds);
    }

    private static JsonArray ToArray(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)Math.Round(v, 4)).ToArray());
}
