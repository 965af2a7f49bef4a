using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Data;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Trainers.Bench;

/// <summary>
/// Step time of every MTL method relative to EW on Multi-Fashion (T = 2) and on Fashion-MNIST one-vs-rest (T = 10), in
/// both gradient modes, through the trainer's <see cref="TrainingStep"/>. Each method is stepped alternately with an EW
/// step on the same batches (fresh networks, same initialisation) and compared by median step time: on a shared machine
/// whole runs vary by ±30%, paired medians of the same batches do not drift. Also the Parameters-mode cost model
/// (1 fwd + T bwd)/(1 fwd + 1 bwd) from the same paired run, and the share of a step spent in the method's solver.
/// </summary>
internal static class MethodsBenchmark
{
    private const int Batch = 256;

    /// <param name="ml">The ML.NET context.</param>
    /// <param name="rows">Rows of each data set.</param>
    /// <param name="warmup">Paired steps before the measured ones.</param>
    /// <param name="measured">Paired steps measured.</param>
    /// <param name="only">Methods to run (null: all).</param>
    /// <param name="taskCounts">Sections to run: 2 (Multi-Fashion) and/or 10 (one-vs-rest).</param>
    /// <param name="layerTaps">False times Parameters mode with T plain passes (the engine before <c>LayerTaps</c>), for before/after figures.</param>
    /// <param name="fastConvolutions">False keeps libtorch's convolution backward in both steps (before <c>ConvolutionBackward</c>).</param>
    public static JsonObject Run(MLContext ml, int rows, int warmup, int measured, string[]? only, int[] taskCounts, bool layerTaps, bool fastConvolutions = true)
    {
        string[] methods = only ?? MethodRegistry.Names.ToArray();
        var json = new JsonObject
        {
            ["rows"] = rows, ["batch"] = Batch, ["warmup_steps"] = warmup, ["measured_steps"] = measured,
            ["parameters_engine"] = layerTaps ? "layer taps (batched weight gradients)" : "plain passes (before issue 22 item 3)",
            ["convolution_backward"] = fastConvolutions ? "ConvolutionBackward (weight gradient as a forward convolution)" : "libtorch's",
        };
        var sections = new List<(string, Func<IDataView>, List<TaskDefinition>)>();
        if (taskCounts.Contains(2))
            sections.Add(("Multi-Fashion T=2", () => ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), rows), BenchTasks.MultiFashion()));
        if (taskCounts.Contains(10))
            sections.Add(("Fashion one-vs-rest T=10", () => OneVsRestData.Create(ml, rows), BenchTasks.OneVsRest()));
        foreach (var (name, load, tasks) in sections)
        {
            IDataView data = load();
            using MaterializedData materialized = MaterializedData.Read(data, "Image", tasks, withLabels: true, "benchmark data");
            int t = tasks.Count;
            Console.WriteLine($"\n{name}: {materialized.Count} rows, batch {Batch}, {measured} paired steps after {warmup} warm-up");
            Console.WriteLine($"{"method",-16}{"mode",-16}{"step (ms)",10}{"EW (ms)",9}{"× EW",7}{"model",7}{"solver %",10}{"target",28}{"",6}");
            Console.Out.Flush();
            var section = new JsonObject { ["tasks"] = t };
            // The docs' table, written from the same values (reading the console's fixed columns back garbled rows).
            var markdown = new List<string> { "| method | mode | step (ms) | EW (ms) | × EW | cost model | solver % | target | met |", "|---|---|---|---|---|---|---|---|---|" };
            foreach (string method in methods)
            {
                MethodRequirements needs = MethodRegistry.Create(method).Requirements;
                // A loss weighting backpropagates one combined loss: the gradient mode does not change its step.
                bool lossOnly = needs.Gradients == GradientNeed.CombinedLoss;
                foreach (GradientMode mode in lossOnly ? [GradientMode.Parameters] : new[] { GradientMode.Parameters, GradientMode.Representation })
                {
                    string modeText = lossOnly ? "-" : mode.ToString();
                    if (!needs.Supports(mode))
                    {
                        Console.WriteLine($"{method,-16}{modeText,-16}{"n/a",10}");
                        markdown.Add($"| {method} | {modeText} | n/a | | | | | | |");
                        continue;
                    }
                    Paired p = PairedStepTimes(materialized, tasks, method, mode, warmup, measured, layerTaps, fastConvolutions);
                    double ratio = p.MethodMs / p.EwMs;
                    // An EW step is 1 fwd + 1 "backward" (backward + optimizer), so (1 fwd + T bwd)/(1 fwd + 1 bwd) = (fwd + T·(ew − fwd))/ew.
                    double costModel = (p.ForwardMs + t * (p.EwMs - p.ForwardMs)) / p.EwMs;
                    (string target, bool met) = Target(lossOnly, mode, t, ratio, costModel);
                    Console.WriteLine($"{method,-16}{modeText,-16}{p.MethodMs,10:F2}{p.EwMs,9:F2}{ratio,7:F2}{costModel,7:F2}{p.SolverShare * 100,10:F1}{target,28}{(target.Length == 0 ? "" : met ? "  ok" : "  MISS"),6}");
                    Console.Out.Flush();
                    markdown.Add(FormattableString.Invariant(
                        $"| {method} | {modeText} | {p.MethodMs:F2} | {p.EwMs:F2} | {ratio:F2} | {costModel:F2} | {p.SolverShare * 100:F1} | {target} | {(target.Length == 0 ? "" : met ? "yes" : "**no**")} |"));
                    section[$"{method}/{modeText}"] = new JsonObject
                    {
                        ["step_ms"] = p.MethodMs, ["ew_step_ms"] = p.EwMs, ["forward_ms"] = p.ForwardMs, ["ratio_to_ew"] = ratio,
                        ["cost_model"] = costModel, ["solver_share"] = p.SolverShare, ["target"] = target, ["target_met"] = target.Length == 0 ? null : met,
                    };
                }
            }
            json[name] = section;
            Console.WriteLine($"\n**{name}** ({materialized.Count} rows, batch {Batch}) as a markdown table:\n");
            foreach (string line in markdown) Console.WriteLine(line);
        }
        return json;
    }

    /// <summary>
    /// Memory of a Parameters-mode UPGrad step with MultiLeNet at T = 10 and T = 40 (random 28×28 batch of 256, binary tasks),
    /// for the plain passes and the layer taps: the process's peak resident set during one step above its resident set
    /// just before (Linux: VmHWM after resetting it through /proc/self/clear_refs, minus VmRSS, after 3 warm-up steps and a
    /// malloc_trim that returns the allocator's free pages, so the figure is what the step itself allocates at its peak), and the sizes of the step's large buffers: the stacked
    /// per-task gradients J (T × D floats, both engines) and the taps' δ buffers and unfolded inputs.
    /// </summary>
    public static JsonObject Memory(bool layerTaps)
    {
        var json = new JsonObject
        {
            ["engine"] = layerTaps ? "layer taps" : "plain passes",
            ["measured_as"] = "VmHWM − VmRSS over one step (peak reset by writing 5 to /proc/self/clear_refs; malloc_trim(0) just before), after 3 warm-up steps; MiB",
        };
        Console.WriteLine($"\nParameters-mode memory (upgrad, MultiLeNet, batch {Batch}, {(layerTaps ? "layer taps" : "plain passes")}):");
        foreach (int t in new[] { 10, 40 })
        {
            List<TaskDefinition> tasks = Enumerable.Range(0, t).Select(k => new TaskDefinition($"T{k}", kind: TaskKind.Binary)).ToList();
            manual_seed(1);
            using var network = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), [1, 28, 28], tasks);
            var options = new MultiHeadNetworkTrainer.Options { Tasks = tasks, Method = "upgrad", GradientMode = GradientMode.Parameters, BatchSize = Batch, MaxEpoch = 1, Seed = 1 };
            using var step = new TrainingStep(options, tasks, network, MethodRegistry.Create("upgrad"), 1, (_, _) => { }, layerTaps);
            double peak = 0;
            for (int i = 1; i <= 4; i++)
            {
                using var scope = NewDisposeScope();
                Tensor x = randn(Batch, 1, 28, 28);
                Tensor[] y = tasks.Select(_ => randint(0, 2, [Batch]).to_type(ScalarType.Float32)).ToArray();
                // Free heap pages go back to the system first, so the peak counts what the step itself allocates.
                if (i == 4) malloc_trim(0);
                bool measuring = i == 4 && ResetPeak();
                long before = StatusKiB("VmRSS");
                step.Run(x, y, i, 1);
                if (measuring) peak = (StatusKiB("VmHWM") - before) / 1024.0;
            }
            long shared = network.SharedParameters().Sum(p => p.numel());
            double jacobian = t * shared * 4 / 1048576.0;
            // The taps' δ buffers outlive the step (kept for the next one), so the resident set before the step holds them.
            double kept = step.KeptTapBufferBytes / 1048576.0;
            Console.WriteLine($"  T = {t}: step peak above the resident set before it {peak,7:F1} MiB, + δ buffers kept between steps {kept,6:F1} MiB; J = {t} × {shared} floats = {jacobian:F1} MiB");
            json[$"T={t}"] = new JsonObject { ["step_peak_mib"] = peak, ["kept_between_steps_mib"] = kept, ["jacobian_mib"] = jacobian, ["shared_parameters"] = shared };
        }
        return json;

        static bool ResetPeak()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        [System.Runtime.InteropServices.DllImport("libc.so.6")]
        static extern int malloc_trim(nuint pad);

        static long StatusKiB(string field) =>
            File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field + ":", StringComparison.Ordinal))
                .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
    }

    // Representation ≤ 1.25× EW (T = 2) / 1.5× (T = 10); Parameters ≤ 1.1 × cost model, and ≤ 3.5× EW at T = 10 (issue 22).
    private static (string text, bool met) Target(bool lossOnly, GradientMode mode, int tasks, double ratio, double costModel)
    {
        if (lossOnly) return ("", true);
        if (mode == GradientMode.Representation)
        {
            double limit = tasks == 2 ? 1.25 : 1.5;
            return ($"≤ {limit}× EW", ratio <= limit);
        }
        double modelLimit = 1.1 * costModel;
        return tasks >= 10
            ? ($"≤ {Math.Min(modelLimit, 3.5):F2}× (1.1·model, 3.5×)", ratio <= modelLimit && ratio <= 3.5)
            : ($"≤ {modelLimit:F2}× (1.1·model)", ratio <= modelLimit);
    }

    private sealed record Paired(double EwMs, double MethodMs, double SolverShare, double ForwardMs);

    private static Paired PairedStepTimes(MaterializedData data, List<TaskDefinition> tasks, string method, GradientMode mode, int warmup, int measured, bool layerTaps, bool fastConvolutions)
    {
        MultiHeadNetworkTrainer.Options Options(string m) => new()
        {
            FeatureColumnName = "Image", Tasks = tasks, Method = m, GradientMode = mode, BatchSize = Batch, MaxEpoch = 1, Seed = 1,
        };
        manual_seed(1);
        using var ewNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), data.RowShape, tasks);
        manual_seed(1);
        using var methodNet = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), data.RowShape, tasks);
        MtlMethod ewMethod = MethodRegistry.Create("ew"), theMethod = MethodRegistry.Create(method);
        ewMethod.Initialize(tasks.Count);
        theMethod.Initialize(tasks.Count);
        using var ewStep = new TrainingStep(Options("ew"), tasks, ewNet, ewMethod, 1, (_, _) => { }, layerTaps: true, fastConvolutions);
        using var methodStep = new TrainingStep(Options(method), tasks, methodNet, theMethod, 1, (_, _) => { }, layerTaps, fastConvolutions);
        long[] order = TrainingSession.Permutation(data.Count, 1, 1);
        var ewTimes = new List<double>();
        var methodTimes = new List<double>();
        var forwardTimes = new List<double>();
        int batches = (int)(data.Count / Batch);
        double solverBefore = 0;
        for (int i = 0; i < warmup + measured; i++)
        {
            using var scope = NewDisposeScope();
            using Tensor index = tensor(order.AsSpan((i % batches) * Batch, Batch).ToArray());
            Tensor x = data.Features.index_select(0, index);
            Tensor[] y = data.Labels.Select(l => l.index_select(0, index)).ToArray();
            if (i == warmup) solverBefore = methodStep.SolverSeconds;
            var sw = Stopwatch.StartNew();
            ewStep.Run(x, y, i + 1, 1);
            double ew = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            methodStep.Run(x, y, i + 1, 1);
            double mine = sw.Elapsed.TotalMilliseconds;
            // The forward alone (trunk, heads, losses, graph recorded) on the same batch, for the cost model.
            sw.Restart();
            Tensor[] outs = ewNet.call(x);
            _ = outs.Select((o, k) => TaskLosses.Loss(tasks[k], o, y[k])).Aggregate((a, b) => a + b);
            double fwd = sw.Elapsed.TotalMilliseconds;
            if (i >= warmup)
            {
                ewTimes.Add(ew);
                methodTimes.Add(mine);
                forwardTimes.Add(fwd);
            }
        }
        double solverShare = (methodStep.SolverSeconds - solverBefore) * 1000 / methodTimes.Sum();
        return new Paired(Statistics.Median(ewTimes), Statistics.Median(methodTimes), solverShare, Statistics.Median(forwardTimes));
    }
}
