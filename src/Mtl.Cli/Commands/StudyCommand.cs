using System.CommandLine;
using System.Diagnostics;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Studies;
using Mtl.Analysis.Sweeps;
using Mtl.Analysis.Sweeps.Slurm;
using Mtl.Trainers;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl study &lt;name&gt;</c>: runs one of the studies of <see cref="StudyCatalog"/> at a preset and writes its report folder
/// (report.md, report.html, runs.csv, runs.json, plots/).
/// </summary>
public static class StudyCommand
{
    /// <summary>Builds <c>mtl study</c> with one subcommand per study.</summary>
    public static Command Create()
    {
        var command = new Command("study", "Run a study of the MTL literature and write its report (report.md, report.html, runs.csv/json, plots).");
        foreach (IStudy study in StudyCatalog.All)
            command.Subcommands.Add(CreateOne(study));
        return command;
    }

    private static Command CreateOne(IStudy study)
    {
        var preset = new Option<StudyPreset>("--preset") { Description = "smoke (seconds) | quick (minutes, the default) | paper (the paper's protocol: hours)", DefaultValueFactory = _ => StudyPreset.Quick };
        var output = new Option<string>("--out") { Description = "Report folder (replaced when the new report is complete)", DefaultValueFactory = _ => Path.Combine("studies", study.Name) };
        var seed = new Option<int>("--seed") { Description = "First seed; a study with S seeds uses seed, seed+1, …", DefaultValueFactory = _ => 1 };
        var seeds = new Option<int?>("--seeds") { Description = "Number of seeds (default: the preset's)" };
        var methods = new Option<string[]>("--method") { Description = "Methods to run instead of the study's (repeat or comma-separate), e.g. ew,pcgrad,\"upgrad(ridge=1e-4)\"", AllowMultipleArgumentsPerToken = true };
        var dataset = new Option<string?>("--dataset") { Description = "multi-fashion | multi-mnist | multi-fashion-mnist (default: the study's)" };
        var jobs = new Option<int>("--jobs") { Description = "Training processes side by side (studies that sweep many runs); threads are split between them", DefaultValueFactory = _ => 1 };
        var command = new Command(study.Name, study.Description) { preset, output, seed, seeds, methods, dataset, jobs };
        var table = new Option<string?>("--table") { Description = "Also train on this CSV/TSV table (with one --label per task)" };
        var labels = new Option<string[]>("--label") { Description = "A label column of --table, one task each: <column> or <column>:multiclass|binary|regression" };
        if (study is ITableStudy)
        {
            command.Options.Add(table);
            command.Options.Add(labels);
        }
        if (study is ISweepStudy sweepStudy)
        {
            // The sweep studies can train on a cluster: --submit slurm writes a job array of their runs and a merge job that writes the report.
            var submit = new Option<string?>("--submit") { Description = "Train the runs on a batch scheduler instead (slurm): a job array of --shards shards, then a merge job that writes the report" };
            var options = new SweepCommand.SubmitOptions();
            command.Options.Add(submit);
            foreach (Option o in options.All.Where(o => o != options.Scheduler)) command.Options.Add(o);
            command.SetAction(parse =>
            {
                var settings = new StudySettings(parse.GetValue(preset), parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(seeds),
                    SplitMethods(parse.GetValue(methods)), parse.GetValue(dataset), parse.GetValue(jobs), parse.GetValue(table), parse.GetValue(labels) ?? []);
                return parse.GetValue(submit) is { } scheduler
                    ? Submit(sweepStudy, settings, scheduler, options, parse)
                    : Run(study, settings);
            });
            return command;
        }
        command.SetAction(parse => Run(study, new StudySettings(parse.GetValue(preset), parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(seeds),
            SplitMethods(parse.GetValue(methods)), parse.GetValue(dataset), parse.GetValue(jobs))));
        return command;
    }

