using System.Diagnostics;
using System.Text.Json.Nodes;
using Mtl.Analysis.Statistics;
using Mtl.Trainers;
using Mtl.Trainers.Bench;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Analysis.Bench;

/// <summary>
/// Per-sample gradients on MultiLeNet's trunk (what the conflict monitor measures: T task losses, n rows, dropout off)
/// four ways, timed in alternating rounds so drift in the shared machine's load hits all alike:
/// the per-layer engine (one forward, one backward per task), the one-row path it replaced (the same engine with no
/// module: a forward per row and T gradient calls on its graph, exactly the loop the monitor ran before), and a
/// PyTorch 1.13 peer process running functorch's vmap(jacrev) and the same one-row loop. Figures are medians over rounds
/// of milliseconds per call; ratios are taken between medians.
/// </summary>
internal static class PerSampleBenchmark
{
    public static readonly int[] Samples = { 8, 32, 128 };
    public static readonly int[] TaskCounts = { 2, 10 };
    private const double BlockMilliseconds = 300;   // each side's timed block per round

    public static JsonObject Run(int rounds, int threads)
    {
        using var peer = new PeerProcess("persample_peer.py", threads);
        bool peerHasVmap = peer.Info["functorch"]!.GetValue<bool>();
        Console.WriteLine($"persample: MultiLeNet trunk, T ∈ {{2, 10}}, n ∈ {{8, 32, 128}}, {rounds} alternating rounds, {threads} thread(s); " +
                          $"peer torch {peer.Info["torch_version"]} ({(peerHasVmap ? "functorch vmap(jacrev)" : "no functorch: one-row loop only")})");
        var cases = new JsonArray();
        foreach (int tasks in TaskCounts)
        {
            using var setup = new Setup(tasks);
            foreach (int n in Samples)
            {
                var sides = new List<(string Name, Func<int, double> Time)>
                {
                    ("engine", calls => setup.Time(n, calls, batched: true)),
                    ("one_row", calls => setup.Time(n, calls, batched: false)),
                    ("peer_loop", calls => peer.Ask($"loop {tasks} {n} {calls}").GetValue<double>()),
                    ("batch_gradient_floor", calls => setup.TimeBatchGradient(n, calls)),
                };
                if (peerHasVmap) sides.Add(("peer_vmap", calls => peer.Ask($"vmap {tasks} {n} {calls}").GetValue<double>()));
                int vmap = sides.FindIndex(side => side.Name == "peer_vmap");
                // Warm-up, and how many calls fill a block.
                int[] calls = sides.Select(s => { s.Time(1); return Math.Max(1, (int)Math.Round(BlockMilliseconds / s.Time(1))); }).ToArray();
                var times = sides.Select(_ => new List<double>()).ToArray();
                for (int r = 0; r < rounds; r++)
                    for (int j = 0; j < sides.Count; j++)
                    {
                        int k = (j + r) % sides.Count;   // rotate who goes first
                        times[k].Add(sides[k].Time(calls[k]));
                    }
                double[] medians = times.Select(t => Percentile.Of(t, 50)).ToArray();
                var entry = new JsonObject { ["tasks"] = tasks, ["samples"] = n };
                for (int j = 0; j < sides.Count; j++)
                {
                    entry[$"{sides[j].Name}_ms"] = Math.Round(medians[j], 3);
                    entry[$"{sides[j].Name}_ms_rounds"] = new JsonArray(times[j].Select(v => (JsonNode?)Math.Round(v, 3)).ToArray());
                }
                double engine = medians[0];
                entry["speedup_vs_one_row"] = Math.Round(medians[1] / engine, 2);
                entry["speedup_vs_peer_loop"] = Math.Round(medians[2] / engine, 2);
                if (vmap >= 0) entry["speedup_vs_peer_vmap"] = Math.Round(medians[vmap] / engine, 2);
                // The floor: one forward and T ordinary (batch-summed) gradients, no per-sample work; one-row / floor bounds any
                // one-backward-per-task method's speedup.
                entry["one_row_over_floor"] = Math.Round(medians[1] / medians[3], 2);
                double? target = n switch { 8 => 5, 128 => 20, _ => null };
                if (target is not null)
                {
                    entry["target_vs_one_row"] = target;
                    entry["target_met"] = medians[1] / engine >= target;
                }
                cases.Add(entry);
                Console.WriteLine($"  T = {tasks,2}, n = {n,3}: engine {engine,8:F2} ms, one-row {medians[1],8:F2} ms ({medians[1] / engine:F1}×), " +
                                  $"peer loop {medians[2],8:F2} ms" + (vmap >= 0 ? $", peer vmap {medians[vmap],8:F2} ms" : "") +
                                  $", floor {medians[3],7:F2} ms (one-row/floor {medians[1] / medians[3]:F1}×)" +
                                  (target is null ? "" : $"; target ≥ {target}× {(medians[1] / engine >= target ? "met" : "MISSED")}"));
            }
        }
        return new JsonObject
        {
            ["benchmark"] = "per-sample gradients of T task losses w.r.t. the MultiLeNet trunk (21,330 parameters), dropout off, float32",
            ["sides"] = "engine: per-layer (one forward, one backward per task); one_row: a forward per row and T autograd.grad calls (the monitor's loop before); " +
                        "peer_loop: the same loop in PyTorch; peer_vmap: functorch vmap(jacrev) of the T losses; batch_gradient_floor: one forward of the n rows " +
                        "and T ordinary gradients w.r.t. the trunk (no per-sample work: what one backward per task costs at least)",
            ["peer"] = $"/usr/bin/python3, torch {peer.Info["torch_version"]}, {peer.Info["threads"]} thread(s), functorch {(peerHasVmap ? "yes" : "no")}",
            ["rounds"] = rounds,
            ["measurement"] = "median over alternating rounds of ms per call, each round a block of ≈ 0.3 s per side",
            ["cases"] = cases,
        };
    }

