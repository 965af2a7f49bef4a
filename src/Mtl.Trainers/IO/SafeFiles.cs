using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Mtl.Trainers.IO;

/// <summary>What a path names, without following a symbolic link there.</summary>
internal enum FileKind
{
    Missing,
    Regular,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>
/// Files written so that nobody else can read or redirect them half-way: whole-file writes through an exclusively
/// created, owner-only temporary file with a random name in the target's folder and a rename (which replaces a link at
/// the target instead of writing through it); private temporary folders; removal of what a killed process left behind.
/// Temporary names carry the writer's process id (<c>.&lt;name&gt;.&lt;pid&gt;-&lt;random&gt;.tmp</c>), so a later run can
/// tell a dead writer's leftovers from a live writer's file.
/// </summary>
internal static partial class SafeFiles
{
    private const string TempSuffix = ".tmp";
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes <paramref name="path"/> whole: <paramref name="write"/> fills an owner-only temporary file created
    /// exclusively beside it (never an existing file or link), which is flushed and renamed over the target. On any
    /// failure the temporary file is removed and the target is untouched. An existing target keeps its permissions;
    /// a new one is owner-only.
    /// </summary>
    /// <exception cref="IOException">The target is a FIFO, device, socket or folder, or the write failed.</exception>
    public static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        RequireWritableTarget(full);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        DeleteStaleTemps(folder, Path.GetFileName(full));
        string temp = Path.Combine(folder, TempName(Path.GetFileName(full)));
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerReadWrite;
            bool closedByWriter;
            using (var stream = new FileStream(temp, options))
            {
                write(stream);
                closedByWriter = !stream.CanWrite;
                if (!closedByWriter) stream.Flush(flushToDisk: true);
            }
            // Some writers (TorchSharp's save) close the stream themselves: then sync the file through a second handle.
            if (closedByWriter)
                using (var sync = new FileStream(temp, FileMode.Open, FileAccess.Write, FileShare.None))
                    sync.Flush(flushToDisk: true);
            if (!OperatingSystem.IsWindows() && Kind(full) == FileKind.Regular)
                File.SetUnixFileMode(temp, File.GetUnixFileMode(full));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) through <see cref="WriteAtomically(string, Action{Stream})"/>.</summary>
    public static void WriteAllText(string path, string text) =>
        WriteAtomically(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>
    /// Refuses a target that a whole-file write must not replace: a folder, a FIFO, a device or a socket (writing
    /// "model.zip" over /dev/sda or a pipe is never what the user meant). A missing file, a regular file or a link is fine.
    /// </summary>
    /// <exception cref="IOException">The path names something other than a regular file or a link.</exception>
    public static void RequireWritableTarget(string path)
    {
        FileKind kind = Kind(path);
        if (kind is FileKind.Missing or FileKind.Regular or FileKind.SymbolicLink) return;
        string what = kind switch
        {
            FileKind.Directory => "a folder",
            FileKind.Fifo => "a FIFO (named pipe)",
            FileKind.CharacterDevice => "a character device",
            FileKind.BlockDevice => "a block device",
            _ => "a socket",
        };
        throw new IOException($"'{path}' is {what}, not a regular file; it was left alone. Pass the path of a regular file.");
    }

    /// <summary>
    /// Checks, before any long work, that <see cref="WriteAtomically"/> will be able to write <paramref name="path"/>:
    /// the target is a regular file or missing, and a new file can be created in its (existing) folder.
    /// </summary>
    /// <exception cref="IOException">The target is not a regular file, or the folder refuses new files.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder refuses new files.</exception>
    public static void RequireCanWrite(string path)
    {
        string full = Path.GetFullPath(path);
        RequireWritableTarget(full);
        string probe = Path.Combine(Path.GetDirectoryName(full)!, TempName(Path.GetFileName(full)));
        using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
    }

    /// <summary>
    /// Creates a new folder under the system temp folder, exclusively, with a random name starting with
    /// <paramref name="prefix"/> and this process's id, readable by the owner only; first removes folders of the same
    /// prefix that dead processes of this user left behind.
    /// </summary>
    public static string CreatePrivateFolder(string prefix)
    {
        DeleteStaleFolders(Path.GetTempPath(), prefix);
        // mkdtemp: a fresh random name, created exclusively with mode 0700.
        return Directory.CreateTempSubdirectory($"{prefix}{Environment.ProcessId}-").FullName;
    }

    /// <summary>Removes a folder made by <see cref="CreatePrivateFolder"/>; a folder already gone is fine.</summary>
    public static void DeleteFolder(string path)
    {
        if (Kind(path) == FileKind.Directory) Directory.Delete(path, recursive: true);
    }

    /// <summary>A temporary file name for <paramref name="fileName"/>: hidden, with this process's id and 64 random bits.</summary>
    public static string TempName(string fileName) =>
        $".{fileName}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}{TempSuffix}";

    /// <summary>
    /// Deletes the temporary files of <paramref name="fileName"/> (of every file when null) in <paramref name="folder"/>
    /// whose writer process is no longer running (a writer killed mid-write). Links, other users' files and files of
    /// running writers are left alone.
    /// </summary>
    public static void DeleteStaleTemps(string folder, string? fileName = null)
    {
        string[] candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, $".{fileName ?? "*"}.*{TempSuffix}").ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (string candidate in candidates)
        {
            // .<name>.<pid>-<random>.tmp: the writer's id sits between the last dot of the name and the dash.
            string stem = Path.GetFileName(candidate)[..^TempSuffix.Length];
            string tag = stem[(stem.LastIndexOf('.') + 1)..];
            int dash = tag.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(tag[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (IsRunning(pid) || Kind(candidate) != FileKind.Regular || !OwnedByMe(candidate)) continue;
            TryDelete(() => File.Delete(candidate));
        }
    }

    private static void DeleteStaleFolders(string parent, string prefix)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(parent, prefix + "*").ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }
        foreach (string candidate in candidates)
        {
            string rest = Path.GetFileName(candidate)[prefix.Length..];
            int dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            // Never through a link, never another user's folder, never a live process's.
            if (IsRunning(pid) || Kind(candidate) != FileKind.Directory || !OwnedByMe(candidate)) continue;
            TryDelete(() => Directory.Delete(candidate, recursive: true));
        }
    }

