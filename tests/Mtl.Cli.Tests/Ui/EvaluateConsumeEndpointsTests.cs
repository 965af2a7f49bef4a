using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Mtl.Analysis.AutoTrain;
using Mtl.Cli.Tests.Support;
using Mtl.Cli.Ui;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Tests.Ui;

/// <summary>
/// The Evaluate and Consume endpoints over HTTP, on two run folders written by short real trainings in the working folder:
/// the penguins (multiclass, regression, binary; baselines on) and a small image folder (three classes of synthetic PNGs).
/// Every answer is checked against the library the endpoints face (RunEvaluation, RunPredictor, the run's files).
/// </summary>
[TestClass]
public sealed class EvaluateConsumeEndpointsTests
{
    // The contract's run folder (<root>/mtl-runs/<id>) and the multipart field of an image to predict.
    private const string RunsFolder = "mtl-runs";
    private const string ImageField = "image";

    private static TempFolder root = null!;
    private static RunningUiServer server = null!;
    private static HttpClient http = null!;
    private static string penguinsConfig = null!;
    private static string imagesFolder = null!;

    [ClassInitialize]
    public static void TrainTwoRuns(TestContext _)
    {
        root = new TempFolder("mtl-ui-eval");
        string data = root.File("penguins.csv");
        File.Copy(BuiltApps.PenguinsTable, data);
        var penguins = new AutoTrainSettings
        {
            DataPath = data,
            Read = new TableReadOptions { Labels = [LabelRequest.Parse("species"), LabelRequest.Parse("body_mass_g"), LabelRequest.Parse("sex:binary")] },
            OutFolder = Path.Combine(root.Path, RunsFolder, "penguins"),
            Name = "penguins",
            Seed = 1,
            Config = new TrainingConfig { Epochs = 10 },
            Baselines = BaselinesMode.Auto,
        };
        penguinsConfig = AutoTrainer.Run(penguins).ConfigPath;

        imagesFolder = SyntheticImages.WriteFolder(root.File("shapes"), perClass: 12);
        AutoTrainer.Run(new AutoTrainSettings
        {
            DataPath = imagesFolder,
            Read = new TableReadOptions(),
            OutFolder = Path.Combine(root.Path, RunsFolder, "shapes"),
            Name = "shapes",
            Seed = 1,
            Config = new TrainingConfig { Epochs = 3 },
            Baselines = BaselinesMode.None,
        });

        server = UiServer.Start(new UiServerOptions { Root = root.Path });
        http = UiTestClient.For(server);
    }

    [ClassCleanup]
    public static void Stop()
    {
        http.Dispose();
        server.Dispose();
        root.Dispose();
    }

    private static async Task<string> Error(HttpResponseMessage answer, HttpStatusCode expected) =>
        (await answer.Json(expected)).GetProperty("error").GetString()!;

    [TestMethod]
    public async Task The_evaluation_has_the_metrics_beside_the_baselines_the_confusion_matrices_and_the_plot()
    {
        JsonElement e = await (await http.GetAsync("/api/runs/penguins/evaluation")).Json(HttpStatusCode.OK);
        RunEvaluation expected = RunEvaluation.Of(FinishedRun.Open(penguinsConfig));
        Assert.AreEqual("penguins", e.GetProperty("run").GetString());
        Assert.AreEqual(expected.TestRows, e.GetProperty("testRows").GetInt64());
        Assert.AreEqual(expected.Verdict, e.GetProperty("verdict").GetString());
        Assert.AreEqual(expected.DeltaM!.Value, e.GetProperty("deltaM").GetDouble(), 1e-12);
        JsonElement[] tasks = e.GetProperty("tasks").EnumerateArray().ToArray();
        CollectionAssert.AreEqual(new[] { "species", "body_mass_g", "sex" }, tasks.Select(t => t.GetProperty("task").GetString()).ToArray());
        CollectionAssert.AreEqual(new[] { "Multiclass", "Regression", "Binary" }, tasks.Select(t => t.GetProperty("kind").GetString()).ToArray());
        CollectionAssert.AreEqual(new[] { "MicroAccuracy", "RootMeanSquaredError", "Accuracy" }, tasks.Select(t => t.GetProperty("primaryMetric").GetString()).ToArray());
        for (int i = 0; i < 3; i++)
        {
            TaskEvaluation t = expected.Tasks[i];
            JsonElement baseline = tasks[i].GetProperty("baseline");
            Assert.AreEqual(t.Baseline!.DeltaM, baseline.GetProperty("deltaM").GetDouble(), 1e-12);
            Assert.AreEqual(t.Baseline.BaselineTrainer, baseline.GetProperty("trainer").GetString());
            foreach ((string name, double value) in t.TestMetrics) Assert.AreEqual(value, tasks[i].GetProperty("metrics").GetProperty(name).GetDouble(), 1e-12, name);
        }
        JsonElement species = tasks[0].GetProperty("confusion");
        CollectionAssert.AreEqual(new[] { "Adelie", "Chinstrap", "Gentoo" }, species.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).ToArray());
        long sum = species.GetProperty("counts").EnumerateArray().Sum(r => r.EnumerateArray().Sum(c => c.GetInt64()));
        Assert.AreEqual(tasks[0].GetProperty("labelledRows").GetInt64(), sum);
        Assert.AreEqual(JsonValueKind.Null, tasks[1].GetProperty("confusion").ValueKind);
        Assert.AreEqual(JsonValueKind.Null, tasks[0].GetProperty("plot").ValueKind);
        Assert.AreEqual(2, tasks[2].GetProperty("confusion").GetProperty("classes").GetArrayLength());

