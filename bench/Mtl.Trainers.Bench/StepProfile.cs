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
/// Where the EW trainer step's time goes beyond a plain TorchSharp loop: the same network and batch stepped by a plain loop,
/// then by the plain loop plus each piece of the trainer's bookkeeping in turn, then by <see cref="TrainingStep"/> itself.
/// Variants alternate within each round; the table keeps medians.
/// </summary>
internal static class StepProfile
{
    public static JsonObject Run(int rounds, int steps)
    {
        var result = new JsonObject { ["rounds"] = rounds };
        foreach (int batch in new[] { 256, 8 })
        {
            int n = batch >= 64 ? steps : steps * 8;
            using var bench = new Variants(batch);
            var names = new[] { "plain loop", "+ grads set to null", "+ accuracy sums (.item per task)", "+ losses to host (stack, float64)", "TrainingStep (EW)" };
            var times = names.Select(_ => new List<double>()).ToArray();
            for (int v = 0; v < names.Length; v++) bench.Time(v, n / 2); // warm-up
            for (int r = 0; r < rounds; r++)
                for (int v = 0; v < names.Length; v++) times[v].Add(bench.Time(v, n));
            Console.WriteLine($"\nbatch {batch}: ms per step, medians of {rounds} rounds");
            var section = new JsonObject();
            double previous = 0;
            for (int v = 0; v < names.Length; v++)
            {
                double median = Statistics.Median(times[v]);
                Console.WriteLine($"  {names[v],-36}{median,9:F3}{(v == 0 ? "" : $"  (+{median - previous:F3})"),12}");
                section[names[v]] = median;
                previous = median;
            }
            result[$"b{batch}"] = section;
        }
        return result;
    }

    private sealed class Variants : IDisposable
    {
        private readonly SharedBottomNetwork plainNet, trainerNet;
        private readonly Parameter[] parameters;
        private readonly optim.Optimizer adam;
        private readonly TrainingStep step;
        private readonly Tensor x;
        private readonly Tensor[] y;
        private long stepIndex;

        public Variants(int batch)
        {
            List<TaskDefinition> tasks = BenchTasks.MultiFashion();
            manual_seed(0);
            plainNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            manual_seed(0);
            trainerNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            parameters = plainNet.parameters().ToArray();
            adam = optim.Adam(parameters, 1e-3);
            var options = new MultiHeadNetworkTrainer.Options { FeatureColumnName = "Image", Tasks = tasks, BatchSize = batch, MaxEpoch = 1, Seed = 1 };
            step = new TrainingStep(options, tasks, trainerNet, MethodRegistry.Create("ew"), 1, (_, _) => { });
            x = randn([batch, 1, 28, 28]).DetachFromDisposeScope();
            y = tasks.Select(_ => randint(0, 10, [batch]).DetachFromDisposeScope()).ToArray();
        }

        public double Time(int variant, int steps)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                if (variant == 4) step.Run(x, y, ++stepIndex, 1);
                else Plain(variant);
            }
            return sw.Elapsed.TotalMilliseconds / steps;
        }

        private void Plain(int level)
        {
            if (level >= 1) foreach (Parameter p in parameters) p.grad = null;
            adam.zero_grad();
            Tensor z = plainNet.Trunk.call(x);
            var losses = new Tensor[y.Length];
            for (int t = 0; t < y.Length; t++)
            {
                Tensor output = plainNet.Head(t).call(z);
                losses[t] = F.cross_entropy(output, y[t]);
                if (level >= 2)
                    using (no_grad()) _ = output.argmax(1).eq(y[t]).sum(ScalarType.Float64).item<double>();
            }
            if (level >= 3) _ = stack(losses.Select(l => l.detach().reshape(1)).ToArray()).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            (losses[0] + losses[1]).backward();
            adam.step();
        }

        public void Dispose()
        {
            step.Dispose();
            adam.Dispose();
            plainNet.Dispose();
            trainerNet.Dispose();
            x.Dispose();
            foreach (Tensor t in y) t.Dispose();
        }
    }
}
