using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mtl.Analysis.Studies;
using Mtl.Trainers.Monitoring;
using TorchSharp;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// Runs a grid of <see cref="RunConfig"/>s into a work folder: <c>plan.json</c> (the grid in order), <c>results.jsonl</c>
/// (one line per finished run), <c>checkpoints/&lt;id&gt;/</c> (the run in progress; deleted once its line is written)
/// and <c>claims/</c> (lock files of runs being trained). A rerun skips recorded runs and resumes an interrupted one from
/// its checkpoint. With <see cref="SweepOptions.Jobs"/> N &gt; 1 it starts N worker processes of the same app; every
/// worker walks the slice in grid order and trains each unrecorded run it can claim, so the work balances itself.
/// </summary>
public static class SweepRunner
{
    /// <summary>The results file's name in the work folder.</summary>
    public const string ResultsFileName = "results.jsonl";

    /// <summary>The plan file's name in the work folder.</summary>
    public const string PlanFileName = "plan.json";

    /// <summary>The results file of a work folder.</summary>
    public static string ResultsPath(string workFolder) => Path.Combine(workFolder, ResultsFileName);

    /// <summary>The checkpoint folder of run <paramref name="id"/>.</summary>
    public static string CheckpointFolder(string workFolder, string id) => Path.Combine(workFolder, "checkpoints", id);

    /// <summary>Runs the slice <see cref="SweepOptions.Shard"/> of <paramref name="plan"/> and returns its results in grid order.</summary>
    /// <exception cref="ArgumentException">The plan is empty, holds an invalid config or the same run twice, or the options are out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (what finished is kept).</exception>
    /// <exception cref="InvalidOperationException">A worker process failed (its error is in the message).</exception>
    public static SweepOutcome Run(IReadOnlyList<RunConfig> plan, string workFolder, SweepOptions? options = null)
    {
        options ??= new SweepOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(workFolder);
        if (options.Jobs < 1) throw new ArgumentException($"--jobs must be at least 1; got {options.Jobs}.");
        if (options.Jobs > 1 && options.Monitors is not null)
            throw new ArgumentException("Extra monitors run only in this process: use Jobs = 1 with SweepOptions.Monitors.");
        if (options.Threads is < 1) throw new ArgumentException($"Threads per worker must be at least 1; got {options.Threads}.");
        SweepGrid.Validated(plan);
        Directory.CreateDirectory(workFolder);
        AtomicFile.WriteAllText(Path.Combine(workFolder, PlanFileName), JsonSerializer.Serialize(plan, RunConfig.Json));

        IReadOnlyList<int> slice = options.Shard.Select(plan.Count);
        var warnings = new List<string>();
        ResultsReadout before = ResultsFile.Read(ResultsPath(workFolder));
        if (before.Warning is { } torn)
        {
            warnings.Add(torn);
            options.Progress.Info(torn);
        }
        var recorded = before.Results.Select(r => r.Id).ToHashSet();
        int skipped = slice.Count(i => recorded.Contains(plan[i].Id));
        int todo = slice.Count - skipped;
        options.Progress.Info($"sweep {options.Shard}: {todo} of {slice.Count} runs to train ({skipped} already recorded), {options.Jobs} job(s)");
        options.Progress.BeginStage($"sweep {options.Shard}", todo);
        if (todo > 0)
        {
            if (options.Jobs == 1)
            {
                if (options.Threads is { } threads) torch.set_num_threads(threads);
                WorkLoop(plan, slice, workFolder, options.Progress, options.Cancellation, options.Monitors);
            }
            else
            {
                RunWorkers(plan, slice, todo, workFolder, options);
            }
        }
        ResultsReadout after = ResultsFile.Read(ResultsPath(workFolder));
        var byId = new Dictionary<string, RunResult>();
        foreach (RunResult r in after.Results) byId.TryAdd(r.Id, r);
        var missing = slice.Where(i => !byId.ContainsKey(plan[i].Id)).ToArray();
        options.Cancellation.ThrowIfCancellationRequested();
        if (missing.Length > 0)
            throw new InvalidOperationException($"The sweep ended with {missing.Length} runs of its slice unrecorded (first: {plan[missing[0]].Label}); run it again to finish them.");
        // Index from the plan: a line written under another grid that happens to contain the same run gets this grid's position.
        RunResult[] results = slice.Select(i => byId[plan[i].Id] with { Index = i }).ToArray();
        return new SweepOutcome(results, todo, skipped, warnings);
    }