    private static void TryDelete(Action delete)
    {
        try
        {
            delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another cleaner got there first, or it is not ours to delete: either way nothing to do.
        }
    }

    /// <summary>True while process <paramref name="pid"/> exists (on this machine).</summary>
    internal static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>What <paramref name="path"/> names, not following a link (lstat).</summary>
    public static FileKind Kind(string path)
    {
        if (OperatingSystem.IsLinux() && LinuxStat(path) is { } stat)
        {
            if (stat.Missing) return FileKind.Missing;
            return (stat.Mode & 0xF000) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0xA000 => FileKind.SymbolicLink,
                0x1000 => FileKind.Fifo,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                _ => FileKind.Socket,
            };
        }
        var info = new FileInfo(path);
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        return info.Exists ? FileKind.Regular : FileKind.Missing;
    }

    private static bool OwnedByMe(string path) =>
        !OperatingSystem.IsLinux() || LinuxStat(path) is not { Missing: false } stat || stat.Owner == GetEffectiveUserId();

    private readonly record struct StatFacts(bool Missing, int Mode, uint Owner);

    // statx's buffer layout is the same on every Linux architecture (unlike struct stat): uid at byte 20, mode at 28.
    private static StatFacts? LinuxStat(string path)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, StatxBasicStats = 0x7FF, NoEntry = 2, NotDirectory = 20;
        var buffer = new byte[256];
        try
        {
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
            {
                int error = Marshal.GetLastPInvokeError();
                return error is NoEntry or NotDirectory ? new StatFacts(true, 0, 0) : null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
        return new StatFacts(false, BitConverter.ToUInt16(buffer, 28), BitConverter.ToUInt32(buffer, 20));
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
