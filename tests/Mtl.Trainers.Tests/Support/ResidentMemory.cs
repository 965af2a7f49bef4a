using System.Globalization;

namespace Mtl.Trainers.Tests.Support;

/// <summary>The process's resident set, for tests that native memory stays flat over long runs.</summary>
public static class ResidentMemory
{
    /// <summary>VmRSS of this process in bytes (Linux).</summary>
    public static long Bytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("/proc/self/status has no VmRSS line; this test needs Linux.");
    }

    /// <summary>VmRSS after a full collection and the finalizers it queued (tensors and ONNX Runtime values release native memory there).</summary>
    public static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Bytes();
    }
}
