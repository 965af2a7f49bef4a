using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mtl.Datasets;
using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using Mtl.Trainers;
using Mtl.Trainers.Data;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using static Mtl.Torch.torch;
using F = Mtl.Torch.torch.nn.functional;

// Epoch time of every MTL method relative to EW, on Multi-Fashion (T = 2) and on Fashion-MNIST one-vs-rest (T = 10),
// in both gradient modes; the Parameters-mode cost model (1 fwd + T bwd)/(1 fwd + 1 bwd); solver share of a step;
// and EW's epoch vs the same network and loop in PyTorch eager (python3-torch, same libtorch, same threads).
// Usage: dotnet run -c Release --project bench/Mtl.Trainers.Bench [-- --rows 10000 --methods ew,mgda --out bench/results/methods.json]
int rows = 10000, threads = Environment.ProcessorCount;
string? outPath = null;
string[]? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rows": rows = int.Parse(args[++i]); break;
        case "--threads": threads = int.Parse(args[++i]); break;
        case "--methods": only = args[++i].Split(','); break;
        case "--out": outPath = args[++i]; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
set_num_threads(threads);
var ml = new MLContext(1);
IDataView twoTasks = ml.Data.Cache(ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), rows));
IDataView tenTasks = ml.Data.Cache(OneVsRest(ml, rows));
string[] methods = only ?? MethodRegistry.Names.ToArray();

var json = new JsonObject { ["rows"] = rows, ["threads"] = threads };
foreach (var (name, data, tasks) in new[]
{
    ("Multi-Fashion T=2", twoTasks, new[] { "Left", "Right" }.Select(n => new TaskDefinition(n)).ToList()),
    ("Fashion one-vs-rest T=10", tenTasks, Enumerable.Range(0, 10).Select(k => new TaskDefinition($"Is{k}", kind: TaskKind.Binary)).ToList()),
})
{
    int t = tasks.Count;
    var (forwardMs, backwardMs) = ForwardBackwardMs(tasks);
    double costModel = (forwardMs + t * backwardMs) / (forwardMs + backwardMs);
    Console.WriteLine($"\n{name}: {rows} rows, batch 256; separately measured forward {forwardMs:F1} ms, backward {backwardMs:F1} ms → cost model {costModel:F2}× (the table's targets use each row's own paired forward/EW medians)");
    Console.WriteLine($"{"method",-16}{"mode",-16}{"epoch (s)",10}{"× EW",8}{"solver %",10}{"target",22}");
    Console.Out.Flush();
    // Each method is timed step by step, alternating with an EW trainer on the same batches, and compared by median
    // step time: on a shared machine whole runs vary by ±30%, while paired medians of the same batches do not drift.
    var section = new JsonObject { ["forward_ms"] = forwardMs, ["backward_ms"] = backwardMs, ["cost_model"] = costModel };
    using MaterializedData materialized = MaterializedData.Read(data, "Image", tasks, withLabels: true, "benchmark data");
    foreach (string method in methods)
    {
        MtlMethod probe = MethodRegistry.Create(method);
        foreach (GradientMode mode in new[] { GradientMode.Parameters, GradientMode.Representation })
        {
            if (probe is LossWeighting && mode == GradientMode.Representation) continue; // loss weightings have no gradient mode
            if (!probe.Supports(mode)) { Console.WriteLine($"{method,-16}{mode,-16}{"n/a",10}"); continue; }
            var (ewMs, methodMs, solverShare, fwdMs) = PairedStepTimes(materialized, tasks, method, mode);
            double ratio = methodMs / ewMs;
            // Cost model from the same paired run: an EW step is 1 fwd + 1 "backward" (backward + optimizer), so
            // (1 fwd + T bwd)/(1 fwd + 1 bwd) = (fwd + T·(ew − fwd))/ew.
            double rowModel = (fwdMs + t * (ewMs - fwdMs)) / ewMs;
            double epochSeconds = methodMs * Math.Ceiling(materialized.Count / 256.0) / 1000;
            string target = probe is LossWeighting ? "" : mode == GradientMode.Representation
                ? (t == 2 ? "≤ 1.25× EW" : "≤ 1.5× EW")
                : $"≤ {1.1 * rowModel:F2}× (1.1·model)";
            string modeText = probe is LossWeighting ? "-" : mode.ToString();
            Console.WriteLine($"{method,-16}{modeText,-16}{epochSeconds,10:F2}{ratio,8:F2}{solverShare * 100,10:F1}{target,22}");
            section[$"{method}/{modeText}"] = new JsonObject { ["epoch_s"] = epochSeconds, ["step_ms"] = methodMs, ["ew_step_ms"] = ewMs, ["forward_ms"] = fwdMs, ["ratio_to_ew"] = ratio, ["cost_model"] = rowModel, ["solver_share"] = solverShare };
        }
    }
    json[name] = section;
}

