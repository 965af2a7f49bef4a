using System.Diagnostics;
using System.Text.Json.Nodes;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Bench;

/// <summary>
/// Issue 17, item 5: each multi-task architecture's EW training step through the trainer's own step code
/// (<see cref="TrainingStep"/>) against the same architecture written in PyTorch 1.13 eager (architectures_peer.py), at
/// batch 256, same intra-op threads, alternating rounds while the peer stays alive; and, C# only, the Parameters-mode cost
/// of a Gramian method (UPGrad) relative to the same architecture's EW step at T = 2 and T = 10.
/// </summary>
/// <remarks>
/// Sizes (the peer builds the same; the parameter counts are compared before timing): 3 tasks, vector input of 64
/// features, trunk mlp(64) (each expert, column or backbone stage Linear(64, 64) + ReLU), no dropout, 10-class heads
/// Linear(64, 50) + ReLU + Linear(50, 10), Adam lr 1e-3; each architecture at its defaults (MMoE 4 experts; CGC 1 task
/// expert per task and 2 shared; PLE 2 levels; DSelect-k 4 experts, 2 selectors).
/// </remarks>
internal static class ArchitecturesBenchmark
{
    /// <summary>The architectures, by the text both sides read.</summary>
    public static readonly string[] Architectures = ["shared-bottom", "mmoe", "cgc", "ple", "cross-stitch", "mtan", "dselect-k"];

    private const int Batch = 256, Tasks = 3, Input = 64;
    private static readonly int[] GramianTasks = [2, 10];
    private const string Gramian = "upgrad";