        string plot = tasks[1].GetProperty("plot").GetString()!;
        Assert.AreEqual("/api/runs/penguins/plots/body_mass_g.svg", plot);
        HttpResponseMessage svg = await http.GetAsync(plot);
        Assert.AreEqual(HttpStatusCode.OK, svg.StatusCode);
        Assert.AreEqual("image/svg+xml", svg.Content.Headers.ContentType!.MediaType);
        StringAssert.Contains(await svg.Content.ReadAsStringAsync(), "predicted vs actual");
    }

    [TestMethod]
    public async Task Unknown_runs_tasks_and_plots_are_404_and_an_unfinished_run_is_409()
    {
        StringAssert.Contains(await Error(await http.GetAsync("/api/runs/nope/evaluation"), HttpStatusCode.NotFound), "There is no run 'nope'");
        StringAssert.Contains(await Error(await http.GetAsync("/api/runs/penguins/plots/island.svg"), HttpStatusCode.NotFound), "has no task 'island'");
        StringAssert.Contains(await Error(await http.GetAsync("/api/runs/penguins/plots/species.svg"), HttpStatusCode.NotFound), "confusion matrix");
        StringAssert.Contains(await Error(await http.GetAsync("/api/runs/penguins/download/weights"), HttpStatusCode.NotFound), "model, config and project");

        string unfinished = Path.Combine(root.Path, RunsFolder, "unfinished");
        Directory.CreateDirectory(unfinished);
        MtlConfig config = MtlConfig.Read(penguinsConfig);
        config.RunHistory.TestMetrics = null;
        config.RunHistory.BestTrial = null;
        config.Write(Path.Combine(unfinished, "penguins.mtlconfig"));
        StringAssert.Contains(await Error(await http.GetAsync("/api/runs/unfinished/evaluation"), HttpStatusCode.Conflict), "has not saved a model yet");
        StringAssert.Contains(await Error(await http.GetAsync("/api/runs/unfinished/download/model"), HttpStatusCode.Conflict), "has not saved a model yet");
    }

    [TestMethod]
    public async Task The_form_comes_from_the_model_and_a_prediction_is_the_models()
    {
        JsonElement form = await (await http.GetAsync("/api/runs/penguins/input-form")).Json(HttpStatusCode.OK);
        Assert.IsFalse(form.GetProperty("takesImage").GetBoolean());
        JsonElement[] fields = form.GetProperty("fields").EnumerateArray().ToArray();
        CollectionAssert.AreEqual(new[] { "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "year" }, fields.Select(f => f.GetProperty("name").GetString()).ToArray());
        Assert.AreEqual("Category", fields[0].GetProperty("kind").GetString());
        CollectionAssert.AreEqual(new[] { "Biscoe", "Dream", "Torgersen" }, fields[0].GetProperty("values").EnumerateArray().Select(v => v.GetString()).ToArray());
        Assert.AreEqual("Number", fields[1].GetProperty("kind").GetString());

        var values = new Dictionary<string, string?> { ["island"] = "Biscoe", ["bill_length_mm"] = "46.1", ["bill_depth_mm"] = "13.2", ["flipper_length_mm"] = "211", ["year"] = "2007" };
        JsonElement answer = await (await http.PostJson("/api/runs/penguins/predict", new { values })).Json(HttpStatusCode.OK);
        IReadOnlyList<TaskPrediction> expected;
        using (RunPredictor predictor = RunPredictor.Open(FinishedRun.Open(penguinsConfig))) expected = predictor.Predict(values);
        JsonElement[] predictions = answer.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.AreEqual(3, predictions.Length);
        for (int i = 0; i < 3; i++)
        {
            Assert.AreEqual(expected[i].Task, predictions[i].GetProperty("task").GetString());
            Assert.AreEqual(expected[i].Score, predictions[i].GetProperty("score").GetDouble(), 1e-9);
            if (expected[i].PredictedValue is { } v) Assert.AreEqual(v, predictions[i].GetProperty("predictedValue").GetString());
        }
        Assert.AreEqual("Gentoo", predictions[0].GetProperty("predictedValue").GetString(), "a long-billed, shallow-billed Biscoe penguin with long flippers");
        Assert.AreEqual(3, predictions[0].GetProperty("classes").GetArrayLength());
        // Numbers may come as JSON numbers too.
        await (await http.PostJson("/api/runs/penguins/predict", new { values = new { island = "Dream", bill_length_mm = 39.5 } })).Json(HttpStatusCode.OK);
    }

    [TestMethod]
    public async Task Bad_values_are_400_naming_the_column()
    {
        StringAssert.Contains(await Error(await http.PostJson("/api/runs/penguins/predict", new { values = new { bill_length_mm = "long" } }), HttpStatusCode.BadRequest),
            "'bill_length_mm' takes a number; 'long' is not one");
        StringAssert.Contains(await Error(await http.PostJson("/api/runs/penguins/predict", new { values = new { beak = "1" } }), HttpStatusCode.BadRequest),
            "no input column 'beak'");
        StringAssert.Contains(await Error(await http.PostJson("/api/runs/penguins/predict", new { values = new { species = "Adelie" } }), HttpStatusCode.BadRequest),
            "'species' is a label");
        StringAssert.Contains(await Error(await http.PostJson("/api/runs/penguins/predict", new { valeus = new { } }), HttpStatusCode.BadRequest), "JSON");
    }

    [TestMethod]
    public async Task An_image_model_predicts_an_uploaded_image_and_refuses_what_is_not_one()
    {
        JsonElement evaluation = await (await http.GetAsync("/api/runs/shapes/evaluation")).Json(HttpStatusCode.OK);
        JsonElement task = evaluation.GetProperty("tasks").EnumerateArray().Single();
        Assert.AreEqual("Label", task.GetProperty("task").GetString());
        JsonElement confusion = task.GetProperty("confusion");
        CollectionAssert.AreEqual(SyntheticImages.Patterns.Order(StringComparer.Ordinal).ToArray(),
            confusion.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).ToArray(), "the class folders, in key order");
        Assert.AreEqual(task.GetProperty("labelledRows").GetInt64(), confusion.GetProperty("total").GetInt64());
        Assert.AreEqual(task.GetProperty("metrics").GetProperty("MicroAccuracy").GetDouble(), confusion.GetProperty("accuracy").GetDouble(), 1e-6);
        Assert.AreEqual("Skipped: --baselines none", evaluation.GetProperty("baselineStatus").GetString());
        Assert.AreEqual(JsonValueKind.Null, evaluation.GetProperty("verdict").ValueKind);

        JsonElement form = await (await http.GetAsync("/api/runs/shapes/input-form")).Json(HttpStatusCode.OK);
        Assert.IsTrue(form.GetProperty("takesImage").GetBoolean());
        JsonElement field = form.GetProperty("fields").EnumerateArray().Single();
        Assert.AreEqual("Image", field.GetProperty("kind").GetString());
        Assert.AreEqual(TableReadOptions.FolderImageColumn, field.GetProperty("name").GetString());

        string image = Path.Combine(imagesFolder, "vertical", "003.png");
        using var upload = new MultipartFormDataContent();
        var file = new ByteArrayContent(File.ReadAllBytes(image));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        upload.Add(file, ImageField, "mine.png");
        JsonElement answer = await (await http.PostAsync("/api/runs/shapes/predict", upload)).Json(HttpStatusCode.OK);
        JsonElement prediction = answer.GetProperty("predictions").EnumerateArray().Single();
        IReadOnlyList<TaskPrediction> expected;
        using (RunPredictor predictor = RunPredictor.Open(FinishedRun.Open(Path.Combine(root.Path, RunsFolder, "shapes", "shapes.mtlconfig"))))
            expected = predictor.Predict(new Dictionary<string, string?> { [TableReadOptions.FolderImageColumn] = image });
        Assert.AreEqual(expected[0].PredictedValue, prediction.GetProperty("predictedValue").GetString());
        Assert.AreEqual(expected[0].Score, prediction.GetProperty("score").GetDouble(), 1e-6);
        CollectionAssert.AreEquivalent(SyntheticImages.Patterns, prediction.GetProperty("classes").EnumerateArray().Select(c => c.GetProperty("class").GetString()).ToArray());

        // The same image by its path in the working folder; a path outside it is refused.
        JsonElement byPath = await (await http.PostJson("/api/runs/shapes/predict", new { values = new Dictionary<string, string> { ["ImagePath"] = "shapes/vertical/003.png" } })).Json(HttpStatusCode.OK);
        Assert.AreEqual(expected[0].PredictedValue, byPath.GetProperty("predictions")[0].GetProperty("predictedValue").GetString());
        await Error(await http.PostJson("/api/runs/shapes/predict", new { values = new Dictionary<string, string> { ["ImagePath"] = "/etc/passwd" } }), HttpStatusCode.Forbidden);

        using var notImage = new MultipartFormDataContent { { new ByteArrayContent("not a picture"u8.ToArray()), ImageField, "fake.png" } };
        StringAssert.Contains(await Error(await http.PostAsync("/api/runs/shapes/predict", notImage), HttpStatusCode.BadRequest), "is not an image");
        using var text = new MultipartFormDataContent { { new ByteArrayContent("a,b"u8.ToArray()), ImageField, "table.csv" } };
        StringAssert.Contains(await Error(await http.PostAsync("/api/runs/shapes/predict", text), HttpStatusCode.BadRequest), "is not an image file");
        StringAssert.Contains(await Error(await http.PostJson("/api/runs/shapes/predict", new { values = new { } }), HttpStatusCode.BadRequest), "give the path of an image file");
    }

    [TestMethod]
    public async Task The_downloads_are_the_runs_files_with_their_names_and_types()
    {
        string folder = Path.GetDirectoryName(penguinsConfig)!;
        HttpResponseMessage model = await http.GetAsync("/api/runs/penguins/download/model");
        Assert.AreEqual(HttpStatusCode.OK, model.StatusCode);
        Assert.AreEqual("application/zip", model.Content.Headers.ContentType!.MediaType);
        Assert.AreEqual("penguins.zip", model.Content.Headers.ContentDisposition!.FileNameStar ?? model.Content.Headers.ContentDisposition.FileName);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(folder, "penguins.zip")), await model.Content.ReadAsByteArrayAsync());

        HttpResponseMessage config = await http.GetAsync("/api/runs/penguins/download/config");
        Assert.AreEqual("application/json", config.Content.Headers.ContentType!.MediaType);
        Assert.AreEqual("penguins.mtlconfig", config.Content.Headers.ContentDisposition!.FileNameStar ?? config.Content.Headers.ContentDisposition.FileName);
        Assert.AreEqual(File.ReadAllText(penguinsConfig), await config.Content.ReadAsStringAsync());

        HttpResponseMessage project = await http.GetAsync("/api/runs/penguins/download/project");
        Assert.AreEqual("application/zip", project.Content.Headers.ContentType!.MediaType);
        Assert.AreEqual("penguins.project.zip", project.Content.Headers.ContentDisposition!.FileNameStar ?? project.Content.Headers.ContentDisposition.FileName);
        using var archive = new ZipArchive(new MemoryStream(await project.Content.ReadAsByteArrayAsync()));
        string[] entries = archive.Entries.Select(e => e.FullName).ToArray();
        CollectionAssert.Contains(entries, "penguins/penguins.ConsoleApp/penguins.ConsoleApp.csproj");
        CollectionAssert.Contains(entries, "penguins/penguins.zip");

        JsonElement code = await (await http.GetAsync("/api/runs/penguins/code")).Json(HttpStatusCode.OK);
        Assert.AreEqual("penguins.consumption.cs", code.GetProperty("fileName").GetString());
        Assert.AreEqual(File.ReadAllText(Path.Combine(folder, "penguins.consumption.cs")), code.GetProperty("code").GetString());
        StringAssert.Contains(code.GetProperty("runCommand").GetString(), "penguins/penguins.ConsoleApp");
    }
}
