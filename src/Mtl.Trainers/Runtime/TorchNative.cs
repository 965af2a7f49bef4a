using MtlMlNet.Build;
using TorchSharp;

namespace Mtl.Trainers.Runtime;

/// <summary>
/// Loads TorchSharp's native libraries once, before the trainer or a network first needs them, and turns a failure into
/// an error that says why and what to do. TorchSharp's own message on a failed load names a missing package even when
/// the package is there and the loader refused the library (Debian 12: libLibTorchSharp.so asks for GLIBCXX_3.4.32).
/// </summary>
internal static class TorchNative
{
    private const string GlibcxxVersion = "GLIBCXX_3.4.32";
    private static readonly Lock s_lock = new();
    private static bool s_loaded;

    /// <summary>Loads libtorch for the CPU (a no-op after the first success).</summary>
    /// <exception cref="InvalidOperationException">The native libraries cannot be loaded; the message gives the cause found and the fix.</exception>
    public static void EnsureLoaded()
    {
        lock (s_lock)
        {
            if (s_loaded) return;
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or BadImageFormatException)
            {
                throw new InvalidOperationException(Diagnose(AppContext.BaseDirectory) + $" (TorchSharp said: {e.GetBaseException().Message.Split('\n')[0].Trim()})", e);
            }
            s_loaded = true;
        }
    }

    /// <summary><paramref name="name"/>, after <see cref="EnsureLoaded"/>: for base-constructor arguments of modules, which run before any other code.</summary>
    public static string Loaded(string name)
    {
        EnsureLoaded();
        return name;
    }

    /// <summary>Why TorchSharp's native library did not load from <paramref name="appFolder"/>, and what to do (one paragraph).</summary>
    internal static string Diagnose(string appFolder)
    {
        const string Prefix = "TorchSharp's native library could not be loaded, so MtlMlNet cannot train or score networks in this process. ";
        if (!OperatingSystem.IsLinux())
            return Prefix + "Check that the app references TorchSharp-cpu (MtlMlNet.Trainers brings it) and that its output folder holds the libtorch files for this platform.";
        string? library = new[] { Path.Combine(appFolder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(appFolder, "libLibTorchSharp.so") }
            .FirstOrDefault(File.Exists);
        if (library is null)
            return Prefix + $"There is no libLibTorchSharp.so under '{appFolder}' (runtimes/linux-x64/native/ or the folder itself): the app was built "
                   + "without TorchSharp's native assets. Reference the MtlMlNet.Trainers package (or TorchSharp-cpu) in the app's own project and rebuild; "
                   + "a RID-specific publish must target linux-x64.";
        if (!File.Exists(Path.Combine(Path.GetDirectoryName(library)!, "libtorch_cpu.so")))
            return Prefix + $"'{library}' is there, but libtorch_cpu.so is not beside it: the libtorch-cpu-linux-x64 package's files did not reach the "
                   + "output folder. Rebuild the app (a full disk or an interrupted copy leaves it half-done).";
        try
        {
            string? system = ElfVersionWeakener.FindSystemLibStdCxx();
            byte[] elf = File.ReadAllBytes(library);
            long flags = ElfVersionWeakener.FindVersionFlagsOffset(elf, GlibcxxVersion);
            bool strong = flags >= 0 && (elf[flags] & 0x2) == 0;
            bool systemHasIt = system is not null && ElfVersionWeakener.DefinesVersion(File.ReadAllBytes(system), GlibcxxVersion);
            if (strong && !systemHasIt)
                return Prefix + $"'{library}' requires {GlibcxxVersion} (GCC 13's libstdc++), which this system's "
                       + $"{system ?? "libstdc++.so.6"} lacks (Debian 12 stops at GLIBCXX_3.4.30). MtlMlNet.Trainers' build step marks that one "
                       + "requirement weak in the app's output copy, and it did not run for this app: reference the MtlMlNet.Trainers package "
                       + "(its buildTransitive targets run in every project that uses it), or, for a project reference, add "
                       + "<Import Project=\"…/src/Mtl.Trainers/buildTransitive/MtlMlNet.Trainers.targets\" /> to the app's project; then rebuild. "
                       + "Do not upgrade the system's libstdc++ from another release.";
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return Prefix + $"'{library}' could not be inspected ({e.Message}); rebuild the app so that the file is copied again.";
        }
        return Prefix + $"'{library}' and libtorch_cpu.so are in place and the libstdc++ version requirement is met, so the loader failed for another "
               + "reason: run `ldd` on the library to see which dependency is missing, and check that the machine is x86-64 Linux with glibc.";
    }
}
