using System.CommandLine;
using Mtl.Analysis.Sweeps;
using Mtl.Analysis.Sweeps.Slurm;
using Mtl.Trainers;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl sweep run</c> (a grid of training runs into a work folder, resumable, <c>--jobs</c> processes side by side,
/// <c>--shard i/n</c> for batch schedulers), <c>mtl sweep submit</c> (a Slurm job array of shards and a merge job),
/// <c>mtl sweep status</c>, <c>mtl sweep merge</c> (joins shards' results files) and the hidden <c>mtl sweep worker</c>
/// that <c>--jobs</c> starts. See docs/sweeps.md.
/// </summary>
public static class SweepCommand
{
    /// <summary>Builds <c>mtl sweep</c>.</summary>
    public static Command Create()
    {
        var command = new Command("sweep", "Run a grid of training runs (resumable, parallel, shardable) and merge shards' results.")
        {
            CreateRun(), CreateSubmit(), CreateStatus(), CreateMerge(), CreateWorker(),
        };
        return command;
    }

    private static Command CreateRun()
    {
        var grid = new Option<string>("--grid") { Description = "Grid file (JSON: base, axes / runs / blocks, seeds; see docs/sweeps.md)", Required = true };
        var work = new Option<string>("--work") { Description = "Work folder: plan.json, results.jsonl, checkpoints/ (rerun the same command to resume)", Required = true };
        var jobs = new Option<int>("--jobs") { Description = "Training processes side by side; threads are split between them", DefaultValueFactory = _ => 1 };
        var shard = new Option<string>("--shard") { Description = "Run only slice i of n (1-based), e.g. 3/8: run k of the grid belongs to slice k mod n + 1", DefaultValueFactory = _ => "1/1" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads of this process (with --jobs 1; default: one per core), e.g. a batch job's CPU count" };
        var command = new Command("run", "Train every run of a grid (or of one shard of it) that the work folder has not recorded yet.") { grid, work, jobs, shard, threads };
        command.SetAction(parse =>
        {
            using var signals = new ShutdownSignals();
            return Guarded(() => Run(parse.GetValue(grid)!, parse.GetValue(work)!, parse.GetValue(jobs), parse.GetValue(shard)!, parse.GetValue(threads), signals.Token), signals);
        });
        return command;
    }

    /// <summary>The options shared by <c>mtl sweep submit</c> and <c>mtl study … --submit</c>.</summary>
    internal sealed class SubmitOptions
    {
        public Option<string> Scheduler { get; } = new("--scheduler") { Description = "Batch scheduler: slurm", DefaultValueFactory = _ => "slurm" };
        public Option<int> Shards { get; } = new("--shards") { Description = "Array tasks: shard i of N runs grid positions k with k mod N = i - 1", DefaultValueFactory = _ => 1 };
        public Option<string?> Partition { get; } = new("--partition") { Description = "Slurm partition (default: the cluster's)" };
        public Option<string?> Time { get; } = new("--time") { Description = "Time limit per array task, in Slurm's format (e.g. 4:00:00)" };
        public Option<int> Cpus { get; } = new("--cpus") { Description = "CPUs per array task (= its torch threads)", DefaultValueFactory = _ => 1 };
        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Print the scripts and the sbatch commands; write and submit nothing" };
        public Option<bool> Resume { get; } = new("--resume") { Description = "Resubmit only the shards with unrecorded runs (they resume from their checkpoints)" };

        public IEnumerable<Option> All => [Scheduler, Shards, Partition, Time, Cpus, DryRun, Resume];

        /// <summary>The options; <paramref name="scheduler"/> when the command names it its own way (<c>mtl study --submit</c>), else <c>--scheduler</c>.</summary>
        public SlurmOptions Read(ParseResult parse, string jobName, string? scheduler = null)
        {
            scheduler ??= parse.GetValue(Scheduler) ?? "slurm";
            if (!scheduler.Equals("slurm", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"scheduler '{scheduler}' is not supported; the scheduler is slurm (see docs/sweeps.md for Kubernetes).");
            return new SlurmOptions
            {
                Shards = parse.GetValue(Shards), Partition = parse.GetValue(Partition), Time = parse.GetValue(Time), CpusPerTask = parse.GetValue(Cpus),
                DryRun = parse.GetValue(DryRun), Resume = parse.GetValue(Resume), JobName = jobName,
            };
        }
    }

    private static Command CreateSubmit()
    {
        var grid = new Option<string>("--grid") { Description = "Grid file (JSON; see docs/sweeps.md)", Required = true };
        var work = new Option<string>("--work") { Description = "Submission folder: shard-<i>/ work folders, slurm/ (plan, scripts, logs), the merged results.jsonl", Required = true };
        var submit = new SubmitOptions();
        var command = new Command("submit", "Submit the grid to a batch scheduler: a job array of shards and a merge job after it.") { grid, work };
        foreach (Option o in submit.All) command.Options.Add(o);
        command.SetAction(parse => Guarded(() =>
        {
            IReadOnlyList<RunConfig> plan = SweepGrid.Load(parse.GetValue(grid)!);
            SlurmOptions options = submit.Read(parse, "mtl-" + SafeJobName(Path.GetFileNameWithoutExtension(parse.GetValue(grid)!)));
            return PrintSubmission(SlurmSubmitter.Submit(plan, parse.GetValue(work)!, options, AppCommand.Current()), options);
        }));
        return command;
    }

    /// <summary>Letters, digits, '-' and '_' of <paramref name="name"/> (a job name goes into an #SBATCH line).</summary>
    internal static string SafeJobName(string name)
    {
        string safe = new(name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').ToArray());
        return safe.Length > 0 ? safe : "sweep";
    }

    /// <summary>Prints what was (or would be) submitted; exit code 0.</summary>
    internal static int PrintSubmission(SlurmSubmission submission, SlurmOptions options)
    {
        if (submission.Shards.Count == 0)
        {
            Console.WriteLine($"Every run in {submission.Layout.Root} is recorded or still queued/running: nothing to resubmit.");
            return 0;
        }
        if (options.DryRun)
        {
            Console.WriteLine($"# {submission.Layout.ArrayScriptPath}");
            Console.Write(submission.ArrayScript);
            Console.WriteLine($"# {submission.Layout.MergeScriptPath}");
            Console.Write(submission.MergeScript);
            Console.WriteLine("# commands");
            foreach (string line in submission.Commands) Console.WriteLine(line);
            return 0;
        }
        SlurmJobPair jobs = submission.Jobs!;
        Console.WriteLine($"submitted shards {SlurmSubmitter.FormatShards(submission.Shards)} of {options.Shards} as array job {jobs.ArrayJobId}; merge job {jobs.MergeJobId} runs after it (afterany).");
        Console.WriteLine($"status: mtl sweep status {submission.Layout.Root}   logs: {submission.Layout.LogsFolder}");
        return 0;
    }

    private static Command CreateStatus()
    {
        var work = new Argument<string>("work") { Description = "A submission folder (from mtl sweep submit)" };
        var complete = new Option<bool>("--complete") { Description = "Exit with 3 unless every run is recorded (for scripts)" };
        var command = new Command("status", "Per shard: runs finished, diverged, not applicable, running, interrupted and pending.") { work, complete };
        command.SetAction(parse => Guarded(() =>
        {
            SubmissionStatus status = SweepStatus.Read(parse.GetValue(work)!);
            foreach (string warning in status.Warnings) Console.Error.WriteLine($"warning: {warning}");
            var table = new Table().AddColumn("shard");
            foreach (string c in new[] { "runs", "finished", "diverged", "n/a", "running", "interrupted", "pending" })
                table.AddColumn(new TableColumn(c).RightAligned());
            foreach (ShardStatus s in status.Shards)
                table.AddRow(s.Shard.ToString(), s.Runs.ToString(), s.Finished.ToString(), s.Diverged.ToString(), s.NotApplicable.ToString(),
                    s.Running.ToString(), s.Interrupted.ToString(), s.Pending.ToString());
            AnsiConsole.Write(table);
            int recorded = status.Shards.Sum(s => s.Recorded), runs = status.Shards.Sum(s => s.Runs);
            Console.WriteLine(status.Complete
                ? $"complete: all {runs} runs recorded."
                : $"{recorded} of {runs} runs recorded; interrupted shards resume with the same submit command and --resume.");
            return parse.GetValue(complete) && !status.Complete ? 3 : 0;
        }));
        return command;
    }

    private static Command CreateMerge()
    {
        var output = new Option<string>("--out") { Description = "Merged results file (JSON Lines, in grid order)", Required = true };
        var inputs = new Argument<string[]>("results") { Description = "Results files to join (e.g. one per shard)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Join results files: union by run id, in grid order; conflicting duplicates are an error.") { output, inputs };
        command.SetAction(parse => Guarded(() => Merge(parse.GetValue(output)!, parse.GetValue(inputs)!)));
        return command;
    }

    private static Command CreateWorker()
    {
        var work = new Option<string>("--work") { Required = true };
        var shard = new Option<string>("--shard") { DefaultValueFactory = _ => "1/1" };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var watchParent = new Option<bool>(SweepRunner.WatchParentOption) { Description = "Stop when standard input closes (the parent died)" };
        var command = new Command("worker", "One worker process of 'mtl sweep run --jobs N' (started by it).") { work, shard, threads, watchParent };
        command.Hidden = true;
        command.SetAction(parse =>
        {
            using var signals = new ShutdownSignals();
            if (parse.GetValue(watchParent)) ParentWatch.Start(signals);
            return Guarded(() =>
            {
                SweepRunner.RunWorker(parse.GetValue(work)!, ShardSpec.Parse(parse.GetValue(shard)!), parse.GetValue(threads), signals.Token);
                return 0;
            }, signals);
        });
        return command;
    }

    private static int Guarded(Func<int> action, ShutdownSignals? signals = null) => CommandErrors.Run(action, e => e switch
    {
        OperationCanceledException => "finished runs are recorded; running the same command again resumes the rest.",
        InvalidOperationException => e.Message,
        _ => null,
    }, signals);

    private static int Run(string gridPath, string work, int jobs, string shardText, int? threads, CancellationToken stop)
    {
        if (jobs < 1) throw new ArgumentException($"--jobs must be at least 1; got {jobs}.");
        if (threads is < 1) throw new ArgumentException($"--threads must be at least 1; got {threads}.");
        if (threads is not null && jobs > 1) throw new ArgumentException("--threads sets this process's threads; with --jobs N the threads are split between the workers: drop one of them.");
        ShardSpec shard = ShardSpec.Parse(shardText);
        IReadOnlyList<RunConfig> plan = SweepGrid.Load(gridPath);
        if (string.IsNullOrWhiteSpace(work)) throw new ArgumentException("--work needs a folder path; got an empty one.");
        if (File.Exists(work)) throw new ArgumentException($"--work '{work}' is a file; pass a folder path.");
        if (jobs > Environment.ProcessorCount)
            Console.Error.WriteLine($"warning: --jobs {jobs} is more than the {Environment.ProcessorCount} cores of this machine; each worker holds its own " +
                                    "copy of the data and the workers compete for the cores, so the sweep gets slower and uses more memory. " +
                                    $"Use --jobs {Environment.ProcessorCount} or fewer.");
        AnsiConsole.MarkupLine($"[bold]mtl sweep run[/] {plan.Count} runs in the grid, shard {shard}, {jobs} job(s) → {Markup.Escape(Path.GetFullPath(work))}");
        SweepOutcome outcome = StudyProgressDisplay.Run(progress => SweepRunner.Run(plan, work,
            new SweepOptions { Jobs = jobs, Shard = shard, Threads = threads, Progress = progress, Cancellation = stop }));
        foreach (string warning in outcome.Warnings) Console.Error.WriteLine($"warning: {warning}");
        PrintSummary(outcome.Results);
        AnsiConsole.MarkupLine($"trained {outcome.Trained}, already recorded {outcome.Skipped}; results: [green]{Markup.Escape(SweepRunner.ResultsPath(work))}[/]");
        return 0;
    }

    private static int Merge(string output, string[] inputs)
    {
        var warnings = new List<string>();
        IReadOnlyList<RunResult> merged = SweepMerge.MergeInto(output, inputs, warnings);
        foreach (string warning in warnings) Console.Error.WriteLine($"warning: {warning}");
        AnsiConsole.MarkupLine($"merged {inputs.Length} files into [green]{Markup.Escape(output)}[/]: {merged.Count} runs");
        return 0;
    }

    private static void PrintSummary(IReadOnlyList<RunResult> results)
    {
        var table = new Table().AddColumn("run").AddColumn("status").AddColumn(new TableColumn("selected epoch").RightAligned())
            .AddColumn(new TableColumn("test metric per task").RightAligned());
        foreach (RunResult r in results)
            table.AddRow(Markup.Escape(r.Config.Label), r.Status.ToString(), r.IsFinished ? r.SelectedEpoch.ToString() : "",
                r.TestAtSelected is { } t ? string.Join(" / ", t.Metric.Select(m => m.ToString("F4"))) : Markup.Escape(Shorten(r.Reason)));
        AnsiConsole.Write(table);
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 60 ? text : text[..57] + "...";
}
