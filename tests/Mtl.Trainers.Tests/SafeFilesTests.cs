using System.Diagnostics;
using Mtl.Trainers.IO;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>
/// Issue 18, defects 4 and 7: whole-file saves through private, exclusively created temporary files that never follow a
/// planted link, refuse special files, leave nothing behind when the write fails, and clean what a killed writer left.
/// </summary>
[TestClass]
public sealed class SafeFilesTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A process id that is surely not running: a child that has exited.</summary>
    private static int DeadProcessId()
    {
        using var child = Process.Start("true")!;
        child.WaitForExit();
        return child.Id;
    }

    private static string[] Temps(string folder) => Directory.GetFiles(folder, ".*.tmp");

    [TestMethod]
    public void ASaveOverALinkReplacesTheLinkAndNeverWritesThroughIt()
    {
        using var folder = new TempFolder();
        string victim = Path.Combine(folder.Path, "victim.txt"), model = Path.Combine(folder.Path, "model.zip");
        File.WriteAllText(victim, "not yours");
        File.CreateSymbolicLink(model, victim);
        SafeFiles.WriteAllText(model, "the model");
        Assert.AreEqual("not yours", File.ReadAllText(victim));
        Assert.AreEqual(FileKind.Regular, SafeFiles.Kind(model));
        Assert.AreEqual("the model", File.ReadAllText(model));
        Assert.AreEqual(0, Temps(folder.Path).Length);
    }

    [TestMethod]
    public void TheTemporaryFileIsOwnerOnlyRandomAndCreatedExclusively()
    {
        using var folder = new TempFolder();
        string target = Path.Combine(folder.Path, "plan.json");
        var seen = new List<(string Name, UnixFileMode Mode)>();
        for (int i = 0; i < 2; i++)
            SafeFiles.WriteAtomically(target, stream =>
            {
                string temp = Temps(folder.Path).Single();
                seen.Add((Path.GetFileName(temp), OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(temp)));
                stream.WriteByte(1);
            });
        Assert.AreNotEqual(seen[0].Name, seen[1].Name, "temporary names must not be predictable");
        StringAssert.StartsWith(seen[0].Name, $".plan.json.{Environment.ProcessId}-");
        if (!OperatingSystem.IsWindows()) Assert.AreEqual(OwnerOnly, seen[0].Mode);
        if (!OperatingSystem.IsWindows()) Assert.AreEqual(OwnerOnly, File.GetUnixFileMode(target), "a new file is owner-only");
        // An existing file keeps its permissions.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(target, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            SafeFiles.WriteAllText(target, "again");
            Assert.AreEqual(OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(target));
        }
    }

    [TestMethod]
    public void AFailedWriteLikeAFullDiskLeavesNoTemporaryFileAndTheOldFileIntact()
    {
        using var folder = new TempFolder();
        string target = Path.Combine(folder.Path, "model.zip");
        File.WriteAllText(target, "the previous model");
        var e = Assert.ThrowsExactly<IOException>(() => SafeFiles.WriteAtomically(target, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        StringAssert.Contains(e.Message, "No space left");
        Assert.AreEqual("the previous model", File.ReadAllText(target));
        Assert.AreEqual(0, Temps(folder.Path).Length);
    }

    [TestMethod]
    public void SpecialFilesAndFoldersAreRefusedAndLeftAlone()
    {
        using var folder = new TempFolder();
        string fifo = Path.Combine(folder.Path, "pipe");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var e = Assert.ThrowsExactly<IOException>(() => SafeFiles.WriteAllText(fifo, "x"));
        StringAssert.Contains(e.Message, "is a FIFO (named pipe), not a regular file");
        Assert.AreEqual(FileKind.Fifo, SafeFiles.Kind(fifo));
        StringAssert.Contains(Assert.ThrowsExactly<IOException>(() => SafeFiles.WriteAllText("/dev/null", "x")).Message, "a character device");
        StringAssert.Contains(Assert.ThrowsExactly<IOException>(() => SafeFiles.WriteAllText(folder.Path, "x")).Message, "a folder");
        Assert.AreEqual(0, Temps(folder.Path).Length);
    }

    [TestMethod]
    public void StaleTemporaryFilesOfDeadWritersAreRemovedThoseOfLiveWritersKept()
    {
        using var folder = new TempFolder();
        int dead = DeadProcessId();
        string stale = Path.Combine(folder.Path, $".model.zip.{dead}-0123456789abcdef.tmp");
        string live = Path.Combine(folder.Path, $".model.zip.{Environment.ProcessId}-fedcba9876543210.tmp");
        string other = Path.Combine(folder.Path, $".other.bin.{dead}-0011223344556677.tmp");
        foreach (string f in new[] { stale, live, other }) File.WriteAllText(f, "partial");
        SafeFiles.WriteAllText(Path.Combine(folder.Path, "model.zip"), "whole");
        Assert.IsFalse(File.Exists(stale), "a killed writer's temporary file stays");
        Assert.IsTrue(File.Exists(live), "a running writer's temporary file was removed");
        Assert.IsTrue(File.Exists(other), "only the saved file's temporaries are cleaned here");
        SafeFiles.DeleteStaleTemps(folder.Path);
        Assert.IsFalse(File.Exists(other));
        Assert.IsTrue(File.Exists(live));
    }

    [TestMethod]
    public void PrivateFoldersAreRandomOwnerOnlyAndStaleOnesOfDeadProcessesGo()
    {
        int dead = DeadProcessId();
        string stale = Path.Combine(Path.GetTempPath(), $"mtl-safefiles-test-{dead}-abc123");
        string planted = Path.Combine(Path.GetTempPath(), $"mtl-safefiles-test-{dead}-link");
        using var target = new TempFolder();
        File.WriteAllText(Path.Combine(target.Path, "keep.txt"), "keep");
        Directory.CreateDirectory(stale);
        Directory.CreateSymbolicLink(planted, target.Path);
        string first = "", second = "";
        try
        {
            first = SafeFiles.CreatePrivateFolder("mtl-safefiles-test-");
            second = SafeFiles.CreatePrivateFolder("mtl-safefiles-test-");
            Assert.AreNotEqual(first, second);
            StringAssert.StartsWith(Path.GetFileName(first), $"mtl-safefiles-test-{Environment.ProcessId}-");
            if (!OperatingSystem.IsWindows())
                Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(first));
            Assert.IsFalse(Directory.Exists(stale), "a dead process's folder stays");
            Assert.IsTrue(File.Exists(Path.Combine(target.Path, "keep.txt")), "the cleanup followed a planted link");
        }
        finally
        {
            SafeFiles.DeleteFolder(first);
            SafeFiles.DeleteFolder(second);
            File.Delete(planted);
            if (Directory.Exists(stale)) Directory.Delete(stale);
        }
        Assert.IsFalse(Directory.Exists(first));
    }

    [TestMethod]
    public void ACheckpointWriteThatFailsLeavesNoTemporaryFile()
    {
        // Before, the step state went to "<name>.tmp" and stayed there when the write failed (ENOSPC).
        using var folder = new TempFolder();
        using var network = new SharedBottomNetwork(TrunkSpec.Mlp(8), [5], [new TaskDefinition("A") { ClassCount = 2 }]);
        var store = new CheckpointStore(folder.Path, network, _ => throw new IOException("No space left on device"), _ => { });
        var progress = new TrainingProgress(1, 4, [], 1, 0.5, 0);
        Assert.ThrowsExactly<IOException>(() => store.Save(progress, null));
        Assert.AreEqual(0, Directory.GetFiles(folder.Path, "*.tmp", SearchOption.AllDirectories).Length,
            string.Join(", ", Directory.GetFiles(folder.Path)));
        Assert.IsFalse(File.Exists(Path.Combine(folder.Path, CheckpointStore.LatestFile)), "no half checkpoint is announced");

        // A writer killed mid-save leaves its temporary file: the next store on the folder removes it.
        string killed = Path.Combine(folder.Path, $".epoch-0002.weights.{DeadProcessId()}-0123456789abcdef.tmp");
        File.WriteAllText(killed, "partial");
        _ = new CheckpointStore(folder.Path, network, _ => { }, _ => { });
        Assert.IsFalse(File.Exists(killed));
    }
}
