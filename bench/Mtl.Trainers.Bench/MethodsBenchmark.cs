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

    public static JsonObject Run(MLContext ml, int rows, int warmup, int measured, string[]? only)
    {
        string[] methods = only ?? MethodRegistry.Names.ToArray();
        var json = new JsonObject { ["rows"] = rows, ["batch"] = Batch, ["warmup_steps"] = warmup, ["measured_steps"] = measured };
        foreach (var (name, data, tasks) in new[]
        {
            ("Multi-Fashion T=2", ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), rows), BenchTasks.MultiFashion()),
            ("Fashion one-vs-rest T=10", OneVsRestData.Create(ml, rows), BenchTasks.OneVsRest()),
        })
        {
            using MaterializedData materialized = MaterializedData.Read(data, "Image", tasks, withLabels: true, "benchmark data");
            int t = tasks.Count;
            Console.WriteLine($"\n{name}: {materialized.Count} rows, batch {Batch}, {measured} paired steps after {warmup} warm-up");
            Console.WriteLine($"{"method",-16}{"mode",-16}{"step (ms)",10}{"EW (ms)",9}{"× EW",7}{"model",7}{"solver %",10}{"target",28}{"",6}");
            Console.Out.Flush();
            var section = new JsonObject { ["tasks"] = t };
            foreach (string method in methods)
            {
                MethodRequirements needs = MethodRegistry.Create(method).Requirements;
                // A loss weighting backpropagates one combined loss: the gradient mode does not change its step.
                bool lossOnly = needs.Gradients == GradientNeed.CombinedLoss;
                foreach (GradientMode mode in lossOnly ? [GradientMode.Parameters] : new[] { GradientMode.Parameters, GradientMode.Representation })
                {
                    string modeText = lossOnly ? "-" : mode.ToString();
                    if (!needs.Supports(mode)) { Console.WriteLine($"{method,-16}{modeText,-16}{"n/a",10}"); continue; }
                    Paired p = PairedStepTimes(materialized, tasks, method, mode, warmup, measured);
                    double ratio = p.MethodMs / p.EwMs;
                    // An EW step is 1 fwd + 1 "backward" (backward + optimizer), so (1 fwd + T bwd)/(1 fwd + 1 bwd) = (fwd + T·(ew − fwd))/ew.
                    double costModel = (p.ForwardMs + t * (p.EwMs - p.ForwardMs)) / p.EwMs;
                    (string target, bool met) = Target(lossOnly, mode, t, ratio, costModel);
                    Console.WriteLine($"{method,-16}{modeText,-16}{p.MethodMs,10:F2}{p.EwMs,9:F2}{ratio,7:F2}{costModel,7:F2}{p.SolverShare * 100,10:F1}{target,28}{(target.Length == 0 ? "" : met ? "  ok" : "  MISS"),6}");
                    Console.Out.Flush();
                    section[$"{method}/{modeText}"] = new JsonObject
                    {
                        ["step_ms"] = p.MethodMs, ["ew_step_ms"] = p.EwMs, ["forward_ms"] = p.ForwardMs, ["ratio_to_ew"] = ratio,
                        ["cost_model"] = costModel, ["solver_share"] = p.SolverShare, ["target"] = target, ["target_met"] = target.Length == 0 ? null : met,
                    };
                }
            }
            json[name] = section;
        }
        return json;
    }

    // Representation ≤ 1.25× EW (T = 2) / 1.5× (T = 10); Parameters ≤ 1.1 × cost model, and ≤ 4× EW at T = 10.
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
            ? ($"≤ {Math.Min(modelLimit, 4):F2}× (1.1·model, 4×)", ratio <= modelLimit && ratio <= 4)
            : ($"≤ {modelLimit:F2}× (1.1·model)", ratio <= modelLimit);
    }

    private sealed record Paired(double EwMs, double MethodMs, double SolverShare, double ForwardMs);

    private static Paired PairedStepTimes(MaterializedData data, List<TaskDefinition> tasks, string method, GradientMode mode, int warmup, int measured)
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
        using var ewStep = new TrainingStep(Options("ew"), tasks, ewNet, ewMethod, 1, (_, _) => { });
        using var methodStep = new TrainingStep(Options(method), tasks, methodNet, theMethod, 1, (_, _) => { });
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