    /// <summary>
    /// Submits the study's runs as a Slurm job array into <c>&lt;out&gt;/slurm-sweep/</c>; the merge job joins the shards'
    /// results into the study's own <c>&lt;out&gt;/sweep/results.jsonl</c> and, once every run is recorded, runs this same
    /// study command there, which then trains nothing and writes the report.
    /// </summary>
    private static int Submit(ISweepStudy study, StudySettings s, string scheduler, SweepCommand.SubmitOptions submit, ParseResult parse) => CommandErrors.Run(() =>
    {
        Validate(s);
        if (s.Jobs > 1) throw new ArgumentException("--jobs runs processes on this machine; with --submit the runs go to the cluster: drop --jobs and set --cpus per array task.");
        string folder = Path.GetFullPath(s.OutputFolder);
        var context = new StudyContext(s.Preset, folder) { Seed = s.Seed, Seeds = s.Seeds, Methods = s.Methods, Dataset = s.Dataset };
        IReadOnlyList<RunConfig> plan = study.Plan(context);
        SlurmOptions options = submit.Read(parse, "mtl-" + study.Name, scheduler);
        var report = new List<string> { "study", study.Name, "--preset", s.Preset.ToString().ToLowerInvariant(), "--out", folder, "--seed", s.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (s.Seeds is { } n) report.AddRange(["--seeds", n.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (s.Methods.Count > 0) report.AddRange(["--method", string.Join(',', s.Methods)]);
        if (s.Dataset is { } d) report.AddRange(["--dataset", d]);
        // The merge job trains the table part itself (it is small) once the image runs are recorded.
        if (s.Table is { } t) report.AddRange(["--table", Path.GetFullPath(t), .. (s.TableLabels ?? []).SelectMany(l => new[] { "--label", l })]);
        var followUp = new SlurmFollowUp(Path.Combine(ISweepStudy.WorkFolder(folder), SweepRunner.ResultsFileName), report);
        Console.WriteLine($"{study.Name}: {plan.Count} runs → {options.Shards} shard(s)");
        SlurmSubmission submission = SlurmSubmitter.Submit(plan, Path.Combine(folder, "slurm-sweep"), options, AppCommand.Current(), followUp);
        return SweepCommand.PrintSubmission(submission, options);
    });

    /// <summary>What <c>mtl study</c> was asked to do.</summary>
    /// <param name="Preset">The preset.</param>
    /// <param name="OutputFolder">The report folder.</param>
    /// <param name="Seed">First seed.</param>
    /// <param name="Seeds">Number of seeds, or null for the preset's.</param>
    /// <param name="Methods">Methods instead of the study's (empty: the study's).</param>
    /// <param name="Dataset">Dataset instead of the study's, or null.</param>
    /// <param name="Jobs">Processes side by side.</param>
    /// <param name="Table">A table the study also trains on (<see cref="ITableStudy"/>), or null.</param>
    /// <param name="TableLabels">The table's label columns.</param>
    public sealed record StudySettings(StudyPreset Preset, string OutputFolder, int Seed, int? Seeds, IReadOnlyList<string> Methods, string? Dataset, int Jobs,
        string? Table = null, IReadOnlyList<string>? TableLabels = null);

    private static IReadOnlyList<string> SplitMethods(string[]? values) =>
        // Commas inside a method's arguments ("fixed(0.3,0.7)") do not separate methods.
        (values ?? Array.Empty<string>()).SelectMany(Mtl.Trainers.Methods.MtlMethodOptions.SplitList).ToArray();

    private static int Run(IStudy study, StudySettings s)
    {
        using var signals = new ShutdownSignals();
        return CommandErrors.Run(() =>
        {
            Validate(s);
            return RunStudy(study, s, signals.Token);
        }, e => e is OperationCanceledException ? "the report was not written; the study's sweep folder keeps what finished." : null, signals);
    }

    private static void Validate(StudySettings s)
    {
        if (string.IsNullOrWhiteSpace(s.OutputFolder)) throw new ArgumentException("--out needs a folder path; got an empty one.");
        if (File.Exists(s.OutputFolder)) throw new ArgumentException($"--out '{s.OutputFolder}' is a file; pass a folder path.");
        if (s.Seeds is < 1) throw new ArgumentException($"--seeds must be at least 1; got {s.Seeds}.");
        if (s.Jobs < 1) throw new ArgumentException($"--jobs must be at least 1; got {s.Jobs}.");
        foreach (string m in s.Methods) Mtl.Trainers.Methods.MethodRegistry.Create(m);
        if (s.Table is not null && !File.Exists(s.Table)) throw new ArgumentException($"--table '{s.Table}' does not exist; pass a CSV or TSV file.");
        if ((s.Table is null) != (s.TableLabels is not { Count: > 0 }))
            throw new ArgumentException("--table and --label go together: pass the table and one --label per task (at least one).");
    }

    private static int RunStudy(IStudy study, StudySettings s, CancellationToken stop)
    {
        string folder = Path.GetFullPath(s.OutputFolder);
        Directory.CreateDirectory(folder);
        string command = "mtl study " + study.Name + $" --preset {s.Preset.ToString().ToLowerInvariant()} --seed {s.Seed}"
                         + (s.Seeds is { } n ? $" --seeds {n}" : "") + (s.Methods.Count > 0 ? " --method " + string.Join(',', s.Methods) : "")
                         + (s.Dataset is null ? "" : $" --dataset {s.Dataset}") + (s.Jobs > 1 ? $" --jobs {s.Jobs}" : "")
                         + (s.Table is null ? "" : $" --table {s.Table}" + string.Concat((s.TableLabels ?? []).Select(l => $" --label {l}")));
        // Plain lines, not Spectre markup: Spectre wraps at the console width, and a wrapped path cannot be copied from a log.
        Console.WriteLine($"{command} → {folder}");
        var watch = Stopwatch.StartNew();
        StudyReport report = StudyProgressDisplay.Run(progress => study.Run(new StudyContext(s.Preset, folder, progress)
        {
            Seed = s.Seed,
            Seeds = s.Seeds,
            Methods = s.Methods,
            Dataset = s.Dataset,
            Table = s.Table,
            TableLabels = s.TableLabels ?? [],
            Jobs = s.Jobs,
            Command = command,
            Cancellation = stop,
        }));
        watch.Stop();
        if (report.Elapsed == TimeSpan.Zero) report.Elapsed = watch.Elapsed;
        if (report.Command.Length == 0) report.Command = command;
        ReportWriter.Write(report, folder);
        PrintVerdicts(report);
        Console.WriteLine($"report: {Path.Combine(folder, "report.md")} ({watch.Elapsed.TotalMinutes:F1} min)");
        return 0;
    }

    private static void PrintVerdicts(StudyReport report)
    {
        var table = new Table().Title(Markup.Escape(report.Title)).AddColumn("finding").AddColumn("reproduced").AddColumn("our numbers");
        foreach (Verdict v in report.Verdicts)
            table.AddRow(Markup.Escape(v.Claim), v.Reproduced switch { true => "[green]yes[/]", false => "[red]no[/]", null => "[yellow]undecided[/]" }, Markup.Escape(v.Evidence));
        AnsiConsole.Write(table);
    }
}
