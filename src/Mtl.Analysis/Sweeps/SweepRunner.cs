using Mtl.Trainers.IO;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>The option that tells a worker to stop when its standard input closes (its parent died).</summary>
    public const string WatchParentOption = "--watch-parent";

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
        if (plan is not GridPlan { IsValidated: true }) SweepGrid.Validated(plan);
        Directory.CreateDirectory(workFolder);
        WritePlan(workFolder, plan);

        IReadOnlyList<int> slice = options.Shard.Select(plan.Count);
        var warnings = new List<string>();
        ResultsReadout before = ResultsFile.Read(ResultsPath(workFolder));
        if (before.Warning is { } torn)
        {
            warnings.Add(torn);
            options.Progress.Info(torn);
        }
        var recorded = before.Results.Select(r => r.Id).ToHashSet();
        // Each id once: a lazy plan builds a run's config (and hashes it) on every access.
        string[] sliceIds = slice.Select(i => plan[i].Id).ToArray();
        int skipped = sliceIds.Count(recorded.Contains);
        int todo = slice.Count - skipped;
        options.Progress.Info($"sweep {options.Shard}: {todo} of {slice.Count} runs to train ({skipped} already recorded), {options.Jobs} job(s)");
        options.Progress.BeginStage($"sweep {options.Shard}", todo);
        if (todo > 0)
        {
            if (options.Jobs == 1 && options.Threads is { } threads) torch.set_num_threads(threads);
            TrainUntilRecorded(plan, slice, sliceIds, todo, workFolder, options);
        }
        ResultsReadout after = ResultsFile.Read(ResultsPath(workFolder));
        var byId = new Dictionary<string, RunResult>();
        foreach (RunResult r in after.Results) byId.TryAdd(r.Id, r);
        var missing = Enumerable.Range(0, slice.Count).Where(k => !byId.ContainsKey(sliceIds[k])).Select(k => slice[k]).ToArray();
        options.Cancellation.ThrowIfCancellationRequested();
        if (missing.Length > 0)
            throw new InvalidOperationException($"The sweep ended with {missing.Length} runs of its slice unrecorded (first: {plan[missing[0]].Label}); run it again to finish them.");
        // Index from the plan: a line written under another grid that happens to contain the same run gets this grid's position.
        RunResult[] results = slice.Select((i, k) => byId[sliceIds[k]] with { Index = i }).ToArray();
        return new SweepOutcome(results, todo, skipped, warnings);
    }

    /// <summary>
    /// Trains the slice's unrecorded runs (in this process or in workers), then waits for runs that another sweep on the
    /// same folder still trains: a sweep returns only when every run of its slice is recorded. A run that another
    /// process claimed but left unrecorded (it was stopped) is trained here.
    /// </summary>
    private static void TrainUntilRecorded(IReadOnlyList<RunConfig> plan, IReadOnlyList<int> slice, string[] sliceIds, int todo, string workFolder,
        SweepOptions options)
    {
        var recorded = new RecordedRuns(ResultsPath(workFolder));
        bool waiting = false;
        while (true)
        {
            if (options.Jobs == 1) WorkLoop(plan, slice, workFolder, options.Progress, options.Cancellation, options.Monitors);
            else RunWorkers(sliceIds, todo, workFolder, options);
            while (true)
            {
                recorded.Refresh();
                string[] missing = sliceIds.Where(id => !recorded.Contains(id)).ToArray();
                if (missing.Length == 0) return;
                if (!missing.Any(id => RunClaim.IsHeld(workFolder, id))) break;
                if (!waiting)
                {
                    options.Progress.Info($"waiting for {missing.Length} run(s) that another sweep on this folder is training");
                    waiting = true;
                }
                options.Cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                options.Cancellation.ThrowIfCancellationRequested();
            }
            todo = sliceIds.Count(id => !recorded.Contains(id));
        }
    }

    /// <summary>
    /// Writes the plan that workers read, unless the folder already holds the same plan (a finished sweep's folder may
    /// be read-only, and rerunning it must still report its results).
    /// </summary>
    internal static void WritePlan(string workFolder, IReadOnlyList<RunConfig> plan)
    {
        string path = Path.Combine(workFolder, PlanFileName);
        // A grid's plan is the grid itself (workers expand it lazily); a plan built in code is its list of runs.
        string json = plan is GridPlan grid
            ? new JsonObject { ["format"] = GridPlanFormat, ["grid"] = grid.Source.DeepClone() }.ToJsonString()
            : JsonSerializer.Serialize(plan, RunConfig.Json);
        if (File.Exists(path) && File.ReadAllText(path) == json) return;
        SafeFiles.WriteAllText(path, json);
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
        IReadOnlyList<RunConfig> plan = ReadPlan(planPath);
        if (threads < 1) throw new ArgumentException($"--threads must be at least 1; got {threads}.");
        torch.set_num_threads(threads);
        WorkLoop(plan, shard.Select(plan.Count), workFolder, StudyProgress.None, cancellation, null);
    }

    private const string GridPlanFormat = "mtl-sweep-plan/grid";

    private static IReadOnlyList<RunConfig> ReadPlan(string planPath)
    {
        string text = File.ReadAllText(planPath);
        try
        {
            if (JsonNode.Parse(text) is JsonObject { } root && root["format"]?.GetValue<string>() == GridPlanFormat && root["grid"] is JsonObject grid)
                return SweepGrid.Expand(grid.ToJsonString(), validate: false);
            return JsonSerializer.Deserialize<RunConfig[]>(text, RunConfig.Json) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{planPath}' is not a sweep plan ({e.Message}); run 'mtl sweep run' again, which rewrites it.", e);
        }
    }

    private static void WorkLoop(IReadOnlyList<RunConfig> plan, IReadOnlyList<int> slice, string workFolder, IStudyProgress progress, CancellationToken cancellation,
        Func<RunConfig, IEnumerable<ITrainingMonitor>>? monitors)
    {
        string results = ResultsPath(workFolder);
        // Read incrementally: each claim parses only the lines appended since the last one, not the whole history.
        var recorded = new RecordedRuns(results);
        recorded.Refresh();
        foreach (int index in slice)
        {
            cancellation.ThrowIfCancellationRequested();
            RunConfig config = plan[index];
            if (recorded.Contains(config.Id)) continue;
            using RunClaim? claim = RunClaim.TryAcquire(workFolder, config.Id);
            if (claim is null) continue;
            // Another worker may have finished it between our read and our claim.
            recorded.Refresh();
            if (recorded.Contains(config.Id)) continue;
            string checkpoints = CheckpointFolder(workFolder, config.Id);
            if (Directory.Exists(checkpoints)) progress.Info($"{config.Label}: resuming from its checkpoints in {checkpoints}");
            RunResult result = RunExecutor.Execute(config, index, checkpoints, cancellation, monitors?.Invoke(config));
            ResultsFile.Append(results, result);
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

    private static readonly TimeSpan WorkerStopGrace = TimeSpan.FromSeconds(15);

    private static void CloseQuietly(Process worker)
    {
        try
        {
            worker.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // It exited meanwhile.
        }
    }

    private static void RunWorkers(IReadOnlyList<string> sliceIds, int todo, string workFolder, SweepOptions options)
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
                    // The worker watches this pipe: when this process dies, however it dies, the pipe closes and the worker stops.
                    RedirectStandardInput = true,
                    UseShellExecute = false,
                };
                foreach (string a in command.Arguments) start.ArgumentList.Add(a);
                foreach (string a in new[] { "--work", Path.GetFullPath(workFolder), "--shard", options.Shard.ToString(), "--threads", threads.ToString(CultureInfo.InvariantCulture), WatchParentOption })
                    start.ArgumentList.Add(a);
                Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the sweep worker '{command.FileName}'.");
                _ = process.StandardOutput.ReadToEndAsync();
                workers.Add((process, process.StandardError.ReadToEndAsync()));
            }
            // Progress from the shared results file: each new line of the slice is one unit.
            var ids = sliceIds.ToHashSet();
            var recorded = new RecordedRuns(ResultsPath(workFolder));
            recorded.Refresh();
            // A failed worker stops the sweep at once (the others are killed below; their runs resume next time).
            while (workers.Any(w => !w.Process.HasExited) && !workers.Any(w => w.Process.HasExited && w.Process.ExitCode != 0))
            {
                options.Cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                options.Cancellation.ThrowIfCancellationRequested();
                foreach (RunResult r in recorded.Refresh())
                    if (ids.Contains(r.Id)) options.Progress.Advance(Describe(r));
            }
            var failed = workers.Where(w => w.Process.ExitCode != 0).ToArray();
            if (failed.Length > 0)
                throw new InvalidOperationException($"{failed.Length} of {workers.Count} sweep workers failed (exit code {failed[0].Process.ExitCode}): " +
                                                    failed[0].Errors.Result.Trim());
        }
        finally
        {
            // Closing a worker's stdin asks it to stop before its next step (see WatchParentOption); one that does not
            // stop within the grace period is killed (a killed run resumes from its last checkpoint all the same).
            foreach (var (process, _) in workers)
                if (!process.HasExited) CloseQuietly(process);
            var deadline = DateTime.UtcNow + WorkerStopGrace;
            foreach (var (process, _) in workers)
            {
                TimeSpan left = deadline - DateTime.UtcNow;
                if (!process.WaitForExit(left > TimeSpan.Zero ? left : TimeSpan.Zero)) process.Kill(entireProcessTree: true);
                process.WaitForExit();
                process.Dispose();
            }
        }
    }
}
