using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mtl.Trainers.IO;

namespace Mtl.Analysis.Sweeps.Slurm;

/// <summary>How a sweep is submitted to Slurm.</summary>
public sealed record SlurmOptions
{
    /// <summary>Number of shards = array tasks (shard i/N runs grid positions k with k mod N = i − 1).</summary>
    public int Shards { get; init; } = 1;

    /// <summary>Partition (<c>--partition</c>), or null for the cluster's default.</summary>
    public string? Partition { get; init; }

    /// <summary>Time limit per array task (<c>--time</c>, Slurm's formats: "30", "2:00:00", "1-12"), or null for the partition's.</summary>
    public string? Time { get; init; }

    /// <summary>CPUs per array task; each task trains with that many torch threads.</summary>
    public int CpusPerTask { get; init; } = 1;

    /// <summary>The job name (the merge job adds "-merge").</summary>
    public string JobName { get; init; } = "mtl-sweep";

    /// <summary>Check and report, but write and submit nothing (the scripts are returned).</summary>
    public bool DryRun { get; init; }

    /// <summary>Submit only the shards with unrecorded runs of an earlier submission into the same folder.</summary>
    public bool Resume { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Shards < 1) throw new ArgumentException($"--shards must be at least 1; got {Shards}.");
        if (CpusPerTask < 1) throw new ArgumentException($"--cpus must be at least 1; got {CpusPerTask}.");
        foreach ((string name, string? value) in new[] { ("--partition", Partition), ("--time", Time), ("the job name", JobName) })
            if (value is not null && (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '#' or '$' or '`' or '\\')))
                throw new ArgumentException($"{name} '{value}' cannot go into an #SBATCH line: use a non-empty value without spaces, quotes, '#', '$', '`' or '\\'.");
    }
}

/// <summary>What runs after the array for a study: its results are merged into the study's sweep folder and, once every run is recorded, the study command writes the report.</summary>
/// <param name="MergeInto">The results file to merge into (the study's <c>sweep/results.jsonl</c>).</param>
/// <param name="Arguments">The app's arguments that write the report (<c>study name --preset … --out …</c>).</param>
public sealed record SlurmFollowUp(string MergeInto, IReadOnlyList<string> Arguments);

/// <summary>The files of a submission under its root folder.</summary>
/// <param name="Root">The root: <c>shard-&lt;i&gt;/</c> work folders, <c>slurm/</c>, the merged <c>results.jsonl</c>.</param>
public sealed record SubmissionLayout(string Root)
{
    /// <summary><c>slurm/</c>: plan, scripts, manifest, logs.</summary>
    public string SlurmFolder => Path.Combine(Root, "slurm");

    /// <summary>The plan every array task reads (an array of complete runs).</summary>
    public string PlanPath => Path.Combine(SlurmFolder, "plan.json");

    /// <summary>The job-array script.</summary>
    public string ArrayScriptPath => Path.Combine(SlurmFolder, "array.sh");

    /// <summary>The merge script.</summary>
    public string MergeScriptPath => Path.Combine(SlurmFolder, "merge.sh");

    /// <summary>The manifest: shard count and every submission's job ids.</summary>
    public string ManifestPath => Path.Combine(SlurmFolder, "submission.json");

    /// <summary>Output of the array tasks (one file per shard, appended across resubmissions) and of the merge jobs.</summary>
    public string LogsFolder => Path.Combine(SlurmFolder, "logs");

    /// <summary>Where the merge job joins the shards' results.</summary>
    public string MergedResultsPath => Path.Combine(Root, SweepRunner.ResultsFileName);

    /// <summary>The work folder of shard <paramref name="index"/> (1-based).</summary>
    public string ShardFolder(int index) => Path.Combine(Root, "shard-" + index.ToString(CultureInfo.InvariantCulture));
}

/// <summary>One <c>sbatch</c> pair.</summary>
/// <param name="SubmittedUtc">When.</param>
/// <param name="Shards">The shards (array indices) submitted.</param>
/// <param name="ArrayJobId">The array job's id.</param>
/// <param name="MergeJobId">The merge job's id.</param>
public sealed record SlurmJobPair(DateTime SubmittedUtc, int[] Shards, string ArrayJobId, string MergeJobId);

/// <summary>The manifest of a submission folder.</summary>
public sealed record SubmissionManifest
{
    /// <summary>Shard count.</summary>
    public required int Shards { get; init; }

    /// <summary>Runs in the plan.</summary>
    public required int Runs { get; init; }

