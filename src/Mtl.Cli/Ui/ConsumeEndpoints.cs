using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mtl.Analysis.AutoTrain;

namespace Mtl.Cli.Ui;

/// <summary>
/// The Consume page's API: the model zip, the <c>.mtlconfig</c> and the generated project (one zip, see
/// <see cref="GeneratedProject"/>) as downloads, and the consumption code's text.
/// </summary>
internal static class ConsumeEndpoints
{
    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        var runs = new FinishedRuns(ui);
        app.MapGet("/api/runs/{id}/download/{what}", (string id, string what) =>
        {
            FinishedRun run = runs.Open(id);
            switch (what)
            {
                case "model":
                    return Results.File(run.ZipPath, "application/zip", run.Name + ".zip");
                case "config":
                    return Results.File(run.ConfigPath, "application/json", run.Name + MtlConfig.Extension);
                case "project":
                    var archive = new MemoryStream();
                    GeneratedProject.Write(run, archive);
                    archive.Position = 0;
                    return Results.File(archive, "application/zip", run.Name + ".project.zip");
                default:
                    throw new UiException(StatusCodes.Status404NotFound, $"There is no download '{what}'; the downloads are model, config and project.");
            }
        });
        app.MapGet("/api/runs/{id}/code", (string id) =>
        {
            FinishedRun run = runs.Open(id);
            return Results.Json(new CodeAnswer(id, run.Name + ".consumption.cs", GeneratedProject.ConsumptionCode(run),
                $"dotnet run --project {run.Name}/{run.Name}.ConsoleApp"), UiContext.Json);
        });
    }

    private sealed record CodeAnswer(string Run, string FileName, string Code, string RunCommand);
}
