using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Mtl.Trainers.Bench;
using static TorchSharp.torch;

// Trainer benchmarks, one section per command, JSON out:
//   step     EW MultiLeNet step through TrainingStep vs PyTorch 1.13 eager (batch 256 and 8)   → bench/results/step.json
//   architectures  each multi-task architecture's EW step (batch 256, vector input) vs the same architecture in PyTorch
//            1.13 eager, and UPGrad's Parameters-mode step relative to EW at T = 2 and 10 → bench/results/architectures.json
//   profile  where the EW trainer step's time goes beyond a plain TorchSharp loop (no JSON needed)
//   ops      where an EW MultiLeNet step's time goes op by op (wall and CPU time), against the sgemm roofline
//   methods  every method vs EW, T = 2 and T = 10, both gradient modes; cost model; solver share → bench/results/methods.json
//   scoring  rows/s of the fitted transformer (batched ONNX Runtime on the CPU) and of the reloaded zip (one ONNX Runtime call per row) → bench/results/scoring.json
// Usage: dotnet run -c Release --project bench/Mtl.Trainers.Bench -- <step|architectures|profile|ops|methods|scoring> [--threads N] [--out FILE]
//        step, architectures, profile, ops: [--rounds R] [--steps S]; methods: [--rows N] [--warmup W] [--measured M] [--methods ew,mgda] [--tasks 2,10] [--engine taps|plain] [--convolutions fast|libtorch] [--memory: only the Parameters-mode memory at T = 10, 40]; scoring: [--rows N] [--passes P]
if (args.Length == 0 || args[0] is not ("step" or "architectures" or "profile" or "ops" or "methods" or "scoring"))
{
    Console.Error.WriteLine("usage: Mtl.Trainers.Bench <step|architectures|profile|ops|methods|scoring> [options]; see the comment at the top of Program.cs");
    return 2;
}
string section = args[0];
int threads = Environment.ProcessorCount, rounds = 15, steps = 20, rows = 10_000, warmup = 8, measured = 40, passes = 3;
string? outPath = null;
string[]? methods = null;
int[] taskCounts = [2, 10];
bool layerTaps = true, memory = false, fastConvolutions = true;
for (int i = 1; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--threads": threads = NextInt(); break;
        case "--rounds": rounds = NextInt(); break;
        case "--steps": steps = NextInt(); break;
        case "--rows": rows = NextInt(); break;
        case "--warmup": warmup = NextInt(); break;
        case "--measured": measured = NextInt(); break;
        case "--passes": passes = NextInt(); break;
        case "--methods": methods = Next().Split(','); break;
        case "--memory": memory = true; break;
        case "--tasks": taskCounts = Next().Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
        case "--convolutions": fastConvolutions = Next() switch { "fast" => true, "libtorch" => false, var c => throw new ArgumentException($"--convolutions {c}: use fast or libtorch") }; break;
        case "--engine": layerTaps = Next() switch { "taps" => true, "plain" => false, var e => throw new ArgumentException($"--engine {e}: use taps or plain") }; break;
        case "--out": outPath = Next(); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
// The process tuning the mtl app applies (OpenMP spin, malloc), before TorchSharp loads libtorch.
Mtl.Trainers.Runtime.NativeTuningPlan tuning = Mtl.Trainers.Runtime.NativeRuntimeTuning.Apply();
Console.WriteLine($"native tuning: OpenMP spin {tuning.OpenMpSpin}, malloc {tuning.Malloc}");
set_num_threads(threads);
string loadAtStart = LoadAverage();
var ml = new MLContext(1);
JsonObject result = section switch
{
    "step" => StepBenchmark.Run(threads, rounds, steps),
    "architectures" => ArchitecturesBenchmark.Run(threads, rounds, steps),
    "profile" => StepProfile.Run(rounds, steps),
    "ops" => OpProfile.Run(threads, rounds, steps),
    "methods" when memory => new JsonObject { ["plain"] = MethodsBenchmark.Memory(false), ["taps"] = MethodsBenchmark.Memory(true) },
    "methods" => MethodsBenchmark.Run(ml, rows, warmup, measured, methods, taskCounts, layerTaps, fastConvolutions),
    _ => ScoringBenchmark.Run(ml, rows, passes),
};
result["threads"] = threads;
result["machine"] = $"{Environment.ProcessorCount} cores; 1-minute load average {loadAtStart} at the start, {LoadAverage()} at the end";
result["native_tuning"] = $"OpenMP spin {tuning.OpenMpSpin}, malloc {tuning.Malloc}";
result["taken_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture);
if (outPath is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    File.WriteAllText(outPath, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {outPath}");
}
return 0;

// The 1-minute load average: the benchmarks share 2 cores with whatever else runs, and the figures should say so.
static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
