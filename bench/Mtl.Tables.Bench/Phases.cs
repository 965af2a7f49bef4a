using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Mtl.Tables.Bench;

/// <summary>Times phases of one process and records, per phase, its peak resident memory and what it still holds after a full collection, both above the process baseline.</summary>
internal sealed class Phases
{
    private readonly long baseline;
    private readonly JsonArray phases = [];

    public Phases()
    {
        baseline = Memory.ResidentAfterCollect();
        Console.Error.WriteLine($"baseline resident {Memory.Mb(baseline)} MB");
    }

    /// <summary>Runs a phase that reads <paramref name="rows"/> rows.</summary>
    public T Run<T>(string name, long rows, Func<T> phase) => Run(name, phase, _ => rows);

    /// <summary>Runs a phase whose result is the number of rows it read.</summary>
    public long Run(string name, Func<long> phase) => Run(name, phase, n => n);

    private T Run<T>(string name, Func<T> phase, Func<T, long> rowsOf)
    {
        Memory.ResetPeak();
        var watch = Stopwatch.StartNew();
        T result = phase();
        double seconds = watch.Elapsed.TotalSeconds;
        long rows = rowsOf(result);
        long peak = Memory.Peak(), held = Memory.ResidentAfterCollect();
        var entry = new JsonObject
        {
            ["phase"] = name,
            ["rows"] = rows,
            ["seconds"] = Math.Round(seconds, 2),
            ["rows_per_second"] = Math.Round(rows / seconds),
            ["peak_rss_above_baseline_mb"] = Memory.Mb(peak - baseline),
            ["held_after_gc_above_baseline_mb"] = Memory.Mb(held - baseline),
            ["managed_heap_after_gc_mb"] = Memory.Mb(GC.GetGCMemoryInfo().HeapSizeBytes),
        };
        phases.Add(entry);
        Console.Error.WriteLine(entry.ToJsonString());
        return result;
    }

    public JsonObject ToJson() => new() { ["baseline_rss_mb"] = Memory.Mb(baseline), ["phases"] = phases };
}