// EW vs PyTorch eager, T = 2, same rows and batch: three alternating rounds, best of each side.
var twoTaskDefs = new[] { "Left", "Right" }.Select(n => new TaskDefinition(n)).ToList();
double oursEw = double.MaxValue, peer = double.MaxValue;
for (int round = 0; round < 3; round++)
{
    oursEw = Math.Min(oursEw, Epoch(ml, twoTasks, twoTaskDefs, "ew", GradientMode.Parameters).seconds);
    peer = Math.Min(peer, Peer(threads, rows));
}
Console.WriteLine($"\nEW epoch, Multi-Fashion {rows} rows: C# {oursEw:F2} s, PyTorch eager {peer:F2} s, ratio {oursEw / peer:F2} (target ≤ 1.0)");
json["ew_vs_pytorch"] = new JsonObject { ["csharp_s"] = oursEw, ["pytorch_s"] = peer, ["ratio"] = oursEw / peer };
if (outPath is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    File.WriteAllText(outPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {outPath}");
}
return 0;

// Best of three epochs (the first one also warms up), and the share of the step time spent in the method's solver.
static (double seconds, double solverShare) Epoch(MLContext ml, IDataView data, List<TaskDefinition> tasks, string method, GradientMode mode)
{
    var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
    {
        FeatureColumnName = "Image",
        Tasks = tasks.Select(t => t.Clone()).ToList(),
        Method = method,
        GradientMode = mode,
        BatchSize = 256,
        MaxEpoch = 3,
        Seed = 1,
    });
    using var model = trainer.Fit(data);
    TrainingReport r = trainer.LastReport!;
    return (r.Epochs.Min(e => e.Seconds), r.SolverSeconds / r.TrainingSeconds);
}

// Median step time of EW and of a method, stepping the two alternately on the same seeded batches (fresh networks,
// same initialisation), after a warm-up; plus the share of the method's step time spent in its solver.
static (double ewMs, double methodMs, double solverShare, double forwardMs) PairedStepTimes(MaterializedData data, List<TaskDefinition> tasks, string method, GradientMode mode)
{
    const int warmup = 8, measured = 50, batch = 256;
    var resolved = tasks.Select(t => { var c = t.Clone(); if (c.Kind == TaskKind.Multiclass) c.ClassCount = 10; return c; }).ToList();
    MultiHeadNetworkTrainer.Options Options(string m) => new()
    {
        FeatureColumnName = "Image", Tasks = resolved, Method = m, GradientMode = mode, BatchSize = batch, MaxEpoch = 1, Seed = 1,
    };
    manual_seed(1);
    using var ewNet = new MultiHeadNetwork(TrunkSpec.MultiLeNet(), data.RowShape, resolved);
    manual_seed(1);
    using var methodNet = new MultiHeadNetwork(TrunkSpec.MultiLeNet(), data.RowShape, resolved);
    MtlMethod ewMethod = MethodRegistry.Create("ew"), theMethod = MethodRegistry.Create(method);
    ewMethod.Initialize(resolved.Count);
    theMethod.Initialize(resolved.Count);
    using var ewStep = new TrainingStep(Options("ew"), resolved, ewNet, ewMethod, 1, (_, _) => { });
    using var methodStep = new TrainingStep(Options(method), resolved, methodNet, theMethod, 1, (_, _) => { });
    long[] order = TrainingSession.Permutation(data.Count, 1, 1);
    var ewTimes = new List<double>();
    var methodTimes = new List<double>();
    var forwardTimes = new List<double>();
    int batches = (int)(data.Count / batch);
    double solverBefore = 0;
    for (int i = 0; i < warmup + measured; i++)
    {
        using var scope = NewDisposeScope();
        using Tensor index = tensor(order.AsSpan((i % batches) * batch, batch).ToArray());
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
        Tensor total = outs.Select((o, k) => TaskLosses.Loss(resolved[k], o, y[k])).Aggregate((a, b) => a + b);
        double fwd = sw.Elapsed.TotalMilliseconds;
        if (i >= warmup)
        {
            ewTimes.Add(ew);
            methodTimes.Add(mine);
            forwardTimes.Add(fwd);
        }
    }
    double Median(List<double> v) { v.Sort(); return v[v.Count / 2]; }
    double solverShare = (methodStep.SolverSeconds - solverBefore) * 1000 / methodTimes.Sum();
    return (Median(ewTimes), Median(methodTimes), solverShare, Median(forwardTimes));
}

