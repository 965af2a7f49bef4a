using Microsoft.ML;
using Microsoft.ML.Runtime;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>
/// Shows a training run's progress from the trainer's <see cref="MLContext.Log"/> events: a live bar in a terminal,
/// the epoch lines alone when the output is a pipe or a CI log.
/// </summary>
internal static class TrainingProgress
{
    /// <summary>The log source name of the multi-head trainer (channels below it carry it as a prefix).</summary>
    private const string TrainerSource = "MultiHeadNetworkTrainer";

    /// <summary>
    /// Runs <paramref name="fit"/> while showing its progress over <paramref name="epochs"/> epochs; with null (the trainer
    /// chooses the epochs) the trainer's lines alone.
    /// </summary>
    public static T Run<T>(MLContext ml, int? epochs, Func<T> fit)
    {
        if (epochs is null || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            void Print(object? sender, LoggingEventArgs e)
            {
                if (IsTrainerMessage(e)) Console.WriteLine(e.RawMessage);
            }
            ml.Log += Print;
            try { return fit(); }
            finally { ml.Log -= Print; }
        }
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask("training", maxValue: epochs.Value);
                void OnLog(object? sender, LoggingEventArgs e)
                {
                    if (!IsTrainerMessage(e)) return;
                    AnsiConsole.MarkupLine(Markup.Escape(e.RawMessage));
                    if (e.RawMessage.StartsWith("epoch ", StringComparison.Ordinal)) task.Increment(1);
                }
                ml.Log += OnLog;
                try { result = fit(); }
                finally { ml.Log -= OnLog; }
                task.Value = task.MaxValue;
            });
        return result;
    }

    // Info and above from the trainer; its trace lines (per-step detail) would flood the terminal.
    private static bool IsTrainerMessage(LoggingEventArgs e) =>
        e.Kind != ChannelMessageKind.Trace && e.Source is not null && e.Source.StartsWith(TrainerSource, StringComparison.Ordinal);
}
