using System.Globalization;

namespace Mtl.Tables.Bench;

/// <summary>Resident memory of this process from /proc (Linux): now, and the peak since the last <see cref="ResetPeak"/>.</summary>
internal static class Memory
{
    public static long Resident() => Field("VmRSS:");

    public static long Peak() => Field("VmHWM:");

    /// <summary>Resets the peak (VmHWM) to the current resident size: writing 5 to /proc/self/clear_refs (Linux ≥ 4.0).</summary>
    public static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    /// <summary>Resident bytes after a full, compacting collection: what the process still holds, not garbage.</summary>
    public static long ResidentAfterCollect()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return Resident();
    }

    public static double Mb(long bytes) => Math.Round(bytes / 1e6, 1);

    private static long Field(string name)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"/proc/self/status has no {name} line; this benchmark needs Linux.");
    }
}
