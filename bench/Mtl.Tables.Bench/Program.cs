using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Tables.Bench;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

// Scale of `mtl train --data` (issue 16, item 7), JSON out:
//   scale [--rows N] [--file PATH] [--out FILE]   writes the CSV (unless PATH exists), then runs each side in its own
//                                                 process (clean peak memory) and writes both sides' phases.
//   generate [--rows N] [--file PATH]   only writes the CSV
//   ours --file PATH       TableSchema.Infer → preprocessing (fitted, every training row read once) → TablePipeline.Fit, one epoch
//   lightgbm --file PATH   LoadFromTextFile (every row read once) → one LightGbm per task (rows with the label missing filtered)
// Usage: dotnet run -c Release --project bench/Mtl.Tables.Bench -- scale --out bench/results/scale-issue16.json
if (args.Length == 0 || args[0] is not ("scale" or "ours" or "lightgbm" or "generate"))
{
    Console.Error.WriteLine("usage: Mtl.Tables.Bench scale [--rows N] [--file PATH] [--out FILE]; see the comment at the top of Program.cs");
    return 2;
}
int rows = 1_000_000;
string file = Path.Combine(Path.GetTempPath(), "mtl-scale-1m.csv");
string? outPath = null;
for (int i = 1; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--rows": rows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--file": file = Next(); break;
        case "--out": outPath = Next(); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}
const double TestFraction = 0.2;

switch (args[0])
{
    case "ours":
        Console.WriteLine("RESULT " + Ours(file).ToJsonString());
        return 0;
    case "lightgbm":
        Console.WriteLine("RESULT " + LightGbm(file).ToJsonString());
        return 0;
}

string load = LoadAverage();
if (!File.Exists(file) || args[0] == "generate")
{
    var watch = Stopwatch.StartNew();
    SyntheticTable.Write(file, rows);
    Console.WriteLine($"wrote {file}: {rows} rows, {new FileInfo(file).Length / 1e6:F0} MB in {watch.Elapsed.TotalSeconds:F0} s");
}
if (args[0] == "generate") return 0;
long fileRows = File.ReadLines(file).LongCount() - 1;
var result = new JsonObject
{
    ["file"] = file,
    ["rows"] = fileRows,
    ["columns"] = SyntheticTable.Features + SyntheticTable.Labels.Length,
    ["file_mb"] = Math.Round(new FileInfo(file).Length / 1e6, 1),
    ["raw_float_data_mb"] = Math.Round(fileRows * (SyntheticTable.Features + SyntheticTable.Labels.Length) * 4 / 1e6, 1),
    ["test_fraction"] = TestFraction,
    ["ours"] = Child("ours"),
    ["lightgbm"] = Child("lightgbm"),
    ["machine"] = $"{Environment.ProcessorCount} cores shared with other jobs; 1-minute load average {load} at the start, {LoadAverage()} at the end",
    ["taken_utc"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture),
};
double limit = 2 * result["raw_float_data_mb"]!.GetValue<double>();
double ourPeak = result["ours"]!["phases"]!.AsArray().Max(p => p!["peak_rss_above_baseline_mb"]!.GetValue<double>());
result["requirement"] = $"our peak above the process baseline ≤ 2 × raw float data = {limit} MB: {(ourPeak <= limit ? "met" : "NOT met")} ({ourPeak} MB)";
Console.WriteLine(result["requirement"]);
if (outPath is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
    File.WriteAllText(outPath, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {outPath}");
}
return 0;

// One side in a fresh process of this program: its last "RESULT {json}" line.
JsonNode Child(string side)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(Phases).Assembly.Location);
    foreach (string a in new[] { side, "--file", file }) start.ArgumentList.Add(a);
    using Process process = Process.Start(start)!;
    string output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    string? line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
    if (process.ExitCode != 0 || line is null) throw new InvalidOperationException($"the '{side}' process failed (exit {process.ExitCode}):\n{output}");
    return JsonNode.Parse(line["RESULT ".Length..])!;
}

