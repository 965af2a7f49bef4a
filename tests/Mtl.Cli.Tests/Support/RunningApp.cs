using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Mtl.Cli.Tests.Support;

/// <summary>
/// A built app started as <c>dotnet app.dll args…</c> that a test signals while it runs. Dispose kills it and every
/// process it started that is still alive (by PID), so a failed assertion leaves nothing running.
/// </summary>
internal sealed partial class RunningApp : IDisposable
{
    public const int SigHup = 1, SigKill = 9, SigTerm = 15;

    private readonly Process process;
    private readonly StringBuilder output = new(), error = new();
    private readonly HashSet<int> descendants = new();

    public RunningApp(string dll, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start 'dotnet {dll}'.");
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (error) error.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string StandardOutput { get { lock (output) return output.ToString(); } }

    public string StandardError { get { lock (error) return error.ToString(); } }

    /// <summary>Waits until <paramref name="ready"/> holds or the app exits; false on timeout or exit.</summary>
    public bool WaitUntil(Func<bool> ready, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (ready()) return true;
            if (process.HasExited) return false;
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>The live processes whose parent is this app (its workers), remembered for <see cref="Dispose"/>.</summary>
    public IReadOnlyList<int> Children()
    {
        int[] children = LiveChildrenOf(process.Id);
        foreach (int child in children) descendants.Add(child);
        return children;
    }

    /// <summary>Sends a signal to the app.</summary>
    public void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0) throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout)) throw new TimeoutException($"the app did not exit within {timeout}:\n{StandardError}");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>True while process <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static int[] LiveChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            try
            {
                string text = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
                string[] rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (rest[0] != "Z" && int.Parse(rest[1], CultureInfo.InvariantCulture) == parent) children.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we looked.
            }
        }
        return children.ToArray();
    }

    public void Dispose()
    {
        foreach (int pid in descendants.Concat(LiveChildrenOf(process.Id)).Distinct().Where(IsAlive))
            Kill(pid, SigKill);
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
