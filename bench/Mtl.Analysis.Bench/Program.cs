using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mtl.Analysis.Bench;
using static TorchSharp.torch;

// Analysis benchmarks, JSON out:
//   monitor  EW MultiLeNet on Multi-Fashion with and without the gradient-conflict monitor at its defaults (k = 5, n = 8),
//            paired repeats in alternating order; slowdown = monitored / plain training-step time   → bench/results/monitor.json
//   persample per-sample gradients on the MultiLeNet trunk for n = 8, 32, 128 and T = 2, 10: the per-layer engine vs the
//            one-row loop and a PyTorch 1.13 peer (functorch vmap and the loop), alternating rounds, on --threads threads
//            (default 1, as the monitor measures)                                                   → bench/results/persample.json
//   claims   what knowing the recorded runs costs a worker before each claim, with 20 and 20,000 lines of history:
//            the incremental reader vs parsing the whole results file (issue 18)          → bench/results/claims.json
//   plan     read, validate and plan a 10⁶-run grid (2 methods × 500 rates × 1,000 seeds): time, peak memory, plan size
//            (issue 18)                                                                   → bench/results/plan.json
//   profile  one monitored run: median milliseconds per measurement in the per-sample gradients vs the comparison (--out to keep it;
//            --threads-in-monitor measures on all threads, to compare with the monitor's one)
// Usage: dotnet run -c Release --project bench/Mtl.Analysis.Bench -- <monitor|profile|persample|claims|plan> [--rows N] [--epochs E] [--repeats R] [--threads N] [--out FILE]
if (args.Length > 0 && args[0] == "plan")
{
    string planOut = args.Length == 3 && args[1] == "--out" ? args[2] : "bench/results/plan.json";
    JsonObject figures = PlanBenchmark.Run(learningRates: 500, seeds: 1000);
    figures["machine"] = $"{Environment.ProcessorCount} cores; 1-minute load average {LoadAverage()}";
    figures["command"] = "dotnet run -c Release --project bench/Mtl.Analysis.Bench -- plan";
    figures["taken_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(planOut))!);
    File.WriteAllText(planOut, figures.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine(figures.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
if (args.Length > 0 && args[0] == "claims")
{
    string claimsOut = args.Length == 3 && args[1] == "--out" ? args[2] : "bench/results/claims.json";
    JsonObject claims = ClaimBenchmark.Run([20, 20_000], claims: 31);
    claims["machine"] = $"{Environment.ProcessorCount} cores; 1-minute load average {LoadAverage()}";
    claims["command"] = "dotnet run -c Release --project bench/Mtl.Analysis.Bench -- claims";
    claims["taken_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(claimsOut))!);
    File.WriteAllText(claimsOut, claims.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine(claims.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}
if (args.Length == 0 || args[0] is not ("monitor" or "profile" or "persample"))
{
    Console.Error.WriteLine("usage: Mtl.Analysis.Bench <monitor|profile|persample|claims|plan> [--rows N] [--epochs E] [--repeats R] [--threads N] [--out FILE]");
    return 2;
}
bool perSample = args[0] == "persample";
int threads = perSample ? 1 : Environment.ProcessorCount, rows = 12_000, epochs = 3, repeats = perSample ? 7 : 3;
bool allThreadsInMonitor = false;
string outPath = perSample ? "bench/results/persample.json" : "bench/results/monitor.json";
for (int i = 1; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--threads": threads = NextInt(); break;
        case "--rows": rows = NextInt(); break;
        case "--epochs": epochs = NextInt(); break;
        case "--repeats": repeats = NextInt(); break;
        case "--out": outPath = Next(); break;
        case "--threads-in-monitor": allThreadsInMonitor = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
// The process tuning the mtl app applies (OpenMP spin, malloc), before TorchSharp loads libtorch.
Mtl.Trainers.Runtime.NativeTuningPlan tuning = Mtl.Trainers.Runtime.NativeRuntimeTuning.Apply();
Console.WriteLine($"native tuning: OpenMP spin {tuning.OpenMpSpin}, malloc {tuning.Malloc}");
set_num_threads(threads);
string loadAtStart = LoadAverage();
JsonObject result = args[0] switch
{
    "monitor" => MonitorBenchmark.Run(rows, epochs, repeats),
    "persample" => PerSampleBenchmark.Run(repeats, threads),
    _ => MonitorBenchmark.Profile(rows, epochs, allThreadsInMonitor),
};
result["threads"] = threads;
result["machine"] = $"{Environment.ProcessorCount} cores; 1-minute load average {loadAtStart} at the start, {LoadAverage()} at the end";
result["native_tuning"] = $"OpenMP spin {tuning.OpenMpSpin}, malloc {tuning.Malloc}";
result["taken_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
File.WriteAllText(outPath, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"wrote {outPath}");
return 0;

// The machine is shared: the figures should say how busy it was.
static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
