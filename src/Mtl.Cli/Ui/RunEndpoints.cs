using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mtl.Analysis.AutoTrain;
using Mtl.Analysis.Reports;
using Mtl.Trainers;

namespace Mtl.Cli.Ui;

/// <summary>
/// The Train page's API: start (<c>POST /api/runs</c>), cancel, resume, the run list and one run's state, its live
/// events as Server-Sent Events (replayed after <c>Last-Event-ID</c>) and the current trial's validation curves as SVG.
/// </summary>
internal static class RunEndpoints
{
    // A comment line this often keeps an idle event stream open through proxies and lets a closed browser be noticed.
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        app.MapPost("/api/runs", async (HttpRequest request) =>
        {
            StartRequest start = await UiContext.ReadJsonAsync<StartRequest>(request);
            string id = ui.Runs.Start(start);
            return Results.Json(new { id }, UiContext.Json, statusCode: StatusCodes.Status201Created);
        });
        app.MapGet("/api/runs", () => Results.Json(new { training = ui.Runs.Training, runs = ui.Runs.List() }, UiContext.Json));
        app.MapGet("/api/runs/{id}", (string id) => Results.Json(Details(ui, id), UiContext.Json));
        app.MapPost("/api/runs/{id}/cancel", (string id) =>
        {
            ui.RunFolder(id);
            ui.Runs.Cancel(id);
            return Results.Json(new { id, status = "cancelling" }, UiContext.Json, statusCode: StatusCodes.Status202Accepted);
        });
        app.MapPost("/api/runs/{id}/resume", (string id) => Results.Json(new { id = ui.Runs.Resume(id) }, UiContext.Json, statusCode: StatusCodes.Status202Accepted));
        app.MapGet("/api/runs/{id}/events", (HttpContext context, string id) => StreamEvents(ui, context, id));
        app.MapGet("/api/runs/{id}/curves.svg", (string id, int? trial) => Results.Text(Curves(ui, id, trial), "image/svg+xml", Encoding.UTF8));
    }

    private static object Details(UiContext ui, string id)
    {
        RunManager.RunInfo info = ui.Runs.Info(id);
        (string folder, string _, string configPath, string zipPath) = ui.RunFolder(id);
        MtlConfig? config = null;
        if (info.Status != "unreadable") config = MtlConfig.Read(configPath);
        MtlConfig.TrainingOptionSection? o = config?.TrainingOption;
        return new
        {
            info.Id, info.Name, info.Status, info.Message, info.Resumable, info.HasModel, info.BestTrial, info.BestScore,
            folder = ui.Relative(folder), config = ui.Relative(configPath), zip = ui.Relative(zipPath),
            lastEventId = ui.Runs.Log(id)?.LastId,
            settings = config is null ? null : new
            {
                data = info.Data,
                labels = config.DataSource.ColumnProperties.Where(c => c.ColumnPurpose == "Label").Select(c => new { column = c.ColumnName, kind = c.TaskKind }).ToList(),
                ignore = config.DataSource.ColumnProperties.Where(c => c.ColumnPurpose == "Ignore").Select(c => c.ColumnName).ToList(),
                hasHeader = config.DataSource.HasHeader,
                separator = config.DataSource.Delimiter == "\t" ? "tab" : config.DataSource.Delimiter,
                timeSeconds = o!.TrainingTime,
                maxTrials = o.MaxTrials,
                validation = o.ValidationOption.Type == "TestFile" ? "testFile" : "testFraction",
                testFraction = o.ValidationOption.TestFraction,
                testData = o.ValidationOption.TestFilePath,
                seed = o.Seed,
                methods = o.TrainingTime is null ? [o.Trainer.Method] : o.SearchSpace.Methods,
                arch = o.TrainingTime is null ? o.Trainer.Architecture : o.SearchSpace.Architectures is [var only] ? only : null,
                epochs = o.TrainingTime is null ? o.Trainer.Epochs : o.SearchSpace.Epochs,
                baselines = config.Baselines.Mode.ToLowerInvariant(),
            },
            trials = config?.RunHistory.Trials.Select(t => RunManager.Trial(new TrialResult(t.Number, t.Candidate, t.Rung, t.Parameter, t.Status, t.Score,
                t.RuntimeInSeconds, t.TrainingSeconds, t.EpochsTrained, t.SelectedEpoch, t.Reason))).ToList(),
            testMetrics = config?.RunHistory.TestMetrics,
            baselines = config is null ? null : new { status = config.Baselines.Status, deltaM = config.Baselines.DeltaM, verdict = config.Baselines.Verdict },
        };
    }

    private static async Task StreamEvents(UiContext ui, HttpContext context, string id)
    {
        ui.RunFolder(id);
        HttpResponse response = context.Response;
        // A stopping server ends its streams at once (the browser reconnects to the next one) instead of waiting for them.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted,
            context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        CancellationToken aborted = stop.Token;
        RunLog? log = ui.Runs.Log(id);
        long last = 0;
        string? header = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? context.Request.Query["lastEventId"].FirstOrDefault();
        if (header is not null && (!long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < 0))
            throw new UiException(StatusCodes.Status400BadRequest, $"Last-Event-ID '{header}' is not an event number.");

        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        // The browser reconnects after this many milliseconds when the stream breaks (a server restart, a network hiccup).
        await response.WriteAsync("retry: 2000\n\n", aborted);
        if (log is null)
        {
            // A run this server did not train (an earlier session's): its state from the .mtlconfig, then the stream ends.
            RunManager.RunInfo info = ui.Runs.Info(id);
            await Write(response, null, "state", System.Text.Json.JsonSerializer.Serialize(new { status = info.Status, message = info.Message }, UiContext.Json), aborted);
            return;
        }
        try
        {
            while (true)
            {
                (IReadOnlyList<RunLog.RunEvent> events, Task changed, bool ended) = log.Since(last);
                foreach (RunLog.RunEvent e in events)
                {
                    await Write(response, e.Id, e.Type, e.Data, aborted);
                    last = e.Id;
                }
                await response.Body.FlushAsync(aborted);
                if (ended && log.Since(last).Events.Count == 0) return;
                Task woke = await Task.WhenAny(changed, Task.Delay(KeepAlive, aborted));
                if (woke != changed)
                {
                    aborted.ThrowIfCancellationRequested();
                    await response.WriteAsync(": keep-alive\n\n", aborted);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The page closed or reloaded: the run goes on; the next stream replays from its Last-Event-ID.
        }
    }

    private static Task Write(HttpResponse response, long? id, string type, string data, CancellationToken aborted) =>
        response.WriteAsync((id is { } n ? $"id: {n}\n" : "") + $"event: {type}\ndata: {data}\n\n", aborted);

    // Each task's validation loss by epoch (losses are in comparable units: cross-entropy, standardised squared error) and the selection score's epoch.
    private static string Curves(UiContext ui, string id, int? trial)
    {
        ui.RunFolder(id);
        RunLog log = ui.Runs.Log(id) ?? throw new UiException(StatusCodes.Status404NotFound,
            $"The run '{id}' was not trained by this server session, so its epochs are not kept; the Train page shows its trials from the .mtlconfig.");
        (IReadOnlyList<EpochReport>? epochs, int? latest) = log.Epochs(trial);
        if (epochs is null)
            throw new UiException(StatusCodes.Status404NotFound, trial is { } t
                ? $"Trial {t} of the run '{id}' has no epochs recorded (it has not started, or it came from the .mtlconfig of an earlier session){(latest is { } l ? $"; trial {l} has" : "")}."
                : $"No trial of the run '{id}' has finished an epoch yet.");
        int number = trial ?? latest!.Value;
        var spec = new PlotSpec($"trial-{number}", $"Trial {number}: validation loss per task") { XLabel = "epoch", YLabel = "validation loss" };
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        // Epochs are whole numbers: early in a trial the automatic ticks would fall between them (1.2, 1.4, …).
        if (epochs.Count <= 12) spec.XTickLabels.AddRange(epochs.Select(e => ((double)e.Epoch, e.Epoch.ToString(CultureInfo.InvariantCulture))));
        foreach (string task in epochs[0].Tasks.Select(t => t.Task))
            spec.Series.Add(new PlotSeries(task, x, epochs.Select(e => e.Tasks.First(t => t.Task == task).ValidationLoss).ToArray(), SeriesStyle.LineWithMarkers));
        return spec.ToSvg(720, 360);
    }
}
