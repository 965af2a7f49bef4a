using System.CommandLine;
using Mtl.Analysis.Sweeps;
using Mtl.Trainers;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl sweep run</c> (a grid of training runs into a work folder, resumable, <c>--jobs</c> processes side by side,
/// <c>--shard i/n</c> for batch schedulers), <c>mtl sweep merge</c> (joins shards' results files) and the hidden
/// <c>mtl sweep worker</c> that <c>--jobs</c> starts. See docs/sweeps.md.
/// </summary>
public static class SweepCommand
{
    /// <summary>Builds <c>mtl sweep</c>.</summary>
    public static Command Create()
    {
        var command = new Command("sweep", "Run a grid of training runs (resumable, parallel, shardable) and merge shards' results.")
        {
            CreateRun(), CreateMerge(), CreateWorker(),
        };
        return command;
    }

    private static Command CreateRun()
    {
        var grid = new Option<string>("--grid") { Description = "Grid file (JSON: base, axes / runs / blocks, seeds; see docs/sweeps.md)", Required = true };
        var work = new Option<string>("--work") { Description = "Work folder: plan.json, results.jsonl, checkpoints/ (rerun the same command to resume)", Required = true };
        var jobs = new Option<int>("--jobs") { Description = "Training processes side by side; threads are split between them", DefaultValueFactory = _ => 1 };
        var shard = new Option<string>("--shard") { Description = "Run only slice i of n (1-based), e.g. 3/8: run k of the grid belongs to slice k mod n + 1", DefaultValueFactory = _ => "1/1" };
        var command = new Command("run", "Train every run of a grid (or of one shard of it) that the work folder has not recorded yet.") { grid, work, jobs, shard };
        command.SetAction(parse =>
        {
            using var signals = new ShutdownSignals();
            return Guarded(() => Run(parse.GetValue(grid)!, parse.GetValue(work)!, parse.GetValue(jobs), parse.GetValue(shard)!, signals.Token), signals);
        });
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

    private static int Run(string gridPath, string work, int jobs, string shardText, CancellationToken stop)
    {
        if (jobs < 1) throw new ArgumentException($"--jobs must be at least 1; got {jobs}.");
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
            new SweepOptions { Jobs = jobs, Shard = shard, Progress = progress, Cancellation = stop }));
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
