using System.Diagnostics;
using System.Text.Json.Nodes;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Bench;

/// <summary>
/// Where an EW MultiLeNet step's time goes, op by op (issue 22, item 2): each piece of the training forward (autograd on),
/// the backward, the optimizer and the trainer's whole step, timed alone on the same tensors, against the sgemm roofline
/// (the step's multiply-adds at the rate a large matrix product reaches here). Each figure is the median over rounds of
/// wall time and of process CPU time per call; with --threads 1 CPU time barely moves when other jobs share the cores,
/// so the split is readable on a busy machine too.
/// </summary>
internal static class OpProfile
{
    public static JsonObject Run(int threads, int rounds, int steps)
    {
        var result = new JsonObject { ["rounds"] = rounds, ["sgemm_gflops"] = SgemmGflops(rounds) };
        foreach (int batch in new[] { 256, 8 })
        {
            using var parts = new Parts(batch);
            int calls = Math.Max(steps, batch >= 64 ? steps : steps * 8);
            var table = new JsonObject();
            Console.WriteLine($"\nbatch {batch}: ms per call (median of {rounds} rounds of {calls} calls): wall, CPU");
            foreach ((string name, Action action) in parts.Pieces())
            {
                var wall = new List<double>();
                var cpu = new List<double>();
                for (int i = 0; i < calls / 2; i++) action();
                for (int r = 0; r < rounds; r++)
                {
                    (double w, double c) = Time(action, calls);
                    wall.Add(w);
                    cpu.Add(c);
                }
                double wallMs = Statistics.Median(wall), cpuMs = Statistics.Median(cpu);
                Console.WriteLine($"  {name,-44}{wallMs,9:F3}{cpuMs,9:F3}");
                table[name] = new JsonObject { ["wall_ms"] = wallMs, ["cpu_ms"] = cpuMs };
            }
            double gflop = parts.StepFlops / 1e9;
            double rooflineMs = gflop / result["sgemm_gflops"]!.GetValue<double>() * 1e3;
            table["step_gflop"] = gflop;
            table["roofline_ms"] = rooflineMs;
            Console.WriteLine($"  step: {gflop:F3} GFLOP → sgemm roofline {rooflineMs:F2} ms");
            result[$"b{batch}"] = table;
        }
        result["threads_note"] = $"{threads} intra-op threads";
        return result;
    }