    public static JsonObject Run(int threads, int rounds, int steps)
    {
        using var peer = new PeerProcess("architectures_peer.py", threads);
        var ours = Architectures.ToDictionary(a => a, a => new Stepper(a, Tasks, "ew"));
        foreach ((string arch, Stepper s) in ours)
        {
            long mine = s.ParameterCount, theirs = peer.Ask($"params {arch} {Tasks}").GetValue<long>();
            if (mine != theirs)
                throw new InvalidOperationException($"{arch}: the C# network has {mine} parameters, the PyTorch peer's {theirs}; the two sides must be the same network.");
        }
        // The Gramian comparison: per architecture and task count, an EW and an UPGrad step on twin networks.
        var gramian = Architectures.SelectMany(a => GramianTasks.Select(t => (a, t)))
            .ToDictionary(k => k, k => (Ew: new Stepper(k.a, k.t, "ew"), Method: new Stepper(k.a, k.t, Gramian)));

        // Warm-up: allocator caches and oneDNN primitives on both sides.
        foreach ((string arch, Stepper s) in ours)
        {
            s.Time(Math.Max(1, steps / 2));
            peer.Ask($"step {arch} {Tasks} {Batch} {Math.Max(1, steps / 2)}");
        }
        foreach ((Stepper ew, Stepper method) in gramian.Values)
        {
            ew.Time(Math.Max(1, steps / 4));
            method.Time(Math.Max(1, steps / 4));
        }

        var csharp = Architectures.ToDictionary(a => a, _ => new List<double>());
        var pytorch = Architectures.ToDictionary(a => a, _ => new List<double>());
        var ewTimes = gramian.Keys.ToDictionary(k => k, _ => new List<double>());
        var methodTimes = gramian.Keys.ToDictionary(k => k, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (string arch in Architectures)
            {
                csharp[arch].Add(ours[arch].Time(steps));
                pytorch[arch].Add(peer.Ask($"step {arch} {Tasks} {Batch} {steps}").GetValue<double>());
            }
            foreach (((string, int) key, (Stepper ew, Stepper method)) in gramian)
            {
                ewTimes[key].Add(ew.Time(steps));
                methodTimes[key].Add(method.Time(steps));
            }
        }
        foreach (Stepper s in ours.Values) s.Dispose();
        foreach ((Stepper ew, Stepper method) in gramian.Values)
        {
            ew.Dispose();
            method.Dispose();
        }

        Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version} (libtorch {__version__}), {threads} intra-op threads; " +
                          $"peer torch {peer.Info["torch_version"]}, {peer.Info["threads"]} threads; medians of {rounds} alternating rounds of {steps} steps");
        Console.WriteLine($"EW step, batch {Batch}, {Tasks} tasks, input {Input}, mlp(64) experts/columns, 10-class heads:");
        Console.WriteLine($"{"architecture",-16}{"C# (ms)",10}{"PyTorch (ms)",14}{"ratio",8}{"paired",8}{"target",9}");
        var versus = new JsonObject();
        foreach (string arch in Architectures) versus[arch] = Row(arch, csharp[arch], pytorch[arch]);
        Console.WriteLine($"{Gramian} (Parameters mode) step / EW step, same architecture, batch {Batch}:");
        Console.WriteLine($"{"architecture",-16}" + string.Concat(GramianTasks.Select(t => $"{$"T={t} EW ms",12}{$"{Gramian} ms",12}{"ratio",8}")));
        var cost = new JsonObject();
        foreach (string arch in Architectures)
        {
            var perT = new JsonObject();
            string line = $"{arch,-16}";
            foreach (int t in GramianTasks)
            {
                double ew = Statistics.Median(ewTimes[(arch, t)]), method = Statistics.Median(methodTimes[(arch, t)]);
                double paired = Statistics.Median(ewTimes[(arch, t)].Zip(methodTimes[(arch, t)], (e, m) => m / e));
                line += $"{ew,12:F3}{method,12:F3}{paired,8:F2}";
                perT[$"T{t}"] = new JsonObject { ["ew_ms"] = ew, [$"{Gramian}_ms"] = method, ["median_paired_ratio"] = paired };
            }
            Console.WriteLine(line);
            cost[arch] = perT;
        }
        return new JsonObject
        {
            ["libtorch"] = __version__, ["torch_peer"] = peer.Info["torch_version"]!.GetValue<string>(), ["rounds"] = rounds, ["steps_per_round"] = steps,
            ["sizes"] = $"batch {Batch}, {Tasks} tasks, input {Input}, trunk mlp(64) (no dropout), heads Linear(64,50)+ReLU+Linear(50,10), Adam lr 1e-3; " +
                        "mmoe 4 experts, cgc 1 task + 2 shared experts, ple 2 levels, dselect-k 4 experts 2 selectors",
            ["ew_step_vs_pytorch"] = versus,
            [$"{Gramian}_vs_ew_parameters_mode"] = cost,
        };
    }

    private static JsonObject Row(string name, List<double> ours, List<double> theirs)
    {
        double mine = Statistics.Median(ours), peer = Statistics.Median(theirs);
        double paired = Statistics.Median(ours.Zip(theirs, (a, b) => a / b));
        Console.WriteLine($"{name,-16}{mine,10:F3}{peer,14:F3}{mine / peer,8:F3}{paired,8:F3}{"<= 1.0",9}");
        return new JsonObject
        {
            ["csharp_ms"] = mine, ["pytorch_ms"] = peer, ["ratio_of_medians"] = mine / peer, ["median_paired_ratio"] = paired, ["target"] = "<= 1.0",
            ["csharp_rounds"] = new JsonArray(ours.Select(v => (JsonNode)v).ToArray()),
            ["pytorch_rounds"] = new JsonArray(theirs.Select(v => (JsonNode)v).ToArray()),
        };
    }

    /// <summary>One architecture's network, its trainer step with one method, and one fixed batch (as the peer).</summary>
    private sealed class Stepper : IDisposable
    {
        private readonly MultiTaskNetwork network;
        private readonly TrainingStep step;
        private readonly Tensor x;
        private readonly Tensor[] y;
        private long stepIndex;

        public Stepper(string architecture, int taskCount, string method)
        {
            List<TaskDefinition> tasks = Enumerable.Range(0, taskCount).Select(k => new TaskDefinition($"T{k}") { ClassCount = 10, HeadDropout = 0 }).ToList();
            manual_seed(0);
            network = ArchitectureOptions.Parse(architecture).Build(TrunkSpec.Mlp(64), [Input], tasks);
            network.train();
            var options = new MultiHeadNetworkTrainer.Options
            {
                FeatureColumnName = "Features", Tasks = tasks, Method = method, GradientMode = GradientMode.Parameters, BatchSize = Batch, MaxEpoch = 1, Seed = 1,
            };
            MtlMethod m = MethodRegistry.Create(method);
            m.Initialize(tasks.Count);
            step = new TrainingStep(options, tasks, network, m, 1, (_, _) => { });
            x = randn([Batch, Input]).DetachFromDisposeScope();
            y = tasks.Select(_ => randint(0, 10, [Batch]).DetachFromDisposeScope()).ToArray();
        }

        public long ParameterCount => network.parameters().Sum(p => p.numel());

        public double Time(int steps)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                step.Run(x, y, ++stepIndex, 1);
            }
            return sw.Elapsed.TotalMilliseconds / steps;
        }

        public void Dispose()
        {
            step.Dispose();
            network.Dispose();
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }
}