    /// <summary>
    /// The body of a worker process (<c>mtl sweep worker</c>): reads the work folder's plan and trains every unrecorded
    /// run of <paramref name="shard"/> it can claim.
    /// </summary>
    /// <exception cref="FileNotFoundException">The work folder has no plan (a worker is started by <see cref="Run"/>).</exception>
    public static void RunWorker(string workFolder, ShardSpec shard, int threads, CancellationToken cancellation = default)
    {
        string planPath = Path.Combine(workFolder, PlanFileName);
        if (!File.Exists(planPath))
            throw new FileNotFoundException($"'{planPath}' does not exist; sweep workers are started by 'mtl sweep run', which writes it.", planPath);
        RunConfig[] plan = JsonSerializer.Deserialize<RunConfig[]>(File.ReadAllText(planPath), RunConfig.Json)
                           ?? throw new InvalidDataException($"'{planPath}' holds no plan.");
        if (threads < 1) throw new ArgumentException($"--threads must be at least 1; got {threads}.");
        torch.set_num_threads(threads);
        WorkLoop(plan, shard.Select(plan.Length), workFolder, StudyProgress.None, cancellation, null);
    }

    private static void WorkLoop(IReadOnlyList<RunConfig> plan, IReadOnlyList<int> slice, string workFolder, IStudyProgress progress, CancellationToken cancellation,
        Func<RunConfig, IEnumerable<ITrainingMonitor>>? monitors)
    {
        string results = ResultsPath(workFolder);
        HashSet<string> recorded = ResultsFile.Read(results).Results.Select(r => r.Id).ToHashSet();
        foreach (int index in slice)
        {
            cancellation.ThrowIfCancellationRequested();
            RunConfig config = plan[index];
            if (recorded.Contains(config.Id)) continue;
            using RunClaim? claim = RunClaim.TryAcquire(workFolder, config.Id);
            if (claim is null) continue;
            // Another worker may have finished it between our read and our claim.
            recorded = ResultsFile.Read(results).Results.Select(r => r.Id).ToHashSet();
            if (recorded.Contains(config.Id)) continue;
            string checkpoints = CheckpointFolder(workFolder, config.Id);
            if (Directory.Exists(checkpoints)) progress.Info($"{config.Label}: resuming from its checkpoints in {checkpoints}");
            RunResult result = RunExecutor.Execute(config, index, checkpoints, cancellation, monitors?.Invoke(config));
            ResultsFile.Append(results, result);
            recorded.Add(config.Id);
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
            progress.Advance(Describe(result));
        }
    }

    /// <summary>One line about a result: label, status and mean test metric at the selected epoch.</summary>
    public static string Describe(RunResult r) => r.Status switch
    {
        RunStatus.Finished => string.Create(CultureInfo.InvariantCulture,
            $"{r.Config.Label}: test {string.Join(" / ", r.TestAtSelected!.Metric.Select(m => m.ToString("F4", CultureInfo.InvariantCulture)))} at epoch {r.SelectedEpoch} ({r.WallSeconds:F1}s)"),
        RunStatus.NotApplicable => $"{r.Config.Label}: not applicable",
        _ => $"{r.Config.Label}: diverged",
    };

    private static void RunWorkers(IReadOnlyList<RunConfig> plan, IReadOnlyList<int> slice, int todo, string workFolder, SweepOptions options)
    {
        WorkerCommand command = options.Worker ?? WorkerCommand.CurrentApp();
        int threads = options.Threads ?? Math.Max(1, Environment.ProcessorCount / options.Jobs);
        var workers = new List<(Process Process, Task<string> Errors)>();
        try
        {
            // Never more workers than runs to do; the thread count stays cores / Jobs, so numbers do not depend on how many remain.
            for (int j = 0; j < Math.Min(options.Jobs, todo); j++)
            {
                var start = new ProcessStartInfo(command.FileName)
                {
                    RedirectStandardError = true,
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                };
                foreach (string a in command.Arguments) start.ArgumentList.Add(a);
                foreach (string a in new[] { "--work", Path.GetFullPath(workFolder), "--shard", options.Shard.ToString(), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
                    start.ArgumentList.Add(a);
                Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the sweep worker '{command.FileName}'.");
                _ = process.StandardOutput.ReadToEndAsync();
                workers.Add((process, process.StandardError.ReadToEndAsync()));
            }
            // Progress from the shared results file: each new line of the slice is one unit.
            var ids = slice.Select(i => plan[i].Id).ToHashSet();
            var seen = ResultsFile.Read(ResultsPath(workFolder)).Results.Select(r => r.Id).ToHashSet();
            // A failed worker stops the sweep at once (the others are killed below; their runs resume next time).
            while (workers.Any(w => !w.Process.HasExited) && !workers.Any(w => w.Process.HasExited && w.Process.ExitCode != 0))
            {
                options.Cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                options.Cancellation.ThrowIfCancellationRequested();
                foreach (RunResult r in ResultsFile.Read(ResultsPath(workFolder)).Results)
                    if (ids.Contains(r.Id) && seen.Add(r.Id)) options.Progress.Advance(Describe(r));
            }
            var failed = workers.Where(w => w.Process.ExitCode != 0).ToArray();
            if (failed.Length > 0)
                throw new InvalidOperationException($"{failed.Length} of {workers.Count} sweep workers failed (exit code {failed[0].Process.ExitCode}): " +
                                                    failed[0].Errors.Result.Trim());
        }
        finally
        {
            foreach (var (process, _) in workers)
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit();
                process.Dispose();
            }
        }
    }
}
