using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML.Runtime;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Bench;

/// <summary>
/// EW MultiLeNet training step through the trainer's own step code (<see cref="TrainingStep"/>) against the same network
/// and step in PyTorch 1.13 eager, at batch 256 and 8, same intra-op threads. The sides alternate in short rounds while
/// the peer stays alive; each round gives one paired ratio and the table keeps medians. A raw TorchSharp loop (zero_grad,
/// forward, summed cross-entropy, backward, Adam) and its peer twin show what the trainer's bookkeeping costs.
/// </summary>
internal static class StepBenchmark
{
    private static readonly int[] Batches = [256, 8];

    public static JsonObject Run(int threads, int rounds, int steps)
    {
        using var peer = new PeerProcess(threads);
        var sides = Batches.ToDictionary(b => b, b => new OurSteppers(b));
        int StepsFor(int batch) => batch >= 64 ? steps : steps * 8;
        foreach (int b in Batches)
        {
            // Warm-up: allocator caches and oneDNN primitives on both sides.
            sides[b].TimeTrainer(StepsFor(b) / 2);
            sides[b].TimeTrainer(StepsFor(b) / 2, libtorchConvolutions: true);
            sides[b].TimeRaw(StepsFor(b) / 2);
            peer.Ask($"step {b} {StepsFor(b) / 2}");
            peer.Ask($"raw {b} {StepsFor(b) / 2}");
        }
        var trainer = Batches.ToDictionary(b => b, _ => new List<double>());
        var trainerLibtorch = Batches.ToDictionary(b => b, _ => new List<double>());
        var peerStep = Batches.ToDictionary(b => b, _ => new List<double>());
        var raw = Batches.ToDictionary(b => b, _ => new List<double>());
        var peerRaw = Batches.ToDictionary(b => b, _ => new List<double>());
        var tiny = new List<double>();
        var peerTiny = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            foreach (int b in Batches)
            {
                trainer[b].Add(sides[b].TimeTrainer(StepsFor(b)));
                trainerLibtorch[b].Add(sides[b].TimeTrainer(StepsFor(b), libtorchConvolutions: true));
                peerStep[b].Add(peer.Ask($"step {b} {StepsFor(b)}").GetValue<double>());
                raw[b].Add(sides[b].TimeRaw(StepsFor(b)));
                peerRaw[b].Add(peer.Ask($"raw {b} {StepsFor(b)}").GetValue<double>());
            }
            tiny.Add(TinyOpMicroseconds(100_000));
            peerTiny.Add(peer.Ask("tiny 100000").GetValue<double>());
        }
        foreach (OurSteppers s in sides.Values) s.Dispose();

        Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version} (libtorch {__version__}), {threads} intra-op threads; " +
                          $"peer torch {peer.Info["torch_version"]}, {peer.Info["threads"]} threads; medians of {rounds} alternating rounds");
        Console.WriteLine($"{"benchmark",-34}{"C# (ms)",10}{"PyTorch (ms)",14}{"ratio",8}{"paired",8}{"target",9}");
        var result = new JsonObject { ["threads"] = threads, ["libtorch"] = __version__, ["torch_peer"] = peer.Info["torch_version"]!.GetValue<string>(), ["rounds"] = rounds };
        foreach (int b in Batches)
        {
            string target = b >= 64 ? "<= 0.9" : "<= 1.0";
            result[$"trainer_step_b{b}"] = Row($"EW trainer step (TrainingStep) b={b}", trainer[b], peerStep[b], target);
            result[$"trainer_step_libtorch_conv_b{b}"] = Row($"  same, libtorch conv backward b={b}", trainerLibtorch[b], peerStep[b], "");
            result[$"raw_step_b{b}"] = Row($"raw TorchSharp step b={b}", raw[b], peerRaw[b], "");
        }
        result["tiny_op_us"] = Row("tiny op a+b (µs)", tiny, peerTiny, "");
        return result;
    }

    // Median of each side, and the median of the per-round ratios (robust to a slow round that hits both sides).
    private static JsonObject Row(string name, List<double> ours, List<double> theirs, string target)
    {
        double mine = Statistics.Median(ours), peer = Statistics.Median(theirs);
        double paired = Statistics.Median(ours.Zip(theirs, (a, b) => a / b));
        Console.WriteLine($"{name,-34}{mine,10:F3}{peer,14:F3}{mine / peer,8:F3}{paired,8:F3}{target,9}");
        return new JsonObject
        {
            ["csharp"] = mine, ["pytorch"] = peer, ["ratio_of_medians"] = mine / peer, ["median_paired_ratio"] = paired,
            ["target"] = target, ["csharp_rounds"] = new JsonArray(ours.Select(v => (JsonNode)v).ToArray()),
            ["pytorch_rounds"] = new JsonArray(theirs.Select(v => (JsonNode)v).ToArray()),
        };
    }

    private static double TinyOpMicroseconds(int count)
    {
        using var a = ones(1);
        using var b = ones(1);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++) { using var c = a + b; }
        return sw.Elapsed.TotalMilliseconds * 1000 / count;
    }

    /// <summary>
    /// Our two sides for one batch size, each on its own network of the same initialisation and one fixed batch (as the
    /// peer): the trainer's EW <see cref="TrainingStep"/>, and a plain TorchSharp loop.
    /// </summary>
    private sealed class OurSteppers : IDisposable
    {
        private readonly SharedBottomNetwork trainerNet, libtorchNet, rawNet;
        private readonly TrainingStep step, libtorchStep;
        private readonly optim.Optimizer rawAdam;
        private readonly Tensor x;
        private readonly Tensor[] y;
        private long stepIndex;

        public OurSteppers(int batch)
        {
            List<TaskDefinition> tasks = BenchTasks.MultiFashion();
            manual_seed(0);
            trainerNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            manual_seed(0);
            libtorchNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            manual_seed(0);
            rawNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            var options = new MultiHeadNetworkTrainer.Options { FeatureColumnName = "Image", Tasks = tasks, Method = "ew", BatchSize = batch, MaxEpoch = 1, Seed = 1 };
            MtlMethod ew = MethodRegistry.Create("ew");
            ew.Initialize(tasks.Count);
            step = new TrainingStep(options, tasks, trainerNet, ew, 1, (_, _) => { });
            // The same step with libtorch's convolution backward (before ConvolutionBackward), timed in the same rounds.
            MtlMethod ewBefore = MethodRegistry.Create("ew");
            ewBefore.Initialize(tasks.Count);
            libtorchStep = new TrainingStep(options, tasks, libtorchNet, ewBefore, 1, (_, _) => { }, layerTaps: true, fastConvolutionBackward: false);
            rawAdam = optim.Adam(rawNet.parameters(), 1e-3);
            x = randn([batch, 1, 28, 28]).DetachFromDisposeScope();
            y = tasks.Select(_ => randint(0, 10, [batch]).DetachFromDisposeScope()).ToArray();
        }

        public double TimeTrainer(int steps, bool libtorchConvolutions = false)
        {
            TrainingStep which = libtorchConvolutions ? libtorchStep : step;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                which.Run(x, y, ++stepIndex, 1);
            }
            return sw.Elapsed.TotalMilliseconds / steps;
        }

        public double TimeRaw(int steps)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                rawAdam.zero_grad();
                Tensor[] outs = rawNet.call(x);
                Tensor loss = nn.functional.cross_entropy(outs[0], y[0]) + nn.functional.cross_entropy(outs[1], y[1]);
                loss.backward();
                rawAdam.step();
            }
            return sw.Elapsed.TotalMilliseconds / steps;
        }

        public void Dispose()
        {
            step.Dispose();
            libtorchStep.Dispose();
            rawAdam.Dispose();
            trainerNet.Dispose();
            libtorchNet.Dispose();
            rawNet.Dispose();
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }
}
