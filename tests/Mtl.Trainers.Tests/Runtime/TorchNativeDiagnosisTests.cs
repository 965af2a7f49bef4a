using Mtl.Trainers.Runtime;

namespace Mtl.Trainers.Tests.Runtime;

/// <summary>
/// What the error says when TorchSharp's native library cannot load, for each cause it tells apart (the strong-GLIBCXX
/// case also runs end to end in Mtl.Build.Tests' PackageTests, through a consumer app).
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TorchNativeDiagnosisTests
{
    private static string Native => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    private static string CacheCopy
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                          ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    private static string AppWith(params (string Name, string? Source)[] files)
    {
        string app = Directory.CreateTempSubdirectory("mtl-native-diagnosis-").FullName;
        string native = Path.Combine(app, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        foreach ((string name, string? source) in files)
        {
            if (source is null) File.WriteAllText(Path.Combine(native, name), "not a library");
            else File.Copy(source, Path.Combine(native, name));
        }
        return app;
    }

    private static void Check(string app, params string[] expected)
    {
        try
        {
            string message = TorchNative.Diagnose(app);
            StringAssert.StartsWith(message, "TorchSharp's native library could not be loaded");
            foreach (string part in expected) StringAssert.Contains(message, part);
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    [TestMethod]
    public void NoNativeLibraryInTheAppNamesThePackageToReference() =>
        Check(AppWith(), "There is no libLibTorchSharp.so", "Reference the MtlMlNet.Trainers package");

    [TestMethod]
    public void LibTorchMissingBesideItSaysToRebuild() =>
        Check(AppWith(("libLibTorchSharp.so", Path.Combine(Native, "libLibTorchSharp.so"))), "libtorch_cpu.so is not beside it", "Rebuild the app");

    [TestMethod]
    public void AStrongGlibcxxRequirementTheSystemLacksNamesTheTargetsToImport()
    {
        string system = MtlMlNet.Build.ElfVersionWeakener.FindSystemLibStdCxx()!;
        Assert.IsFalse(MtlMlNet.Build.ElfVersionWeakener.DefinesVersion(File.ReadAllBytes(system), "GLIBCXX_3.4.32"),
            "this test needs a system without GLIBCXX_3.4.32 (Debian 12), the machine the step exists for");
        Check(AppWith(("libLibTorchSharp.so", CacheCopy), ("libtorch_cpu.so", null)), "requires GLIBCXX_3.4.32", "MtlMlNet.Trainers.targets");
    }

    [TestMethod]
    public void AWeakenedLibraryThatStillFailsPointsToLdd() =>
        Check(AppWith(("libLibTorchSharp.so", Path.Combine(Native, "libLibTorchSharp.so")), ("libtorch_cpu.so", null)), "ldd");

    [TestMethod]
    public void AFileThatIsNotALibrarySaysToRebuild() =>
        Check(AppWith(("libLibTorchSharp.so", null), ("libtorch_cpu.so", null)), "could not be inspected", "rebuild the app");
}