    /// <summary>Every submission into this folder, oldest first.</summary>
    public List<SlurmJobPair> Submissions { get; init; } = new();

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads the manifest of <paramref name="layout"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder holds no submission.</exception>
    /// <exception cref="InvalidDataException">The manifest is damaged.</exception>
    public static SubmissionManifest Read(SubmissionLayout layout)
    {
        if (!File.Exists(layout.ManifestPath))
            throw new FileNotFoundException($"'{layout.Root}' holds no Slurm submission ({layout.ManifestPath} is missing); submit with 'mtl sweep submit' first.", layout.ManifestPath);
        try
        {
            return JsonSerializer.Deserialize<SubmissionManifest>(File.ReadAllText(layout.ManifestPath), Json)
                   ?? throw new InvalidDataException($"'{layout.ManifestPath}' holds no manifest.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{layout.ManifestPath}' is damaged ({e.Message}); submit again into a new folder.", e);
        }
    }
}

/// <summary>What <see cref="SlurmSubmitter.Submit"/> did (or, for a dry run, would do).</summary>
/// <param name="Layout">The submission's files.</param>
/// <param name="Shards">The shards submitted (empty: nothing left to run).</param>
/// <param name="ArrayScript">The job-array script's text.</param>
/// <param name="MergeScript">The merge script's text.</param>
/// <param name="Commands">The <c>sbatch</c> command lines, as a user would type them.</param>
/// <param name="Jobs">The submitted job ids, or null (dry run, or nothing to submit).</param>
public sealed record SlurmSubmission(SubmissionLayout Layout, IReadOnlyList<int> Shards, string ArrayScript, string MergeScript,
    IReadOnlyList<string> Commands, SlurmJobPair? Jobs);

