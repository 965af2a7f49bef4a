using Mtl.Trainers.IO;

namespace Mtl.Analysis.Sweeps;

/// <summary>What a claim file says about a run, read without taking its lock (<see cref="RunClaim.Inspect"/>).</summary>
internal enum ClaimState
{
    /// <summary>No claim file: nobody has the run.</summary>
    None,
    /// <summary>Claimed by a process that is alive on this host, or by a process on another host (not checkable from here).</summary>
    Live,
    /// <summary>The claiming process is gone (killed before it could remove the file).</summary>
    Stale,
}

/// <summary>
/// A run claimed by this process: an exclusively opened lock file under <c>&lt;work&gt;/claims/</c>, and beside it an
/// owner file with the host name and process id. The operating system drops the lock when the process dies, so a
/// killed worker never blocks its run; the next sweep resumes it. Status readers read only the owner file: .NET locks
/// every file it opens on Unix (shared or exclusive), so even reading the lock file would make a worker's claim fail.
/// </summary>
internal sealed class RunClaim : IDisposable
{
    private readonly FileStream stream;
    private readonly string path;

    private RunClaim(FileStream stream, string path)
    {
        this.stream = stream;
        this.path = path;
    }

    /// <summary>Claims run <paramref name="id"/>, or returns null when another process (or worker) holds it.</summary>
    public static RunClaim? TryAcquire(string workFolder, string id)
    {
        string folder = Path.Combine(workFolder, "claims");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, id + ".lock");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
        try
        {
            File.WriteAllText(OwnerPath(path), $"{Environment.MachineName} {Environment.ProcessId}\n");
        }
        catch (IOException)
        {
            // The owner file only informs status readers; the lock is the claim.
        }
        return new RunClaim(stream, path);
    }

    private static string OwnerPath(string lockPath) => Path.ChangeExtension(lockPath, ".owner");

    /// <summary>
    /// Whether run <paramref name="id"/> is claimed, from the files alone: the lock file is never opened, so a reader
    /// never makes a worker skip the run. A claim from this host is live while its process exists; one from another host
    /// cannot be checked from here and counts as live.
    /// </summary>
    public static ClaimState Inspect(string workFolder, string id)
    {
        string lockPath = Path.Combine(workFolder, "claims", id + ".lock");
        if (!File.Exists(lockPath)) return ClaimState.None;
        string text;
        try
        {
            text = File.ReadAllText(OwnerPath(lockPath));
        }
        catch (IOException)
        {
            return ClaimState.Live; // claimed this instant, owner not written yet
        }
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int pid)) return ClaimState.Live;
        if (!string.Equals(parts[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return ClaimState.Live;
        return SafeFiles.IsRunning(pid) ? ClaimState.Live : ClaimState.Stale;
    }

    /// <summary>True when another process (or worker) holds the claim of run <paramref name="id"/> now.</summary>
    public static bool IsHeld(string workFolder, string id)
    {
        if (!File.Exists(Path.Combine(workFolder, "claims", id + ".lock"))) return false;
        using RunClaim? probe = TryAcquire(workFolder, id);
        return probe is null;
    }

    public void Dispose()
    {
        // Delete while still holding it: a process that opens the name afterwards gets a fresh file and re-checks the results.
        try { File.Delete(OwnerPath(path)); } catch (IOException) { }
        try { File.Delete(path); } catch (IOException) { }
        stream.Dispose();
    }
}
