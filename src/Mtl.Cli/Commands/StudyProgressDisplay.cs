using Mtl.Analysis.Studies;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// A study's live progress: in a terminal, one bar per stage under a Spectre live display; in a pipe or CI log, one line per
/// stage, per unit and per message, so the log still tells where a long study is.
/// </summary>
internal sealed class StudyProgressDisplay : IStudyProgress
{
    private readonly ProgressContext? live;
    private ProgressTask? current;
    private string stage = "";
    private int done;
    private int units;

    private StudyProgressDisplay(ProgressContext? live) => this.live = live;

    /// <summary>Runs <paramref name="study"/> with its progress shown.</summary>
    public static T Run<T>(Func<IStudyProgress, T> study)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return study(new StudyProgressDisplay(null));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var display = new StudyProgressDisplay(ctx);
                result = study(display);
                display.Finish();
            });
        return result;
    }

    public void BeginStage(string description, int units)
    {
        Finish();
        stage = description;
        done = 0;
        this.units = units;
        if (live is null)
        {
            Console.WriteLine(units > 0 ? $"== {description} ({units})" : $"== {description}");
            return;
        }
        current = live.AddTask(Markup.Escape(description), maxValue: Math.Max(units, 1));
        if (units == 0) current.IsIndeterminate = true;
    }

    public void Advance(string detail = "")
    {
        done++;
        if (live is null)
        {
            string count = units > 0 ? $"{done}/{units}" : done.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine(detail.Length == 0 ? $"   {stage}: {count}" : $"   {stage}: {count} {detail}");
            return;
        }
        if (current is null) return;
        current.Increment(1);
        if (detail.Length > 0) current.Description = Markup.Escape($"{stage}: {detail}");
    }

    public void Info(string message)
    {
        if (live is null) Console.WriteLine(message);
        else AnsiConsole.MarkupLine(Markup.Escape(message));
    }

    private void Finish()
    {
        if (current is null) return;
        current.IsIndeterminate = false;
        current.Value = current.MaxValue;
        current.Description = Markup.Escape(stage);
        current.StopTask();
        current = null;
    }
}
