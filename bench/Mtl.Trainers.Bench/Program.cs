using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mtl.Datasets;
using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using Mtl.Trainers;
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
    var (forwardMs, backwardMs) = ForwardBackwardMs(t);
    double costModel = (forwardMs + t * backwardMs) / (forwardMs + backwardMs);
    Console.WriteLine($"\n{name}: {rows} rows, batch 256; forward {forwardMs:F1} ms, backward {backwardMs:F1} ms → Parameters-mode cost model {costModel:F2}×");
    Console.WriteLine($"{"method",-16}{"mode",-16}{"epoch (s)",10}{"× EW",8}{"solver %",10}{"target",22}");
    double ew = Epoch(ml, data, tasks, "ew", GradientMode.Parameters).seconds;
    var section = new JsonObject { ["forward_ms"] = forwardMs, ["backward_ms"] = backwardMs, ["cost_model"] = costModel, ["ew_epoch_s"] = ew };
    foreach (string method in methods)
    {
        MtlMethod probe = MethodRegistry.Create(method);
        foreach (GradientMode mode in new[] { GradientMode.Parameters, GradientMode.Representation })
        {
            if (probe is LossWeighting && mode == GradientMode.Representation) continue; // loss weightings have no gradient mode
            if (!probe.Supports(mode)) { Console.WriteLine($"{method,-16}{mode,-16}{"n/a",10}"); continue; }
            var (seconds, solverShare) = method == "ew" ? (ew, 0.0) : Epoch(ml, data, tasks, method, mode);
            double ratio = seconds / ew;
            string target = probe is LossWeighting ? "" : mode == GradientMode.Representation
                ? (t == 2 ? "≤ 1.25× EW" : "≤ 1.5× EW")
                : $"≤ {1.1 * costModel:F2}× (1.1·model)";
            Console.WriteLine($"{method,-16}{(probe is LossWeighting ? "-" : mode.ToString()),-16}{seconds,10:F2}{ratio,8:F2}{solverShare * 100,10:F1}{target,22}");
            section[$"{method}/{mode}"] = new JsonObject { ["epoch_s"] = seconds, ["ratio_to_ew"] = ratio, ["solver_share"] = solverShare };
        }
    }
    json[name] = section;
}

// EW vs PyTorch eager, T = 2, same rows and batch.
double oursEw = Epoch(ml, twoTasks, new[] { "Left", "Right" }.Select(n => new TaskDefinition(n)).ToList(), "ew", GradientMode.Parameters).seconds;
double peer = Peer(threads, rows);
Console.WriteLine($"\nEW epoch, Multi-Fashion {rows} rows: C# {oursEw:F2} s, PyTorch eager {peer:F2} s, ratio {oursEw / peer:F2} (target ≤ 1.0)");
json["ew_vs_pytorch"] = new JsonObject { ["csharp_s"] = oursEw, ["pytorch_s"] = peer, ["ratio"] = oursEw / peer };
if (outPath is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    File.WriteAllText(outPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {outPath}");
}
return 0;

// Best of two epochs (the first one also warms up), and the share of the step time spent in the method's solver.
static (double seconds, double solverShare) Epoch(MLContext ml, IDataView data, List<TaskDefinition> tasks, string method, GradientMode mode)
{
    var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
    {
        FeatureColumnName = "Image",
        Tasks = tasks.Select(t => t.Clone()).ToList(),
        Method = method,
        GradientMode = mode,
        BatchSize = 256,
        MaxEpoch = 2,
        Seed = 1,
    });
    using var model = trainer.Fit(data);
    TrainingReport r = trainer.LastReport!;
    return (r.Epochs.Min(e => e.Seconds), r.SolverSeconds / r.TrainingSeconds);
}

// Forward (trunk + T heads + losses) and one backward of the summed loss, for the cost model.
static (double forwardMs, double backwardMs) ForwardBackwardMs(int tasks)
{
    manual_seed(0);
    var defs = Enumerable.Range(0, tasks).Select(i => new TaskDefinition($"t{i}") { ClassCount = 10 }).ToList();
    using var net = new MultiHeadNetwork(TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }, defs);
    using var x = randn(new long[] { 256, 1, 28, 28 });
    using var y = randint(0, 10, new long[] { 256 });
    double f = double.MaxValue, b = double.MaxValue;
    for (int rep = 0; rep < 20; rep++)
    {
        using var scope = NewDisposeScope();
        net.zero_grad();
        var sw = Stopwatch.StartNew();
        Tensor[] outs = net.call(x);
        Tensor loss = outs.Select(o => F.cross_entropy(o, y)).Aggregate((a, c) => a + c);
        double fwd = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        loss.backward();
        double bwd = sw.Elapsed.TotalMilliseconds;
        if (rep >= 3) { f = Math.Min(f, fwd); b = Math.Min(b, bwd); }
    }
    return (f, b);
}

static double Peer(int threads, int rows)
{
    string script = Path.Combine(AppContext.BaseDirectory, "ew_epoch_peer.py");
    var psi = new ProcessStartInfo("/usr/bin/python3", $"\"{script}\" --threads {threads} --rows {rows} --batch 256 --tasks 2 --epochs 2")
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