/// <summary>
/// Submits a sweep to Slurm as a job array of shards plus a merge job that depends on it (<c>afterany</c>), and
/// resubmits only the unfinished shards of an earlier submission (<c>Resume</c>): each resubmitted run resumes from its
/// checkpoint; a run that diverged is recorded and never retried.
/// </summary>
public static class SlurmSubmitter
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Writes the plan and the scripts under <paramref name="root"/> and submits them (see <see cref="SlurmOptions"/>).</summary>
    /// <param name="plan">The runs in grid order.</param>
    /// <param name="root">The submission folder (created).</param>
    /// <param name="options">Shards, placement, dry run, resume.</param>
    /// <param name="app">How array tasks start this app (<see cref="AppCommand.Current"/> for the running <c>mtl</c>).</param>
    /// <param name="followUp">For a study: where the merge goes and the command that writes the report.</param>
    /// <exception cref="ArgumentException">Bad options, a folder path Slurm cannot take, or (on resume) a different plan in the folder.</exception>
    /// <exception cref="InvalidOperationException"><c>sbatch</c> is missing or refused the job (its message is included).</exception>
    public static SlurmSubmission Submit(IReadOnlyList<RunConfig> plan, string root, SlurmOptions options, AppCommand app, SlurmFollowUp? followUp = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(app);
        options.Validate();
        SweepGrid.Validated(plan);
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var layout = new SubmissionLayout(Path.GetFullPath(root));
        if (layout.Root.Any(c => char.IsWhiteSpace(c) || c is '%'))
            throw new ArgumentException($"The work folder '{layout.Root}' has a space or '%' in its path, which Slurm's #SBATCH --output lines cannot hold; choose a folder without them.");
        if (File.Exists(layout.Root)) throw new ArgumentException($"--work '{layout.Root}' is a file; pass a folder path.");
        if (options.Shards > plan.Count)
            throw new ArgumentException($"--shards {options.Shards} is more than the plan's {plan.Count} runs; every shard needs at least one run.");

        int[] shards = options.Resume ? UnfinishedShards(plan, layout, options) : Enumerable.Range(1, options.Shards).ToArray();
        if (!options.Resume && File.Exists(layout.ManifestPath))
            throw new ArgumentException($"'{layout.Root}' already holds a submission; add --resume to submit its unfinished shards, or choose a new folder.");

        string arrayScript = SlurmScripts.Array(layout, options, app);
        string mergeScript = SlurmScripts.Merge(layout, options, app, followUp);
        string arraySpec = FormatShards(shards);
        var commands = new List<string>();
        if (shards.Length > 0)
        {
            commands.Add($"sbatch --parsable --array={arraySpec} {SlurmScripts.Quote(layout.ArrayScriptPath)}");
            commands.Add($"sbatch --parsable --dependency=afterany:<array job id> {SlurmScripts.Quote(layout.MergeScriptPath)}");
        }
        if (options.DryRun || shards.Length == 0)
            return new SlurmSubmission(layout, shards, arrayScript, mergeScript, commands, null);

        string sbatch = FindOnPath("sbatch")
            ?? throw new InvalidOperationException("'sbatch' was not found on PATH: submit from a Slurm login node (Debian: the slurm-client package), or pass --dry-run to see the scripts.");
        Directory.CreateDirectory(layout.LogsFolder);
        SafeFiles.WriteAllText(layout.PlanPath, JsonSerializer.Serialize(plan, RunConfig.Json));
        SafeFiles.WriteAllText(layout.ArrayScriptPath, arrayScript);
        SafeFiles.WriteAllText(layout.MergeScriptPath, mergeScript);
        SubmissionManifest manifest = options.Resume ? SubmissionManifest.Read(layout) : new SubmissionManifest { Shards = options.Shards, Runs = plan.Count };
        // The manifest is written before anything is queued, so a folder with jobs always knows its shard count.
        SafeFiles.WriteAllText(layout.ManifestPath, JsonSerializer.Serialize(manifest, SubmissionManifest.Json));

        string arrayJob = JobId(Run(sbatch, "--parsable", $"--array={arraySpec}", layout.ArrayScriptPath));
        string mergeJob = JobId(Run(sbatch, "--parsable", $"--dependency=afterany:{arrayJob}", layout.MergeScriptPath));
        var jobs = new SlurmJobPair(DateTime.UtcNow, shards, arrayJob, mergeJob);
        manifest.Submissions.Add(jobs);
        SafeFiles.WriteAllText(layout.ManifestPath, JsonSerializer.Serialize(manifest, SubmissionManifest.Json));
        return new SlurmSubmission(layout, shards, arrayScript, mergeScript, commands, jobs);
    }

    /// <summary>Shards as Slurm writes array indices: "1-4" for a contiguous range, else "2,5,7".</summary>
    public static string FormatShards(IReadOnlyList<int> shards) =>
        shards.Count > 1 && shards[^1] - shards[0] == shards.Count - 1
            ? $"{shards[0]}-{shards[^1]}"
            : string.Join(',', shards.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Shards with unrecorded runs whose array tasks are no longer queued or running.</summary>
    private static int[] UnfinishedShards(IReadOnlyList<RunConfig> plan, SubmissionLayout layout, SlurmOptions options)
    {
        SubmissionManifest manifest = SubmissionManifest.Read(layout);
        if (manifest.Shards != options.Shards)
            throw new ArgumentException($"'{layout.Root}' was submitted with {manifest.Shards} shards, not {options.Shards}; resume with --shards {manifest.Shards}.");
        if (File.Exists(layout.PlanPath))
        {
            IReadOnlyList<RunConfig> before = SweepGrid.Load(layout.PlanPath);
            if (!before.Select(r => r.Id).SequenceEqual(plan.Select(r => r.Id)))
                throw new ArgumentException($"'{layout.Root}' holds another plan ({before.Count} runs) than the one given ({plan.Count} runs); resume with the same grid or study settings, or choose a new folder.");
        }
        HashSet<int> active = ActiveArrayTasks(manifest);
        SubmissionStatus status = SweepStatus.Read(layout.Root, plan, manifest.Shards);
        return status.Shards.Where(s => s.Unrecorded > 0 && !active.Contains(s.Shard)).Select(s => s.Shard).ToArray();
    }

    /// <summary>Array indices of earlier submissions that Slurm still has queued or running (empty when squeue is absent).</summary>
    private static HashSet<int> ActiveArrayTasks(SubmissionManifest manifest)
    {
        var active = new HashSet<int>();
        string? squeue = FindOnPath("squeue");
        if (squeue is null || manifest.Submissions.Count == 0) return active;
        string ids = string.Join(',', manifest.Submissions.Select(s => s.ArrayJobId));
        // -r: one line per array task; %K: the task's array index.
        string output = Run(squeue, "-h", "-r", "-j", ids, "-o", "%K");
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int index)) active.Add(index);
        return active;
    }

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>The job id in what <c>sbatch --parsable</c> printed: "id" or "id;cluster".</summary>
    private static string JobId(string parsable) => parsable.Trim().Split(';')[0];

    /// <summary>Runs a Slurm client command and returns its standard output.</summary>
    private static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"'{file}' could not be started.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'{Path.GetFileName(file)} {string.Join(' ', args)}' did not answer within {CommandTimeout.TotalMinutes:0} minutes; is slurmctld reachable?");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{Path.GetFileName(file)} {string.Join(' ', args)}' failed (exit code {process.ExitCode}): {stderr.Result.Trim()}");
        return stdout.Result;
    }
}
