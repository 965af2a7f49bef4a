using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Mtl.Analysis.AutoTrain;

namespace Mtl.Cli.Ui;

/// <summary>
/// The finished runs the Evaluate and Consume pages read, by run id: opened with <see cref="FinishedRun.Open"/>, and their
/// evaluation kept while neither the <c>.mtlconfig</c> nor the zip changes (scoring the test rows again for every plot
/// would cost seconds per request).
/// </summary>
internal sealed class FinishedRuns(UiContext ui)
{
    private readonly ConcurrentDictionary<string, (DateTime Config, DateTime Zip, RunEvaluation Evaluation)> evaluations = new(StringComparer.Ordinal);

    /// <summary>The run <paramref name="id"/>; 404 when there is none, 409 while it trains or when it saved no model.</summary>
    public FinishedRun Open(string id)
    {
        (string _, string _, string configPath, string _) = ui.RunFolder(id);
        if (ui.Runs.Training == id)
            throw new UiException(StatusCodes.Status409Conflict, $"The run '{id}' is training; its evaluation, model and code are ready when it finishes.");
        try
        {
            return FinishedRun.Open(configPath);
        }
        catch (InvalidOperationException e)
        {
            throw new UiException(StatusCodes.Status409Conflict, e.Message, e);
        }
    }

    /// <summary>The evaluation of the run <paramref name="id"/> (kept until its files change).</summary>
    public RunEvaluation Evaluation(string id)
    {
        FinishedRun run = Open(id);
        DateTime config = File.GetLastWriteTimeUtc(run.ConfigPath), zip = File.GetLastWriteTimeUtc(run.ZipPath);
        if (evaluations.TryGetValue(run.ConfigPath, out var kept) && kept.Config == config && kept.Zip == zip) return kept.Evaluation;
        RunEvaluation evaluation = RunEvaluation.Of(run);
        evaluations[run.ConfigPath] = (config, zip, evaluation);
        return evaluation;
    }
}
