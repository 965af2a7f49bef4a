namespace Mtl.Analysis.Sweeps;

/// <summary>
/// A run claimed by this process: an exclusively opened lock file under <c>&lt;work&gt;/claims/</c>. The operating
/// system drops the lock when the process dies, so a killed worker never blocks its run; the next sweep resumes it.
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
        try
        {
            return new RunClaim(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), path);
        }
        catch (IOException)
        {
            return null;
        }
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
        try { File.Delete(path); } catch (IOException) { }
        stream.Dispose();
    }
}
