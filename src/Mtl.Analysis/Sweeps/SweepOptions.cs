using Mtl.Analysis.Studies;
using Mtl.Trainers.Monitoring;

namespace Mtl.Analysis.Sweeps;

/// <summary>How a sweep runs: processes, slice, threads, progress and cancellation.</summary>
public sealed class SweepOptions
{
    /// <summary>Processes side by side (1 = train in this process). Each worker claims unfinished runs one at a time.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>The slice of the grid this sweep runs (default: all of it).</summary>
    public ShardSpec Shard { get; init; } = ShardSpec.All;

    /// <summary>Torch threads per worker process; null = max(1, cores / Jobs). With Jobs = 1 and null, this process's setting is left alone.</summary>
    public int? Threads { get; init; }

    /// <summary>Progress (one unit per run of the slice still to do).</summary>
    public IStudyProgress Progress { get; init; } = StudyProgress.None;

    /// <summary>Stops the sweep; finished runs stay recorded and an interrupted run resumes from its checkpoint next time.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Extra monitors for each run trained in this process (e.g. gradient-conflict sampling); called once per run.
    /// Worker processes cannot receive them, so a sweep with monitors needs <see cref="Jobs"/> = 1.
    /// </summary>
    public Func<RunConfig, IEnumerable<ITrainingMonitor>>? Monitors { get; init; }

    /// <summary>How worker processes are started (null = <see cref="WorkerCommand.CurrentApp"/>).</summary>
    public WorkerCommand? Worker { get; init; }
}

/// <summary>
/// The command line of a worker process: an executable and the arguments before the worker's own
/// (<c>--work &lt;folder&gt; --shard i/n --threads k --watch-parent</c>). The <c>mtl</c> app's is <c>mtl sweep worker</c>.
/// </summary>
/// <param name="FileName">The executable.</param>
/// <param name="Arguments">Arguments that select the worker command.</param>
public sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>This process's own app with <c>sweep worker</c> (see <see cref="AppCommand.Current"/>).</summary>
    /// <exception cref="InvalidOperationException">The process path is unknown.</exception>
    public static WorkerCommand CurrentApp()
    {
        AppCommand app = AppCommand.Current();
        return new WorkerCommand(app.FileName, [.. app.Arguments, "sweep", "worker"]);
    }
}

/// <summary>How to start this app again (for worker processes and batch-job scripts).</summary>
/// <param name="FileName">The executable.</param>
/// <param name="Arguments">Arguments that come before the app's own (the entry assembly when run through <c>dotnet</c>).</param>
public sealed record AppCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// <see cref="Environment.ProcessPath"/>, and when that is the <c>dotnet</c> host, the entry assembly as its first
    /// argument (<c>dotnet mtl.dll</c>); an installed tool is its own executable.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process path or the entry assembly is unknown.</exception>
    public static AppCommand Current()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot start this app again: this process's executable path is unknown.");
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            string entry = System.Reflection.Assembly.GetEntryAssembly()?.Location
                ?? throw new InvalidOperationException("Cannot start this app again: the entry assembly is unknown.");
            arguments.Add(entry);
        }
        return new AppCommand(process, arguments);
    }
}

/// <summary>What a sweep did, and every result of its slice in grid order.</summary>
/// <param name="Results">Results of the slice's runs, in grid order (all of them: a sweep returns only once its slice is done).</param>
/// <param name="Trained">Runs trained (or found not applicable) by this call.</param>
/// <param name="Skipped">Runs already recorded before this call.</param>
/// <param name="Warnings">Things the user should know (a torn results line that was ignored).</param>
public sealed record SweepOutcome(IReadOnlyList<RunResult> Results, int Trained, int Skipped, IReadOnlyList<string> Warnings);
