using System.Diagnostics;
using MtlMlNet.Build;
using static TorchSharp.torch;

namespace Mtl.Build.Tests;

/// <summary>
/// The build marks TorchSharp's one GLIBCXX_3.4.32 requirement weak in the output copy of libLibTorchSharp.so
/// (src/Mtl.Trainers/buildTransitive/MtlMlNet.Trainers.targets). These tests check the output of this very project's build.
/// </summary>
[TestClass]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GlibcxxWeakeningTests
{
    private const string Version = "GLIBCXX_3.4.32";
    private const ushort VerFlagWeak = 0x2;

    private static string OutputCopy => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The package's original, found through the NuGet cache the build restored from.</summary>
    private static string CacheCopy
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                          ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string version = typeof(TorchSharp.torch).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "";
            return Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    [TestMethod]
    public void TorchSharpLoadsAndComputes()
    {
        using var scope = NewDisposeScope();
        Tensor a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        Tensor product = a.matmul(a);
        CollectionAssert.AreEqual(new float[] { 7, 10, 15, 22 }, product.data<float>().ToArray());
    }

    [TestMethod]
    public void OnlyTheFlagsFieldOfThatRequirementChanged()
    {
        Assert.IsTrue(File.Exists(CacheCopy), $"The NuGet cache copy was not found at {CacheCopy}.");
        byte[] original = File.ReadAllBytes(CacheCopy);
        byte[] patched = File.ReadAllBytes(OutputCopy);
        Assert.AreEqual(original.Length, patched.Length);

        long flags = ElfVersionWeakener.FindVersionFlagsOffset(original, Version);
        Assert.IsGreaterThan(0L, flags, "the package's library should require " + Version);
        Assert.AreEqual(0, original[flags] & VerFlagWeak, "the NuGet cache copy must stay unpatched");
        Assert.AreEqual(VerFlagWeak, patched[flags] & VerFlagWeak, "the output copy must carry VER_FLG_WEAK");

        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        CollectionAssert.AreEqual(new[] { (int)flags }, changed, "exactly one byte (the low byte of vna_flags) may differ");
        Assert.AreEqual(original[flags] | VerFlagWeak, patched[flags]);
    }

    [TestMethod]
    public void OutputCopyIsNotAHardLinkToTheCache()
    {
        Assert.AreNotEqual(Inode(CacheCopy), Inode(OutputCopy));
    }

    [TestMethod]
    public void WeakeningIsIdempotentAndKeepsPermissions()
    {
        string folder = Directory.CreateTempSubdirectory("mtl-elf-").FullName;
        try
        {
            string copy = Path.Combine(folder, "lib.so");
            File.Copy(CacheCopy, copy);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
            UnixFileMode mode = File.GetUnixFileMode(copy);

            Assert.AreEqual(WeakenResult.Patched, ElfVersionWeakener.Weaken(copy, Version));
            byte[] once = File.ReadAllBytes(copy);
            Assert.AreEqual(WeakenResult.AlreadyWeak, ElfVersionWeakener.Weaken(copy, Version));
            CollectionAssert.AreEqual(once, File.ReadAllBytes(copy));
            Assert.AreEqual(mode, File.GetUnixFileMode(copy));
            Assert.AreEqual(1, Directory.GetFiles(folder).Length, "no temporary file may be left behind");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void PatchingThroughAHardLinkLeavesTheOtherNameUntouched()
    {
        string folder = Directory.CreateTempSubdirectory("mtl-elf-").FullName;
        try
        {
            string original = Path.Combine(folder, "original.so");
            string link = Path.Combine(folder, "link.so");
            File.Copy(CacheCopy, original);
            Link(original, link);
            Assert.AreEqual(Inode(original), Inode(link));

            Assert.AreEqual(WeakenResult.Patched, ElfVersionWeakener.Weaken(link, Version));
            CollectionAssert.AreEqual(File.ReadAllBytes(CacheCopy), File.ReadAllBytes(original));
            Assert.AreNotEqual(Inode(original), Inode(link));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void LibraryWithoutThatRequirementIsLeftAlone()
    {
        string folder = Directory.CreateTempSubdirectory("mtl-elf-").FullName;
        try
        {
            string copy = Path.Combine(folder, "libc10.so");
            // libc10 (libtorch) needs libstdc++ but not GLIBCXX_3.4.32.
            string c10 = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libc10.so");
            File.Copy(c10, copy);
            byte[] before = File.ReadAllBytes(copy);
            Assert.AreEqual(WeakenResult.NotRequired, ElfVersionWeakener.Weaken(copy, Version));
            CollectionAssert.AreEqual(before, File.ReadAllBytes(copy));
            Assert.IsGreaterThan(0L, ElfVersionWeakener.FindVersionFlagsOffset(before, "GLIBCXX_3.4"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void NonElfAndTruncatedFilesGiveClearErrors()
    {
        var notElf = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionWeakener.FindVersionFlagsOffset(new byte[128], Version));
        StringAssert.Contains(notElf.Message, "not an ELF file");

        byte[] truncated = File.ReadAllBytes(CacheCopy).AsSpan(0, 4096).ToArray();
        var outside = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionWeakener.FindVersionFlagsOffset(truncated, Version));
        StringAssert.Contains(outside.Message, "outside the file");
    }

    [TestMethod]
    public void TheSystemLibStdCxxIsFoundAndItsVersionDefinitionsAreRead()
    {
        string? system = ElfVersionWeakener.FindSystemLibStdCxx();
        Assert.IsNotNull(system, "libstdc++.so.6 should be in one of the standard folders");
        byte[] elf = File.ReadAllBytes(system);
        Assert.IsTrue(ElfVersionWeakener.DefinesVersion(elf, "GLIBCXX_3.4.30"), "GCC 12's libstdc++ (Debian 12) defines 3.4.30");
        Assert.IsTrue(ElfVersionWeakener.DefinesVersion(elf, "GLIBCXX_3.4"));
        Assert.IsFalse(ElfVersionWeakener.DefinesVersion(elf, "GLIBCXX_9.9.99"));
        // A requirement, not a definition: libLibTorchSharp.so asks for GLIBCXX versions but defines none.
        Assert.IsFalse(ElfVersionWeakener.DefinesVersion(File.ReadAllBytes(CacheCopy), "GLIBCXX_3.4.30"));
        Assert.IsNull(ElfVersionWeakener.FindSystemLibStdCxx(new[] { "/nonexistent" }));
    }

    [TestMethod]
    public void NothingIsPatchedWhereTheSystemProvidesTheVersion()
    {
        string system = ElfVersionWeakener.FindSystemLibStdCxx()!;
        string folder = Directory.CreateTempSubdirectory("mtl-elf-").FullName;
        try
        {
            string copy = Path.Combine(folder, "lib.so");
            File.Copy(CacheCopy, copy);
            byte[] before = File.ReadAllBytes(copy);
            // The library requires GLIBCXX_3.4.30 as well, which this system's libstdc++ defines: left alone.
            Assert.AreEqual(WeakenResult.SystemProvides, ElfVersionWeakener.Weaken(copy, "GLIBCXX_3.4.30", system));
            CollectionAssert.AreEqual(before, File.ReadAllBytes(copy));
            // 3.4.32 is patched exactly where the system lacks it.
            bool systemHasIt = ElfVersionWeakener.DefinesVersion(File.ReadAllBytes(system), Version);
            Assert.AreEqual(systemHasIt ? WeakenResult.SystemProvides : WeakenResult.Patched, ElfVersionWeakener.Weaken(copy, Version, system));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Inode(string path) => Run("stat", "-c", "%d:%i", path);

    private static void Link(string target, string link) => Run("ln", target, link);

    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.AreEqual(0, p.ExitCode, $"{file} failed: {p.StandardError.ReadToEnd()}");
        return output;
    }
}
