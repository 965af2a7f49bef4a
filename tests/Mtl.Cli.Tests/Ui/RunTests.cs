using System.Net;
using System.Text.Json;
using Mtl.Analysis.AutoTrain;
using Mtl.Cli.Tests.Support;
using Mtl.Cli.Ui;

namespace Mtl.Cli.Tests.Ui;

/// <summary>
/// Training from the app over HTTP on the penguins (three labels of mixed kinds, a few epochs per trial): the live events,
/// what is written (the same .mtlconfig as mtl train), one training at a time, cancel, and resume after the server stopped.
/// </summary>
[TestClass]
public sealed class RunTests
{
    private static readonly object[] MixedLabels =
    [
        new { column = "species", kind = (string?)null },
        new { column = "body_mass_g", kind = (string?)"regression" },
        new { column = "sex", kind = (string?)"binary" },
    ];

    private static TempFolder PenguinsRoot()
    {
        var root = new TempFolder("mtl-ui");
        File.Copy(BuiltApps.PenguinsTable, root.File("penguins.csv"));
        return root;
    }

    private static object Run(int maxTrials, int epochs, double timeSeconds = 120, string? name = null) => new
    {
        data = "penguins.csv", labels = MixedLabels, timeSeconds, maxTrials, epochs, seed = 1, baselines = "none", name,
    };

    [TestMethod]
    public async Task A_run_started_over_http_streams_its_events_in_order_and_writes_the_zip_and_the_mtlconfig()
    {
        using TempFolder root = PenguinsRoot();
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        JsonElement started = await (await http.PostJson("/api/runs", Run(maxTrials: 2, epochs: 3))).Json(HttpStatusCode.Created);
        Assert.AreEqual("penguins", started.GetProperty("id").GetString());
        // A page that closes mid-training (the stream is dropped after the first epoch) does not stop the run.
        List<UiTestClient.SseEvent> early = await http.Events("penguins", until: e => e.Type == "epoch");
        Assert.AreEqual("epoch", early[^1].Type);
        List<UiTestClient.SseEvent> events = await http.Events("penguins");

        CollectionAssert.AreEqual(Enumerable.Range(1, events.Count).Select(i => (long?)i).ToList(), events.Select(e => e.Id).ToList(), "numbered 1, 2, 3, …");
        string[] types = events.Select(e => e.Type).ToArray();
        Assert.AreEqual("state", types[0]);
        Assert.AreEqual("training", events[0].Data.GetProperty("status").GetString());
        Assert.AreEqual("finished", events[^1].Data.GetProperty("status").GetString(), events[^1].Data.ToString());
        int At(string type, int trial = 0) => Array.FindIndex(events.ToArray(), e => e.Type == type &&
            (trial == 0 || (e.Data.TryGetProperty("trial", out JsonElement t) && (t.ValueKind == JsonValueKind.Number ? t.GetInt32() : t.GetProperty("number").GetInt32()) == trial)));
        int[] order = [At("schema"), At("split"), At("trialStarted", 1), At("epoch", 1), At("trialFinished", 1), At("trialStarted", 2), At("epoch", 2),
            At("trialFinished", 2), At("test"), At("saved"), At("code"), At("finished"), events.Count - 1];
        Assert.IsTrue(order.All(i => i > 0), string.Join(", ", types));
        CollectionAssert.AreEqual(order.Order().ToArray(), order, "in the order they happen: " + string.Join(", ", types));
        Assert.AreEqual(3, events.Count(e => e.Type == "epoch" && e.Data.GetProperty("trial").GetInt32() == 1), "three epochs per trial");
        JsonElement test = events[At("test")].Data.GetProperty("tasks");
        CollectionAssert.AreEqual(new[] { "species", "body_mass_g", "sex" }, test.EnumerateArray().Select(t => t.GetProperty("task").GetString()).ToArray());

        // What mtl train writes: the zip, the .mtlconfig with both trials, the generated code.
        string folder = Path.Combine(root.Path, "mtl-runs", "penguins");
        foreach (string file in new[] { "penguins.zip", "penguins.mtlconfig", "penguins.consumption.cs", "penguins.training.cs" })
            Assert.IsTrue(File.Exists(Path.Combine(folder, file)), file);
        MtlConfig config = MtlConfig.Read(Path.Combine(folder, "penguins.mtlconfig"));
        Assert.AreEqual(2, config.RunHistory.Trials.Count);
        CollectionAssert.AreEqual(new[] { "species", "body_mass_g", "sex" }, config.TrainingOption.LabelColumns);
        Assert.AreEqual(3, config.TrainingOption.SearchSpace.Epochs);

        // A reloaded page replays everything; a reconnecting one only what it missed.
        Assert.AreEqual(events.Count, (await http.Events("penguins")).Count);
        List<UiTestClient.SseEvent> missed = await http.Events("penguins", lastEventId: 5);
        Assert.AreEqual(6, missed[0].Id);
        Assert.AreEqual(events.Count - 5, missed.Count);

        HttpResponseMessage curves = await http.GetAsync("/api/runs/penguins/curves.svg?trial=2");
        Assert.AreEqual(HttpStatusCode.OK, curves.StatusCode);
        Assert.AreEqual("image/svg+xml", curves.Content.Headers.ContentType!.MediaType);
        string svg = await curves.Content.ReadAsStringAsync();
        StringAssert.Contains(svg, "<svg");
        StringAssert.Contains(svg, "body_mass_g");
        StringAssert.Contains(await (await http.GetAsync("/api/runs/penguins/curves.svg?trial=7")).Error(HttpStatusCode.NotFound), "Trial 7");

        JsonElement list = await (await http.GetAsync("/api/runs")).Json(HttpStatusCode.OK);
        JsonElement listed = list.GetProperty("runs").EnumerateArray().Single();
        Assert.AreEqual("finished", listed.GetProperty("status").GetString());
        Assert.IsFalse(listed.GetProperty("resumable").GetBoolean());
        JsonElement details = await (await http.GetAsync("/api/runs/penguins")).Json(HttpStatusCode.OK);
        Assert.AreEqual(2, details.GetProperty("trials").GetArrayLength());
        Assert.AreEqual(3, details.GetProperty("testMetrics").GetArrayLength());
        Assert.AreEqual("mtl-runs/penguins/penguins.zip", details.GetProperty("zip").GetString());
        StringAssert.Contains(await (await http.GetAsync("/api/runs/nothing")).Error(HttpStatusCode.NotFound), "no run 'nothing'");
    }