    /// <summary>A MultiLeNet network with T ten-class heads, 128 fixed rows, and the monitor's targets (task t on the trunk).</summary>
    private sealed class Setup : IDisposable
    {
        private readonly SharedBottomNetwork network;
        private readonly TaskDefinition[] tasks;
        private readonly Tensor x;
        private readonly Tensor[] y;
        private readonly PerSampleTarget[] targets;

        public Setup(int taskCount)
        {
            manual_seed(0);
            tasks = Enumerable.Range(0, taskCount).Select(t => new TaskDefinition($"T{t}") { ClassCount = 10 }).ToArray();
            network = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }, tasks);
            network.eval();
            x = randn(128, 1, 28, 28).DetachFromDisposeScope();
            y = tasks.Select(_ => randint(0, 10, new long[] { 128 }).DetachFromDisposeScope()).ToArray();
            Tensor[] shared = network.SharedParameters().Cast<Tensor>().ToArray();
            targets = Enumerable.Range(0, taskCount).Select(t => new PerSampleTarget(l => l[t], shared)).ToArray();
        }

        /// <summary>Milliseconds per call over <paramref name="calls"/> calls, one dispose scope per call (as the monitor).</summary>
        public double Time(int n, int calls, bool batched)
        {
            var watch = Stopwatch.StartNew();
            for (int c = 0; c < calls; c++)
            {
                using var scope = NewDisposeScope();
                PerSampleGradientEngine.Compute(batched ? network : null, Losses, n, 1, targets, ScalarType.Float32);
            }
            return watch.Elapsed.TotalMilliseconds / calls;
        }

        /// <summary>The floor: one forward and T batch-mean gradients on the trunk, per call.</summary>
        public double TimeBatchGradient(int n, int calls)
        {
            var watch = Stopwatch.StartNew();
            for (int c = 0; c < calls; c++)
            {
                using var scope = NewDisposeScope();
                Tensor[] losses = Losses(0, n);
                for (int t = 0; t < losses.Length; t++)
                    autograd.grad(new[] { losses[t] }, targets[t].Parameters.ToArray(), retain_graph: t < losses.Length - 1);
            }
            return watch.Elapsed.TotalMilliseconds / calls;
        }

        private Tensor[] Losses(long start, long count)
        {
            Tensor[] outputs = network.call(x.narrow(0, start, count));
            return tasks.Select((t, i) => TaskLosses.Loss(t, outputs[i], y[i].narrow(0, start, count))).ToArray();
        }

        public void Dispose()
        {
            network.Dispose();
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }
}