// Our path, as `mtl train --data FILE --label cls --label flag --label target --epochs 1` runs it.
static JsonObject Ours(string file)
{
    Mtl.Trainers.Runtime.NativeRuntimeTuning.Apply();
    using (TorchSharp.torch.zeros(1)) { } // libtorch loaded before the baseline
    var ml = new MLContext(1);
    var phases = new Phases();
    var read = new TableReadOptions { Labels = SyntheticTable.Labels.Select(l => LabelRequest.Parse(l)).ToList() };
    TableSchema schema = phases.Run("schema inference (TableSchema.Infer)", File.ReadLines(file).LongCount() - 1, () => TableSchema.Infer(file, read));
    IDataView all = TablePipeline.Load(ml, schema, file);
    DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(all, TestFraction, seed: 1);
    string features = TablePipeline.FeatureColumnName(schema);
    long trainRows = phases.Run("preprocessing (fit, then every training row transformed)", () =>
    {
        ITransformer prepared = TablePipeline.CreatePreprocessing(ml, schema, split.TrainSet, features).Fit(split.TrainSet);
        long n = 0;
        IDataView transformed = prepared.Transform(split.TrainSet);
        using DataViewRowCursor cursor = transformed.GetRowCursor([transformed.Schema[features]]);
        ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(transformed.Schema[features]);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext()) { get(ref buffer); n++; }
        return n;
    });
    var config = new TrainingConfig { Epochs = 1, Seed = 1 };
    TableModel model = phases.Run("one epoch (TablePipeline.Fit: preprocessing, materialisation, 1 epoch, validation)", trainRows,
        () => TablePipeline.Fit(ml, schema, split.TrainSet, config, seed: 1));
    JsonObject json = phases.ToJson();
    json["training_rows"] = trainRows;
    json["selected_epoch_validation"] = model.Network.TrainingReport?.SelectedEpoch;
    model.Network.Dispose();
    return json;
}

// ML.NET's own single-task path on the same file: LoadFromTextFile, then LightGbm (default options) per task.
static JsonObject LightGbm(string file)
{
    // The same process tuning as our side: LightGbm's OpenMP threads spin as libtorch's do (GOMP_SPINCOUNT).
    Mtl.Trainers.Runtime.NativeRuntimeTuning.Apply();
    var ml = new MLContext(1);
    var phases = new Phases();
    int f = SyntheticTable.Features;
    IDataView all = ml.Data.LoadFromTextFile(file, [
        new TextLoader.Column("Features", DataKind.Single, 0, f - 1),
        new TextLoader.Column("cls", DataKind.Single, f),
        new TextLoader.Column("flag", DataKind.Single, f + 1),
        new TextLoader.Column("target", DataKind.Single, f + 2),
    ], separatorChar: ',', hasHeader: true);
    DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(all, TestFraction, seed: 1);
    long trainRows = phases.Run("LoadFromTextFile (every training row read)", () =>
    {
        long n = 0;
        using DataViewRowCursor cursor = split.TrainSet.GetRowCursor(split.TrainSet.Schema);
        ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(split.TrainSet.Schema["Features"]);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext()) { get(ref buffer); n++; }
        return n;
    });
    IDataView Labelled(string label) => ml.Data.FilterRowsByMissingValues(split.TrainSet, label);
    phases.Run("LightGbm multiclass (cls)", trainRows, () => ml.Transforms.Conversion.MapValueToKey("cls")
        .Append(ml.MulticlassClassification.Trainers.LightGbm("cls", "Features")).Fit(Labelled("cls")));
    phases.Run("LightGbm binary (flag)", trainRows, () => ml.Transforms.Conversion.ConvertType("flag", outputKind: DataKind.Boolean)
        .Append(ml.BinaryClassification.Trainers.LightGbm("flag", "Features")).Fit(Labelled("flag")));
    phases.Run("LightGbm regression (target)", trainRows, () => ml.Regression.Trainers.LightGbm("target", "Features").Fit(Labelled("target")));
    JsonObject json = phases.ToJson();
    json["training_rows"] = trainRows;
    return json;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
