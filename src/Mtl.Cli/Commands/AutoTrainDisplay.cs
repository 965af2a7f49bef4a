using System.Globalization;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;
using Mtl.Trainers.Tables;
using TableColumn = Spectre.Console.TableColumn;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// Renders an <see cref="AutoTrainer"/> run in the terminal as ML.NET's CLI does: the schema, one line per trial (number,
/// configuration, validation score, time, best so far) under a live bar of the budget, then the top 5, the best model's
/// per-task test metrics with ML.NET's names, the reloaded zip's, and the baselines. In a pipe or a CI log the same lines
/// print without the bar.
/// </summary>
internal sealed class AutoTrainDisplay : IProgress<AutoTrainEvent>
{
    private readonly AutoTrainSettings settings;
    private ProgressTask? bar;
    private TrialResult? best;
    private string current = "";
    private TableSchema? schema;

    private AutoTrainDisplay(AutoTrainSettings settings) => this.settings = settings;

    private bool Search => settings.TimeBudget is not null;

    /// <summary>Runs <paramref name="settings"/> while showing its progress.</summary>
    public static AutoTrainResult Run(AutoTrainSettings settings, CancellationToken stop)
    {
        var display = new AutoTrainDisplay(settings);
        if (!display.Search || !AnsiConsole.Profile.Capabilities.Interactive) return AutoTrainer.Run(settings, display, stop);
        AutoTrainResult result = null!;
        AnsiConsole.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                display.bar = ctx.AddTask("search", autoStart: false, maxValue: settings.TimeBudget!.Value.TotalSeconds);
                result = AutoTrainer.Run(settings, display, stop);
            });
        // Spectre redraws the bar below every line: the tables of the end print once it is gone.
        display.bar = null;
        foreach (AutoTrainEvent e in display.deferred) display.Report(e);
        return result;
    }

    private readonly List<AutoTrainEvent> deferred = [];
    private readonly List<TrialResult> seen = [];

    public void Report(AutoTrainEvent e)
    {
        if (bar is not null && e is TestEvaluated or ModelSaved or CodeGenerated or BaselineTrialFinished or BaselinesSkipped or BaselinesCompared or RunFinished)
        {
            if (e is BaselineTrialFinished started) Describe($"single-task baselines: {started.Trial.Task} {started.Trial.Trainer} done");
            deferred.Add(e);
            return;
        }
        switch (e)
        {
            case SchemaInferred s:
                schema = s.Schema;
                TableTrainCommand.PrintSchema(s.Schema);
                break;
            case DataSplit { Search: null } d:
                Line($"{d.TrainRows} training rows ({TablePipeline.ValidationFraction:P0} of them validate: early stopping, best epoch), {d.TestRows} test rows");
                break;
            case DataSplit { Search: { } p } d:
                Line($"{d.TrainRows} training rows ({TablePipeline.ValidationFraction:P0} of them validate), {d.TestRows} test rows; seed {settings.Seed}");
                Line($"search: successive halving (η = {SuccessiveHalving.Eta}, Hyperband brackets, the trainer's defaults first) over method, " +
                     $"learning rate, weight decay, dropout and trunk; up to {p.FullEpochs} epochs a trial; {p.Budget.TotalSeconds:F0} s" +
                     (settings.MaxTrials is { } limit ? $", at most {limit} trials" : "") + (p.ResumedTrials > 0 ? $"; {p.ResumedTrials} trials from {Path.GetFileName(settings.ConfigPath)}" : ""));
                Line($"{"trial",5} {"ep",3}  {"configuration",-30} {"score",7} {"time",6}  best");
                bar?.StartTask();
                break;
            case TrialStarted { Trial: var t } when !Search:
                Line($"training {settings.Read.Labels.Count} tasks with '{t.Config.Method}', seed {settings.Seed}; " +
                     $"{(t.Config.Epochs is null && t.Config.BatchSize is null ? "automatic trunk, batch size and epochs" : "options as given")}, " +
                     $"early stopping on {TablePipeline.ValidationFraction:P0} of the training rows");
                break;
            case TrialStarted { Trial: var t }:
                current = $"trial {t.Number}: {AutoTrainer.Describe(t.Config)}";
                Describe(current);
                break;
            case TrainerMessage message when !Search:
                Line(message.Message);
                break;
            case TrialEpoch ep when bar is not null:
                Describe($"{current} · epoch {ep.Epoch.Epoch}/{ep.MaxEpochs} score {Score(ep.Epoch.SelectionScore)}" +
                         (best is null ? "" : $" · best {Score(best.Score)} (#{best.Number})"));
                break;
            case TrialFinished f when Search:
                TrialResult r = f.Result;
                bool isBest = f.Best is not null && f.Best.Number == r.Number;
                best = f.Best;
                seen.Add(r);
                string score = r.Status == TrialResult.Finished ? Score(r.Score) : r.Status.ToLowerInvariant();
                Line($"{r.Number,5} {r.EpochsTrained,3}  {Trim(AutoTrainer.Describe(r.Config), 30),-30} {score,7} {r.Seconds,5:F1}s  " +
                     $"{(isBest ? "*" : " ")}{Score(best?.Score)} #{best?.Number}{(f.FromHistory ? " (resumed)" : "")}");
                if (bar is not null) bar.Value = Math.Min(bar.MaxValue, bar.Value + (f.FromHistory ? 0 : r.Seconds));
                break;
            case SearchStopped s:
                Line($"search stopped: {s.Reason}");
                break;
            case RefittingBest refit:
                Line($"training trial {refit.Best.Number} again (its model is not kept in the .mtlconfig): {AutoTrainer.Describe(refit.Best.Config)}");
                break;
            case TestEvaluated t:
                PrintEvaluated(t);
                break;
            case ModelSaved saved:
                PrintSaved(saved);
                break;
            case CodeGenerated code:
                PrintCode(code.Code);
                break;
            case BaselineTrialFinished b:
                Line($"baseline {b.Trial.Task}: {b.Trial.Trainer} validation {b.Trial.ValidationMetric.ToString("G4", CultureInfo.InvariantCulture)} ({b.Trial.Duration.TotalSeconds:F1}s)");
                break;
            case BaselinesSkipped b:
                Line($"single-task baselines skipped: {b.Reason}");
                break;
            case BaselinesCompared c:
                PrintComparison(c.Comparison);
                break;
            case RunFinished f:
                PrintEnd(f.Result);
                break;
        }
    }

    private void PrintEvaluated(TestEvaluated t)
    {
        if (Search) PrintTop();
        ReloadedModelReport.PrintTableMetrics(Search
            ? $"Test metrics of the best model (trial {t.Best.Number}: {t.Best.Config.Method}, selected epoch {t.Best.SelectedEpoch})"
            : $"Test metrics (selected epoch {t.Best.SelectedEpoch})", t.Metrics, null);
    }

    private void PrintSaved(ModelSaved m)
    {
        AnsiConsole.MarkupLine($"saved [green]{Markup.Escape(m.ZipPath)}[/] ({m.Bytes / 1024.0:F0} KiB); it takes the file's raw rows");
        if (schema?.Images is { } images)
            Line($"its image paths: absolute, or relative to {images.Folder} (the folder the model keeps)");
        ReloadedModelReport.PrintTableMetrics($"Reloaded {Path.GetFileName(m.ZipPath)} (plain mlContext.Model.Load, ONNX Runtime) on the same test rows", m.Reloaded, m.Fitted);
    }

    private static void PrintCode(GeneratedCode code)
    {
        string folder = Path.GetDirectoryName(code.ConsoleAppProject) is { } app ? Path.GetDirectoryName(app)! : ".";
        AnsiConsole.MarkupLine("generated code (from the zip's schema):");
        foreach (string file in code.Files)
            AnsiConsole.MarkupLine($"  [green]{Markup.Escape(Path.GetRelativePath(folder, file))}[/]");
        string project = Path.GetRelativePath(Environment.CurrentDirectory, code.ConsoleAppProject);
        if (project.StartsWith("..", StringComparison.Ordinal)) project = code.ConsoleAppProject;
        AnsiConsole.MarkupLine($"run it: [cyan]dotnet run --project {Markup.Escape(project)}[/] " +
            "(predicts the first data row with ML.NET's packages only)");
    }

    private void PrintTop()
    {
        IReadOnlyList<TrialResult> trials = seen;
        TrialResult[] top = trials.Where(t => t.Score is not null).OrderByDescending(t => t.Score).ThenBy(t => t.Number).Take(5).ToArray();
        var table = new Table().Title($"Top {top.Length} of {trials.Count} trials by validation score (SelectionScore: Δm % over a constant predictor)");
        table.AddColumn(new TableColumn("rank").RightAligned()).AddColumn(new TableColumn("trial").RightAligned()).AddColumn("method")
            .AddColumn("configuration").AddColumn(new TableColumn("epochs").RightAligned()).AddColumn(new TableColumn("score").RightAligned())
            .AddColumn(new TableColumn("time").RightAligned());
        for (int i = 0; i < top.Length; i++)
        {
            TrainingConfig c = top[i].Config;
            string config = AutoTrainer.DescribeSettings(c);
            table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), top[i].Number.ToString(CultureInfo.InvariantCulture), Markup.Escape(c.Method), Markup.Escape(config),
                top[i].EpochsTrained.ToString(CultureInfo.InvariantCulture), Score(top[i].Score), $"{top[i].Seconds:F1}s");
        }
        AnsiConsole.Write(table);
    }

    private static void PrintComparison(BaselineComparison c)
    {
        var table = new Table().Title("One multi-task model beside single-task baselines (test rows)");
        table.AddColumn("task").AddColumn("metric").AddColumn(new TableColumn("multi-task").RightAligned()).AddColumn(new TableColumn("baseline").RightAligned())
            .AddColumn("baseline trainer").AddColumn(new TableColumn("Δm %").RightAligned());
        foreach (TaskComparison t in c.Tasks)
            table.AddRow(Markup.Escape(t.Task), t.MetricName, t.MultiTask.ToString("F4", CultureInfo.InvariantCulture), t.Baseline.ToString("F4", CultureInfo.InvariantCulture),
                Markup.Escape(t.BaselineTrainer), t.DeltaM.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        Line(c.Verdict);
    }

    private static void PrintEnd(AutoTrainResult result) =>
        Line($"wrote {result.ConfigPath}: repeat or resume with mtl train --config {result.ConfigPath}");

    private void Describe(string text)
    {
        if (bar is not null) bar.Description = Markup.Escape(Trim(text, Math.Max(20, AnsiConsole.Profile.Width - 30)));
    }

    private static void Line(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    private static string Score(double? score) => score is { } s ? s.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "-";

    private static string Trim(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "…";
}