// Median forward (trunk + T heads + losses) and median backward of the summed loss on the benchmark's own tasks, for the
// cost model (1 fwd + T bwd)/(1 fwd + 1 bwd). Medians, like the paired step timings they are compared with.
static (double forwardMs, double backwardMs) ForwardBackwardMs(List<TaskDefinition> tasks)
{
    var resolved = tasks.Select(t => { var c = t.Clone(); if (c.Kind == TaskKind.Multiclass) c.ClassCount = 10; return c; }).ToList();
    manual_seed(0);
    using var net = new MultiHeadNetwork(TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }, resolved);
    using var x = randn(new long[] { 256, 1, 28, 28 });
    using var classes = randint(0, 10, new long[] { 256 });
    using var binary = rand(new long[] { 256 }).gt(0.5).to_type(ScalarType.Float32);
    var forward = new List<double>();
    var backward = new List<double>();
    for (int rep = 0; rep < 40; rep++)
    {
        using var scope = NewDisposeScope();
        net.zero_grad();
        var sw = Stopwatch.StartNew();
        Tensor[] outs = net.call(x);
        Tensor loss = outs.Select((o, i) => TaskLosses.Loss(resolved[i], o, resolved[i].Kind == TaskKind.Multiclass ? classes : binary)).Aggregate((a, c) => a + c);
        double fwd = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        loss.backward();
        double bwd = sw.Elapsed.TotalMilliseconds;
        if (rep >= 5) { forward.Add(fwd); backward.Add(bwd); }
    }
    forward.Sort();
    backward.Sort();
    return (forward[forward.Count / 2], backward[backward.Count / 2]);
}

static double Peer(int threads, int rows)
{
    string script = Path.Combine(AppContext.BaseDirectory, "ew_epoch_peer.py");
    var psi = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" --threads {threads} --rows {rows} --batch 256 --tasks 2 --epochs 3")
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
    string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"The PyTorch peer failed (exit {p.ExitCode}); is python3-torch installed (scripts/bootstrap.sh)?\n{stderr}");
    return JsonNode.Parse(stdout.Trim().Split('\n')[^1])!["epoch_s"]!.GetValue<double>();
}

// Fashion-MNIST with ten binary tasks "is class k" (T = 10).
static IDataView OneVsRest(MLContext ml, int rows)
{
    IDataView attributes = MultiTaskDatasets.CreateFashionAttributes(DatasetSplit.Train).AsDataView();
    var source = ml.Data.CreateEnumerable<AttributeRow>(ml.Data.TakeRows(attributes, rows), reuseRowObject: false)
        .Select(r => new OneVsRestRow(r.Image, r.Class)).ToList();
    return ml.Data.LoadFromEnumerable(source);
}

sealed class AttributeRow
{
    [VectorType(1, 28, 28)]
    public float[] Image { get; set; } = Array.Empty<float>();

    [KeyType(10)]
    public uint Class { get; set; }
}

sealed class OneVsRestRow
{
    public OneVsRestRow() { }

    public OneVsRestRow(float[] image, uint key)
    {
        Image = image;
        int k = (int)key - 1;
        Is0 = k == 0; Is1 = k == 1; Is2 = k == 2; Is3 = k == 3; Is4 = k == 4;
        Is5 = k == 5; Is6 = k == 6; Is7 = k == 7; Is8 = k == 8; Is9 = k == 9;
    }

    [VectorType(1, 28, 28)]
    public float[] Image { get; set; } = Array.Empty<float>();
    public bool Is0 { get; set; }
    public bool Is1 { get; set; }
    public bool Is2 { get; set; }
    public bool Is3 { get; set; }
    public bool Is4 { get; set; }
    public bool Is5 { get; set; }
    public bool Is6 { get; set; }
    public bool Is7 { get; set; }
    public bool Is8 { get; set; }
    public bool Is9 { get; set; }
}
