using System.Runtime.InteropServices;

namespace Mtl.Trainers.Runtime;

/// <summary>
/// Two process-wide settings for libtorch on small CPU machines. A library must not change its host process on its own,
/// so nothing here runs unless an application calls <see cref="Apply"/> — first thing in <c>Main</c>, before anything
/// touches TorchSharp (the <c>mtl</c> app and the benchmarks do):
/// <list type="bullet">
/// <item><b>OpenMP spin</b>: libgomp lets idle workers spin for a long time after each parallel region; with one
/// intra-op thread per core that spinning takes the core from the main thread's serial work (autograd bookkeeping,
/// .NET code). <c>GOMP_SPINCOUNT=10000</c> shortens it. libgomp reads it when it loads, so it is set in the native
/// environment. Skipped when the user set <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c>, or <c>MTL_OMP_TUNING=0</c>.</item>
/// <item><b>malloc</b>: glibc serves large blocks with mmap and returns them with munmap, so a training loop that frees
/// and reallocates the same activations every step pays page faults and page zeroing each time (and a backward over a
/// retained graph allocates fresh large buffers per pass). Keeping blocks up to 32 MiB in the heap, and not trimming it
/// below 256 MiB, makes them reusable. Skipped with <c>MTL_MALLOC_TUNING=0</c>.</item>
/// </list>
/// Neither changes results. On a non-glibc system both are skipped.
/// </summary>
internal static class NativeRuntimeTuning
{
    private const int MallocTrimThreshold = -1;
    private const int MallocMmapThreshold = -3;

    /// <summary>Spin count given to libgomp.</summary>
    public const string OpenMpSpinCount = "10000";

    /// <summary>Largest block glibc keeps in its heap instead of mapping it (bytes).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Heap size below which glibc does not give memory back to the system (bytes).</summary>
    public const int TrimThreshold = 256 << 20;

    private static readonly Lock s_applyLock = new();

    /// <summary>What <see cref="Apply"/> applied in this process, or null when it has not been called.</summary>
    public static NativeTuningPlan? Applied { get; private set; }

    /// <summary>Which settings to apply, given the process environment (a pure decision, for tests).</summary>
    /// <param name="environment">Reads an environment variable (null when unset).</param>
    public static NativeTuningPlan Plan(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        bool openMp = environment("MTL_OMP_TUNING") != "0"
                      && environment("OMP_WAIT_POLICY") is null
                      && environment("GOMP_SPINCOUNT") is null;
        bool malloc = environment("MTL_MALLOC_TUNING") != "0";
        return new NativeTuningPlan(openMp, malloc);
    }

    /// <summary>
    /// Applies the settings that <see cref="Plan"/> chooses from the process environment, once per process (later calls
    /// return the first result). Call it at the start of an application's <c>Main</c>: libgomp reads its spin count when
    /// libtorch loads, so a call after the first use of TorchSharp only changes malloc. On a system without glibc both are
    /// skipped. Results do not change either way; only speed does.
    /// </summary>
    /// <returns>What was applied.</returns>
    public static NativeTuningPlan Apply()
    {
        lock (s_applyLock)
        {
            if (Applied is { } done) return done;
            bool openMp = false, malloc = false;
            if (OperatingSystem.IsLinux())
            {
                NativeTuningPlan plan = Plan(Environment.GetEnvironmentVariable);
                try
                {
                    if (plan.OpenMpSpin) openMp = setenv("GOMP_SPINCOUNT", OpenMpSpinCount, 0) == 0;
                    if (plan.Malloc) malloc = mallopt(MallocMmapThreshold, MmapThreshold) == 1 & mallopt(MallocTrimThreshold, TrimThreshold) == 1;
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    // Not glibc: keep the defaults.
                }
            }
            Applied = new NativeTuningPlan(openMp, malloc);
            return Applied;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}

/// <summary>Which of <see cref="NativeRuntimeTuning"/>'s settings are (to be) applied.</summary>
/// <param name="OpenMpSpin">GOMP_SPINCOUNT in the native environment.</param>
/// <param name="Malloc">glibc's mmap and trim thresholds.</param>
internal sealed record NativeTuningPlan(bool OpenMpSpin, bool Malloc);