    private static (double WallMs, double CpuMs) Time(Action action, int calls)
    {
        using Process process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) action();
        double wall = sw.Elapsed.TotalMilliseconds / calls;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu0).TotalMilliseconds / calls);
    }

    // The rate of a 1024² matrix product at this thread count: what the step's multiply-adds could run at.
    private static double SgemmGflops(int rounds)
    {
        using var scope = NewDisposeScope();
        Tensor a = randn(1024, 1024), b = randn(1024, 1024);
        for (int i = 0; i < 3; i++) a.matmul(b).Dispose();
        var rates = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < 5; i++) a.matmul(b).Dispose();
            rates.Add(2.0 * 1024 * 1024 * 1024 * 5 / sw.Elapsed.TotalSeconds / 1e9);
        }
        return Statistics.Median(rates);
    }

    /// <summary>The MultiLeNet step's pieces on fixed inputs; every piece runs with autograd on, as in training.</summary>
    private sealed class Parts : IDisposable
    {
        private readonly int batch;
        private readonly Conv2d conv1 = nn.Conv2d(1, 10, 5), conv2 = nn.Conv2d(10, 20, 5);
        private readonly Dropout2d dropout2d = nn.Dropout2d(0.5);
        private readonly Linear fc = nn.Linear(320, 50);
        private readonly Sequential[] heads;
        private readonly Tensor x, conv1Out, pool1In, conv2In, pool2In, fcIn, z;
        // Parameters mode at T = 10: every task's δ at the convolutions' outputs, in the layer taps' layout ([T, O, N, h, w]).
        private const int TapTasks = 10;
        private readonly Tensor conv1Deltas, conv2Deltas, conv2Input;
        private readonly Engine.Conv2dRule conv1Rule, conv2Rule;
        private readonly Tensor[] y;
        private readonly Parameter[] parameters;
        private readonly optim.Optimizer adam;
        private readonly SharedBottomNetwork trainerNet;
        private readonly TrainingStep step;
        private long stepIndex;

        public Parts(int batch)
        {
            this.batch = batch;
            manual_seed(0);
            heads = [Head(), Head()];
            x = randn(batch, 1, 28, 28);
            conv1Out = conv1.call(x).detach().requires_grad_(true);
            pool1In = conv1Out;
            conv2In = F.relu(F.max_pool2d(conv1Out, 2)).detach().requires_grad_(true);
            pool2In = dropout2d.call(conv2.call(conv2In)).detach().requires_grad_(true);
            fcIn = F.relu(F.max_pool2d(pool2In, 2)).flatten(1).detach().requires_grad_(true);
            z = F.relu(fc.call(fcIn)).detach().requires_grad_(true);
            y = [randint(0, 10, [batch]), randint(0, 10, [batch])];
            conv1Deltas = randn([TapTasks, 10, batch, 24, 24]);
            conv2Deltas = randn([TapTasks, 20, batch, 8, 8]);
            conv2Input = conv2In.detach();
            conv1Rule = new Engine.Conv2dRule(conv1, conv1.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter));
            conv2Rule = new Engine.Conv2dRule(conv2, conv2.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter));
            parameters = conv1.parameters().Concat(conv2.parameters()).Concat(fc.parameters()).Concat(heads.SelectMany(h => h.parameters())).ToArray();
            adam = optim.Adam(parameters, 1e-3);
            List<TaskDefinition> tasks = BenchTasks.MultiFashion();
            manual_seed(0);
            trainerNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            var options = new MultiHeadNetworkTrainer.Options { FeatureColumnName = "Image", Tasks = tasks, BatchSize = batch, MaxEpoch = 1, Seed = 1 };
            step = new TrainingStep(options, tasks, trainerNet, MethodRegistry.Create("ew"), 1, (_, _) => { });
        }

        private static Sequential Head() => nn.Sequential(nn.Linear(50, 50), nn.ReLU(), nn.Dropout(0.5), nn.Linear(50, 10));

        /// <summary>Multiply-adds ×2 of the forward, ×3 for forward + backward (conv1's input gradient is not needed).</summary>
        public double StepFlops
        {
            get
            {
                double conv1Flops = 2.0 * batch * 10 * 24 * 24 * 25, conv2Flops = 2.0 * batch * 20 * 8 * 8 * 250;
                double dense = 2.0 * batch * (320 * 50 + 2 * (50 * 50 + 50 * 10));
                return 2 * conv1Flops + 3 * (conv2Flops + dense);
            }
        }

        public IEnumerable<(string Name, Action Action)> Pieces()
        {
            yield return ("conv1 forward", () => Run(() => conv1.call(x)));
            yield return ("conv1 forward + backward (weight gradient)", () => Run(() => Backward(conv1.call(x))));
            yield return ("conv1 forward + backward, ConvolutionBackward", () => Run(() => { using (ConvolutionBackward.Fast()) Backward(ConvolutionBackward.Apply(conv1, x)); }));
            yield return ("pool1: F.max_pool2d forward (NCHW kernel)", () => Run(() => F.max_pool2d(pool1In, 2)));
            yield return ("pool1: MaxPool.Pool2 forward", () => Run(() => MaxPool.Pool2(pool1In)));
            yield return ("pool1: F.max_pool2d forward + backward", () => Run(() => Backward(F.max_pool2d(pool1In, 2))));
            yield return ("pool1: MaxPool.Pool2 forward + backward", () => Run(() => Backward(MaxPool.Pool2(pool1In))));
            yield return ("relu (conv1 output size)", () => Run(() => F.relu(conv1Out)));
            yield return ("conv2 forward", () => Run(() => conv2.call(conv2In)));
            yield return ("conv2 forward + backward", () => Run(() => Backward(conv2.call(conv2In))));
            yield return ("conv2 forward + backward, ConvolutionBackward", () => Run(() => { using (ConvolutionBackward.Fast()) Backward(ConvolutionBackward.Apply(conv2, conv2In)); }));
            yield return ("dropout2d forward", () => Run(() => dropout2d.call(pool2In)));
            // The layer taps' two forms of every task's convolution weight gradients (Conv2dRule.AllRows picks by shape).
            yield return ($"layer taps, T = {TapTasks}: conv1 weight gradients, product form (taken)", () => Run(() => conv1Rule.WeightGradients(x, conv1Deltas, asConvolution: false)));
            yield return ($"layer taps, T = {TapTasks}: conv1 weight gradients, convolution form", () => Run(() => conv1Rule.WeightGradients(x, conv1Deltas, asConvolution: true)));
            yield return ($"layer taps, T = {TapTasks}: conv2 weight gradients, product form", () => Run(() => conv2Rule.WeightGradients(conv2Input, conv2Deltas, asConvolution: false)));
            yield return ($"layer taps, T = {TapTasks}: conv2 weight gradients, convolution form (taken)", () => Run(() => conv2Rule.WeightGradients(conv2Input, conv2Deltas, asConvolution: true)));
            yield return ("pool2: MaxPool.Pool2 forward + backward", () => Run(() => Backward(MaxPool.Pool2(pool2In))));
            yield return ("fc forward + backward", () => Run(() => Backward(F.relu(fc.call(fcIn)))));
            yield return ("heads + cross-entropy forward + backward", () => Run(() =>
                (F.cross_entropy(heads[0].call(z), y[0]) + F.cross_entropy(heads[1].call(z), y[1])).backward()));
            yield return ("whole step: forward + backward (no optimizer)", () => Run(() => WholeForward().backward()));
            yield return ("whole step: forward + backward, ConvolutionBackward", () => Run(() => { using (ConvolutionBackward.Fast()) WholeForward(fast: true).backward(); }));
            yield return ("Adam step (torch optim.Adam, all parameters)", () => Run(() => { EnsureGrads(); adam.step(); }));
            yield return ("TrainingStep (EW, the trainer's step)", () => Run(() => step.Run(x, y, ++stepIndex, 1)));
        }

        private Tensor WholeForward(bool fast = false)
        {
            foreach (Parameter p in parameters) p.grad = null;
            Tensor a = F.relu(MaxPool.Pool2(fast ? ConvolutionBackward.Apply(conv1, x) : conv1.call(x)));
            Tensor b = F.relu(MaxPool.Pool2(dropout2d.call(fast ? ConvolutionBackward.Apply(conv2, a) : conv2.call(a))));
            Tensor features = F.relu(fc.call(b.flatten(1)));
            return F.cross_entropy(heads[0].call(features), y[0]) + F.cross_entropy(heads[1].call(features), y[1]);
        }

        private void EnsureGrads()
        {
            foreach (Parameter p in parameters)
                if (p.grad is null) p.grad = zeros_like(p).DetachFromDisposeScope();
        }

        private static void Backward(Tensor output) => output.backward(new[] { ones_like(output) });

        private static void Run(Action body)
        {
            using var scope = NewDisposeScope();
            body();
        }

        private static void Run(Func<Tensor> body)
        {
            using var scope = NewDisposeScope();
            body();
        }

        public void Dispose()
        {
            step.Dispose();
            trainerNet.Dispose();
            conv1Deltas.Dispose();
            conv2Deltas.Dispose();
            conv2Input.Dispose();
            adam.Dispose();
            foreach (Sequential h in heads) h.Dispose();
            conv1.Dispose();
            conv2.Dispose();
            fc.Dispose();
            dropout2d.Dispose();
        }
    }
}
