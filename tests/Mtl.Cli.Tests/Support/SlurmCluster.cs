using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Mtl.Cli.Tests.Support;

/// <summary>
/// A live single-node Slurm on the loopback for the tests: munged, slurmctld and slurmd (Debian 12's packages, which
/// scripts/bootstrap.sh installs) started as root from a configuration, state and spool folder of its own, with free
/// ports and a private munge socket, so nothing of the machine's own services is used or touched. Dispose cancels every
/// job and stops the three daemons by the PIDs they wrote.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class SlurmCluster : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly string folder;

    private SlurmCluster(string folder)
    {
        this.folder = folder;
        Environment = new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(folder, "slurm.conf") };
    }

    /// <summary>What a Slurm client (and <c>mtl sweep submit</c>) needs in its environment to reach this cluster.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>Starts the cluster, or throws <see cref="InvalidOperationException"/> with the reason and the daemons' logs.</summary>
    public static SlurmCluster Start()
    {
        foreach (string daemon in new[] { "/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch" })
            if (!File.Exists(daemon))
                throw new InvalidOperationException($"{daemon} is missing: the Slurm tests need Debian's munge, slurmctld, slurmd and slurm-client packages (scripts/bootstrap.sh installs them).");
        // Short path: slurmd's socket names have a length limit.
        string folder = Directory.CreateTempSubdirectory("mtl-slurm-").FullName;
        var cluster = new SlurmCluster(folder);
        try
        {
            cluster.Boot();
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    private void Boot()
    {
        // munged requires every folder above its socket to be searchable by all (CreateTempSubdirectory makes it 0700).
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                     | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Directory.CreateDirectory(Path.Combine(folder, "state"));
        Directory.CreateDirectory(Path.Combine(folder, "spool"));
        string key = Path.Combine(folder, "munge.key");
        File.WriteAllBytes(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024));
        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        int controllerPort = FreePort(), nodePort = FreePort();
        File.WriteAllText(Path.Combine(folder, "slurm.conf"), $"""
            ClusterName=mtltest
            SlurmctldHost=localhost(127.0.0.1)
            SlurmctldPort={controllerPort}
            SlurmdPort={nodePort}
            SlurmUser=root
            AuthType=auth/munge
            AuthInfo=socket={folder}/munge.sock
            StateSaveLocation={folder}/state
            SlurmdSpoolDir={folder}/spool
            SlurmctldPidFile={folder}/slurmctld.pid
            SlurmdPidFile={folder}/slurmd.pid
            SlurmctldLogFile={folder}/slurmctld.log
            SlurmdLogFile={folder}/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SchedulerType=sched/backfill
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            ReturnToService=2
            MpiDefault=none
            JobCompType=jobcomp/none
            AccountingStorageType=accounting_storage/none
            KillWait=10
            NodeName=mtlnode NodeAddr=127.0.0.1 CPUs={System.Environment.ProcessorCount} State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
            """);
        Daemon("/usr/sbin/munged", $"--socket={folder}/munge.sock", $"--key-file={key}", $"--pid-file={folder}/munged.pid",
            $"--log-file={folder}/munged.log", $"--seed-file={folder}/munge.seed");
        Daemon("/usr/sbin/slurmctld", "-f", Environment["SLURM_CONF"]);
        Daemon("/usr/sbin/slurmd", "-f", Environment["SLURM_CONF"], "-N", "mtlnode");
        var watch = Stopwatch.StartNew();
        string state = "";
        while (watch.Elapsed < StartTimeout)
        {
            (int code, string output, _) = Client("sinfo", "-h", "-o", "%t");
            state = output.Trim();
            if (code == 0 && state is "idle" or "mix" or "alloc") return;
            Thread.Sleep(500);
        }
        throw new InvalidOperationException($"The test Slurm did not become ready within {StartTimeout.TotalSeconds:0} s (node state '{state}').{Logs()}");
    }

    /// <summary>Runs a Slurm client command against this cluster: exit code, stdout, stderr.</summary>
    public (int Code, string Output, string Error) Client(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach ((string k, string v) in Environment) start.Environment[k] = v;
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{command} {string.Join(' ', args)}' did not answer within a minute.{Logs()}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Waits until none of <paramref name="jobIds"/> is queued or running.</summary>
    public void WaitForJobs(TimeSpan timeout, params string[] jobIds)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            (int code, string output, string error) = Client("squeue", "-h", "-j", string.Join(',', jobIds), "-o", "%i %T");
            if (code == 0 && output.Trim().Length == 0) return;
            // squeue fails for ids it has already forgotten; that also means done.
            if (code != 0 && error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return;
            Thread.Sleep(500);
        }
        throw new TimeoutException($"Slurm jobs {string.Join(',', jobIds)} still ran after {timeout.TotalMinutes:0.#} min.{Logs()}");
    }

    /// <summary>The daemons' log tails, for failure messages.</summary>
    public string Logs()
    {
        var text = new System.Text.StringBuilder();
        foreach (string log in new[] { "munged.log", "slurmctld.log", "slurmd.log" })
        {
            string path = Path.Combine(folder, log);
            if (!File.Exists(path)) continue;
            string[] lines = File.ReadAllLines(path);
            text.Append($"\n--- {log} (last lines) ---\n").AppendJoin('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
        }
        return text.ToString();
    }

    private void Daemon(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach ((string k, string v) in Environment) start.Environment[k] = v;
        using Process process = Process.Start(start)!;
        // Each daemon forks into the background and its first process exits once it is set up.
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new InvalidOperationException($"{file} did not detach within 30 s.{Logs()}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} failed to start (exit code {process.ExitCode}): {process.StandardError.ReadToEnd().Trim()}{Logs()}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (File.Exists(Path.Combine(folder, "slurmctld.pid")))
        {
            try
            {
                Client("scancel", "--partition=debug");
                // Let slurmd end the job steps (and their mtl processes) before the daemons go.
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed < TimeSpan.FromSeconds(30) && Client("squeue", "-h").Output.Trim().Length > 0) Thread.Sleep(500);
            }
            catch (Exception e) when (e is TimeoutException or System.ComponentModel.Win32Exception)
            {
                // The daemons are stopped below either way.
            }
        }
        foreach (string pidFile in new[] { "slurmd.pid", "slurmctld.pid", "munged.pid" })
            Stop(Path.Combine(folder, pidFile));
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void Stop(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out int pid)) return;
        try
        {
            using Process process = Process.GetProcessById(pid);
            process.Kill(); // SIGKILL of that one PID: the daemon, nothing else
            process.WaitForExit(10_000);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited between the lookup and the kill.
        }
    }
}
