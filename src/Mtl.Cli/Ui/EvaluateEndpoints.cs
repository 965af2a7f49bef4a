using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mtl.Analysis.AutoTrain;

namespace Mtl.Cli.Ui;

/// <summary>
/// The Evaluate page's API: the best model's test metrics beside the single-task baselines with Δm and the verdict, a
/// confusion matrix per classification task, a predicted vs actual plot per regression task, and one prediction from a
/// form generated from the zip's inputs (or an uploaded image). All of it from <c>Mtl.Analysis.AutoTrain</c>
/// (<see cref="RunEvaluation"/>, <see cref="RunPredictor"/>).
/// </summary>
internal static class EvaluateEndpoints
{
    /// <summary>The form field (multipart) that carries an image to predict.</summary>
    public const string ImageField = "image";

    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        var runs = new FinishedRuns(ui);
        app.MapGet("/api/runs/{id}/evaluation", (string id) => Results.Json(Answer(id, runs.Evaluation(id)), UiContext.Json));
        app.MapGet("/api/runs/{id}/plots/{file}", (string id, string file) =>
        {
            if (!file.EndsWith(".svg", StringComparison.Ordinal))
                throw new UiException(StatusCodes.Status404NotFound, $"There is no plot '{file}'; plots are /api/runs/{id}/plots/<task>.svg.");
            string task = file[..^".svg".Length];
            RunEvaluation evaluation = runs.Evaluation(id);
            TaskEvaluation t = evaluation.Tasks.FirstOrDefault(x => x.Task == task)
                ?? throw new UiException(StatusCodes.Status404NotFound, $"The run '{id}' has no task '{task}'; its tasks: {string.Join(", ", evaluation.Tasks.Select(x => x.Task))}.");
            PredictedActual points = t.Points
                ?? throw new UiException(StatusCodes.Status404NotFound, $"'{task}' is a {t.Kind.ToString().ToLowerInvariant()} task: it has a confusion matrix, not a predicted vs actual plot.");
            return Results.Text(points.ToSvg(task), "image/svg+xml");
        });
        app.MapGet("/api/runs/{id}/input-form", (string id) =>
        {
            using RunPredictor predictor = RunPredictor.Open(runs.Open(id));
            return Results.Json(new FormAnswer(id, predictor.TakesImage, predictor.Fields.Select(f => new FieldAnswer(f.Name, f.Kind, f.Values)).ToList()), UiContext.Json);
        });
        app.MapPost("/api/runs/{id}/predict", async (string id, HttpRequest request) =>
        {
            using RunPredictor predictor = RunPredictor.Open(runs.Open(id));
            string? upload = null;
            try
            {
                Dictionary<string, string?> values;
                if (request.HasFormContentType)
                    (values, upload) = await ReadForm(request, predictor, ui);
                else
                    values = ImagePathsUnderRoot(Texts((await UiContext.ReadJsonAsync<PredictRequest>(request)).Values ?? []), predictor, ui);
                IReadOnlyList<TaskPrediction> predictions = predictor.Predict(values);
                return Results.Json(new PredictAnswer(id, predictions.Select(p => new PredictionAnswer(p.Task, p.Kind, p.PredictedValue,
                    p.Classes.Select(c => new ClassAnswer(c.Class, c.Probability)).ToList(), p.Probability, p.Score)).ToList()), UiContext.Json);
            }
            finally
            {
                if (upload is not null) Directory.Delete(Path.GetDirectoryName(upload)!, recursive: true);
            }
        });
    }

    private static EvaluationAnswer Answer(string id, RunEvaluation e) => new(id, e.Name, e.TestRows, e.BestTrial, e.BaselineStatus, e.DeltaM, e.Verdict,
        e.Tasks.Select(t => new TaskAnswer(t.Task, t.Kind, t.LabelledRows, TaskMetricNames.Primary(t.Kind), t.TestMetrics,
            t.Baseline is { } b ? new BaselineAnswer(b.MetricName, b.HigherIsBetter, b.MultiTask, b.Baseline, b.BaselineTrainer, b.DeltaM) : null,
            t.Confusion is { } c ? new ConfusionAnswer(c.Classes, c.Counts, c.Total, c.Accuracy) : null,
            t.Points is null ? null : $"/api/runs/{Uri.EscapeDataString(id)}/plots/{Uri.EscapeDataString(t.Task)}.svg")).ToList());

    // The JSON values as the data file would write them.
    private static Dictionary<string, string?> Texts(Dictionary<string, JsonElement> given) => given.ToDictionary(p => p.Key, p => p.Value.ValueKind switch
    {
        JsonValueKind.String => p.Value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
        JsonValueKind.Null => null,
        _ => throw new UiException(StatusCodes.Status400BadRequest, $"The value of '{p.Key}' must be text or a number; got {p.Value.ValueKind}."),
    }, StringComparer.Ordinal);

    // An image path from the request must lie under the working folder: the app reads nothing outside it.
    private static Dictionary<string, string?> ImagePathsUnderRoot(Dictionary<string, string?> values, RunPredictor predictor, UiContext ui)
    {
        foreach (InputField image in predictor.Fields.Where(f => f.Kind == InputFieldKind.Image))
            if (values.TryGetValue(image.Name, out string? path) && !string.IsNullOrWhiteSpace(path)) values[image.Name] = ui.ResolvePath(path);
        return values;
    }

    // multipart/form-data: text fields are values; the one file (field "image") is the image, kept in a private folder while it is scored.
    private static async Task<(Dictionary<string, string?> Values, string? Upload)> ReadForm(HttpRequest request, RunPredictor predictor, UiContext ui)
    {
        IFormCollection form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach ((string key, Microsoft.Extensions.Primitives.StringValues value) in form) values[key] = value.ToString();
        Dictionary<string, string?> checkedValues = ImagePathsUnderRoot(values, predictor, ui);
        if (form.Files.Count == 0) return (checkedValues, null);
        if (form.Files.Count > 1 || form.Files[0].Name != ImageField)
            throw new UiException(StatusCodes.Status400BadRequest, $"Send one image file, in the form field '{ImageField}'.");
        InputField field = predictor.Fields.FirstOrDefault(f => f.Kind == InputFieldKind.Image)
            ?? throw new UiException(StatusCodes.Status400BadRequest, "This model reads no image; fill in its form instead.");
        IFormFile file = form.Files[0];
        string extension = Path.GetExtension(file.FileName).ToLowerInvariant();
        if (extension is not (".png" or ".jpg" or ".jpeg" or ".bmp" or ".gif" or ".webp"))
            throw new UiException(StatusCodes.Status400BadRequest, $"'{file.FileName}' is not an image file; choose a PNG, JPEG, BMP, GIF or WEBP image.");
        string folder = Mtl.Trainers.IO.SafeFiles.CreatePrivateFolder("mtl-ui-predict-");
        string path = Path.Combine(folder, "image" + extension);
        await using (FileStream stream = File.Create(path)) await file.CopyToAsync(stream, request.HttpContext.RequestAborted);
        checkedValues[field.Name] = path;
        return (checkedValues, path);
    }

    private sealed record PredictRequest(Dictionary<string, JsonElement>? Values);

    private sealed record EvaluationAnswer(string Run, string Name, long TestRows, int BestTrial, string BaselineStatus, double? DeltaM, string? Verdict, List<TaskAnswer> Tasks);

    private sealed record TaskAnswer(string Task, Mtl.Trainers.TaskKind Kind, long LabelledRows, string PrimaryMetric, IReadOnlyDictionary<string, double> Metrics, BaselineAnswer? Baseline,
        ConfusionAnswer? Confusion, string? Plot);

    private sealed record BaselineAnswer(string MetricName, bool HigherIsBetter, double MultiTask, double Baseline, string Trainer, double DeltaM);

    private sealed record ConfusionAnswer(IReadOnlyList<string> Classes, IReadOnlyList<IReadOnlyList<long>> Counts, long Total, double Accuracy);

    private sealed record FormAnswer(string Run, bool TakesImage, List<FieldAnswer> Fields);

    private sealed record FieldAnswer(string Name, InputFieldKind Kind, IReadOnlyList<string> Values);

    private sealed record PredictAnswer(string Run, List<PredictionAnswer> Predictions);

    private sealed record PredictionAnswer(string Task, Mtl.Trainers.TaskKind Kind, string? PredictedValue, List<ClassAnswer> Classes, double? Probability, double Score);

    private sealed record ClassAnswer(string Class, double Probability);
}