    [TestMethod]
    public async Task The_app_writes_the_mtlconfig_mtl_train_writes_for_the_same_choices()
    {
        using TempFolder root = PenguinsRoot();
        string data = root.File("penguins.csv"), cliOut = root.File("cli");
        ProcessResult cli = InProcessCli.Run("train", "--data", data, "--label", "species", "--label", "body_mass_g:regression", "--label", "sex:binary",
            "--time", "120", "--max-trials", "1", "--epochs", "2", "--seed", "3", "--baselines", "none", "--arch", "mmoe(experts=4)", "--name", "same",
            "--out", cliOut);
        Assert.AreEqual(0, cli.ExitCode, cli.StandardError);

        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);
        await (await http.PostJson("/api/runs", new
        {
            data = "penguins.csv", labels = MixedLabels, timeSeconds = 120, maxTrials = 1, epochs = 2, seed = 3, baselines = "none", arch = "mmoe(experts=4)",
            name = "same",
        })).Json(HttpStatusCode.Created);
        Assert.AreEqual("finished", (await http.Events("same"))[^1].Data.GetProperty("status").GetString());

        MtlConfig fromCli = MtlConfig.Read(Path.Combine(cliOut, "same.mtlconfig"));
        MtlConfig fromApp = MtlConfig.Read(Path.Combine(root.Path, "mtl-runs", "same", "same.mtlconfig"));
        string Json<T>(T section) => JsonSerializer.Serialize(section, MtlConfig.Json);
        Assert.AreEqual(Json(fromCli.DataSource), Json(fromApp.DataSource));
        Assert.AreEqual(Json(fromCli.TrainingOption), Json(fromApp.TrainingOption));
        Assert.AreEqual(Json(fromCli.Baselines), Json(fromApp.Baselines));
        Assert.AreEqual(fromCli.Name, fromApp.Name);
        // Same configuration, seed and split: the same trial, to the score.
        Assert.AreEqual(Json(fromCli.RunHistory.Trials[0].Parameter), Json(fromApp.RunHistory.Trials[0].Parameter));
        Assert.AreEqual(fromCli.RunHistory.Trials[0].Score, fromApp.RunHistory.Trials[0].Score);
    }

    [TestMethod]
    public async Task One_run_trains_at_a_time_and_cancel_stops_it_with_its_mtlconfig_kept()
    {
        using TempFolder root = PenguinsRoot();
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        await (await http.PostJson("/api/runs", Run(maxTrials: 5, epochs: 200))).Json(HttpStatusCode.Created);
        string busy = await (await http.PostJson("/api/runs", Run(maxTrials: 1, epochs: 2, name: "other"))).Error(HttpStatusCode.Conflict);
        StringAssert.StartsWith(busy, "a run is training: 'penguins'");
        Assert.IsFalse(Directory.Exists(Path.Combine(root.Path, "mtl-runs", "other")), "the refused run left no folder");
        string config = Path.Combine(root.Path, "mtl-runs", "penguins", "penguins.mtlconfig");
        Assert.IsTrue(File.Exists(config), "the .mtlconfig is written when the run starts");

        await http.Events("penguins", until: e => e.Type == "epoch");
        StringAssert.Contains(await (await http.PostAsync("/api/runs/penguins/cancel", null)).Json(HttpStatusCode.Accepted) is { } c ? c.GetProperty("status").GetString() : "", "cancelling");
        List<UiTestClient.SseEvent> events = await http.Events("penguins");
        JsonElement end = events[^1].Data;
        Assert.AreEqual("cancelled", end.GetProperty("status").GetString());
        StringAssert.Contains(end.GetProperty("message").GetString(), "Resume continues");
        Assert.IsFalse(File.Exists(Path.Combine(root.Path, "mtl-runs", "penguins", "penguins.zip")), "a cancelled run saves no model");
        Assert.IsTrue(File.Exists(config));
        Assert.IsNull(server.TrainingRun);

        JsonElement listed = (await (await http.GetAsync("/api/runs")).Json(HttpStatusCode.OK)).GetProperty("runs")[0];
        Assert.AreEqual("cancelled", listed.GetProperty("status").GetString());
        Assert.IsTrue(listed.GetProperty("resumable").GetBoolean());
        StringAssert.Contains(await (await http.PostAsync("/api/runs/penguins/cancel", null)).Error(HttpStatusCode.Conflict), "not training");
    }

    [TestMethod]
    public async Task A_run_the_server_stopped_is_listed_as_unfinished_and_resumes_without_training_its_finished_trials_again()
    {
        using TempFolder root = PenguinsRoot();
        string config = Path.Combine(root.Path, "mtl-runs", "penguins", "penguins.mtlconfig");
        List<MtlConfig.TrialEntry> before;
        await using (RunningUiServer first = UiServer.Start(new UiServerOptions { Root = root.Path }))
        {
            using HttpClient http = UiTestClient.For(first);
            await (await http.PostJson("/api/runs", Run(maxTrials: 4, epochs: 3))).Json(HttpStatusCode.Created);
            await http.Events("penguins", until: e => e.Type == "trialFinished");
            // What Ctrl+C on mtl ui does: the training is cancelled, then the server stops.
            Assert.AreEqual("penguins", await first.StopAsync());
            before = MtlConfig.Read(config).RunHistory.Trials;
            Assert.IsTrue(before.Count is >= 1 and < 4, $"{before.Count} trials recorded");
            Assert.IsFalse(File.Exists(Path.ChangeExtension(config, ".zip")));
        }

        await using RunningUiServer second = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient again = UiTestClient.For(second);
        JsonElement listed = (await (await again.GetAsync("/api/runs")).Json(HttpStatusCode.OK)).GetProperty("runs")[0];
        Assert.AreEqual("unfinished", listed.GetProperty("status").GetString());
        Assert.IsTrue(listed.GetProperty("resumable").GetBoolean());
        Assert.AreEqual(before.Count, listed.GetProperty("trials").GetInt32());
        List<UiTestClient.SseEvent> idle = await again.Events("penguins");
        Assert.AreEqual("unfinished", idle.Single().Data.GetProperty("status").GetString());

        Assert.AreEqual("penguins", (await (await again.PostAsync("/api/runs/penguins/resume", null)).Json(HttpStatusCode.Accepted)).GetProperty("id").GetString());
        List<UiTestClient.SseEvent> events = await again.Events("penguins");
        Assert.AreEqual("finished", events[^1].Data.GetProperty("status").GetString(), events[^1].Data.ToString());
        int[] fromHistory = events.Where(e => e.Type == "trialFinished" && e.Data.GetProperty("fromHistory").GetBoolean())
            .Select(e => e.Data.GetProperty("trial").GetProperty("number").GetInt32()).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(1, before.Count).ToArray(), fromHistory, "the finished trials come from the .mtlconfig");
        // The search trains only new trials; a best trial from the file is then fitted again for the model (announced as "refitting").
        int[] trained = events.TakeWhile(e => e.Type != "refitting").Where(e => e.Type == "trialStarted").Select(e => e.Data.GetProperty("trial").GetInt32()).ToArray();
        Assert.IsTrue(trained.Length > 0 && trained.All(n => n > before.Count), "no finished trial is trained again in the search: " + string.Join(", ", trained));
        List<MtlConfig.TrialEntry> after = MtlConfig.Read(config).RunHistory.Trials;
        Assert.AreEqual(4, after.Count);
        for (int i = 0; i < before.Count; i++) Assert.AreEqual(before[i].Score, after[i].Score);
        Assert.IsTrue(File.Exists(Path.ChangeExtension(config, ".zip")));
        StringAssert.Contains(await (await again.PostAsync("/api/runs/penguins/resume", null)).Error(HttpStatusCode.Conflict), "finished");
    }

    [TestMethod]
    public async Task An_image_folder_trains_from_the_app_as_one_multiclass_task()
    {
        using var root = new TempFolder("mtl-ui");
        SyntheticImages.WriteFolder(root.File("shapes"), perClass: 12);
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        JsonElement inspected = await (await http.PostJson("/api/data/inspect", new { path = "shapes" })).Json(HttpStatusCode.OK);
        Assert.AreEqual("imageFolder", inspected.GetProperty("kind").GetString());
        Assert.AreEqual(3, inspected.GetProperty("images").GetProperty("classes").GetArrayLength());
        JsonElement task = inspected.GetProperty("tasks").EnumerateArray().Single();
        Assert.AreEqual("Label", task.GetProperty("name").GetString());
        Assert.AreEqual("Multiclass", task.GetProperty("kind").GetString());

        JsonElement started = await (await http.PostJson("/api/runs", new
        {
            data = "shapes", labels = new[] { new { column = "Label" } }, timeSeconds = 120, maxTrials = 1, epochs = 2, baselines = "none",
        })).Json(HttpStatusCode.Created);
        Assert.AreEqual("shapes", started.GetProperty("id").GetString(), "the run is named after the folder");
        List<UiTestClient.SseEvent> events = await http.Events("shapes");
        Assert.AreEqual("finished", events[^1].Data.GetProperty("status").GetString(), events[^1].Data.ToString());
        Assert.IsTrue(events.Single(e => e.Type == "schema").Data.GetProperty("imageFolder").GetBoolean());
        Assert.IsTrue(File.Exists(Path.Combine(root.Path, "mtl-runs", "shapes", "shapes.zip")));
        Assert.AreEqual("ImageFolder", MtlConfig.Read(Path.Combine(root.Path, "mtl-runs", "shapes", "shapes.mtlconfig")).DataSource.Type);
    }

    [TestMethod]
    public async Task A_bad_start_is_refused_with_a_clear_message_and_leaves_no_run()
    {
        using TempFolder root = PenguinsRoot();
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);
        var cases = new (object Body, string Message)[]
        {
            (new { data = "penguins.csv", labels = new[] { new { column = "weight" } }, timeSeconds = 10 }, "'weight' is not in the header"),
            (new { data = "penguins.csv", timeSeconds = 10 }, "needs at least one label"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex", kind = "ordinal" } }, timeSeconds = 10 }, "multiclass, binary or regression"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, timeSeconds = -5 }, "time budget must be a positive number"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, timeSeconds = 10, name = "../up" }, "not a plain name"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, timeSeconds = 10, methods = new[] { "nope" } }, "'nope' is not a method"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, timeSeconds = 10, validation = "guess" }, "validation option 'guess'"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, timeSeconds = 10, baselines = "maybe" }, "The baselines option takes auto or none; got 'maybe'"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, testFraction = 1.5 }, "test fraction must be between 0 and 1"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, maxTrials = 2 }, "trial limit limits the search"),
            (new { data = "penguins.csv", labels = new[] { new { column = "sex" } }, arch = "pyramid" }, "pyramid"),
            (new { labels = new[] { new { column = "sex" } } }, "Choose the data first"),
        };
        foreach ((object body, string message) in cases)
            StringAssert.Contains(await (await http.PostJson("/api/runs", body)).Error(HttpStatusCode.BadRequest), message, JsonSerializer.Serialize(body));
        string runs = Path.Combine(root.Path, "mtl-runs");
        Assert.IsTrue(!Directory.Exists(runs) || Directory.GetFileSystemEntries(runs).Length == 0);
        Assert.IsNull(server.TrainingRun, "a refused start holds no training slot");
    }
}
