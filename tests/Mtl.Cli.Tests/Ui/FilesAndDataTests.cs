using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Mtl.Cli.Tests.Support;
using Mtl.Cli.Ui;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Tests.Ui;

/// <summary>The Data page's API over HTTP: the working folder's walls, uploads and their limit, the inspection (the CLI's inference).</summary>
[TestClass]
public sealed class FilesAndDataTests
{
    [TestMethod]
    public async Task Paths_outside_the_working_folder_are_refused_by_text_or_through_a_link()
    {
        using var outside = new TempFolder("mtl-ui-outside");
        File.WriteAllText(outside.File("secret.csv"), "a,b\n1,2\n3,4\n");
        using var root = new TempFolder("mtl-ui");
        File.WriteAllText(root.File("inside.csv"), "a,b\n1,2\n3,4\n");
        Directory.CreateSymbolicLink(root.File("escape"), outside.Path);
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        JsonElement listing = await (await http.GetAsync("/api/files")).Json(HttpStatusCode.OK);
        string[] names = listing.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();
        CollectionAssert.AreEqual(new[] { "inside.csv" }, names, "a link that leaves the root is not listed");

        foreach (string path in new[] { "..", "../", "a/../../", outside.Path, "escape", "escape/" })
            StringAssert.Contains(await (await http.GetAsync("/api/files?path=" + Uri.EscapeDataString(path))).Error(HttpStatusCode.Forbidden),
                "outside the working folder", path);
        foreach (string path in new[] { "../secret.csv", outside.File("secret.csv"), "escape/secret.csv" })
            StringAssert.Contains(await (await http.PostJson("/api/data/inspect", new { path })).Error(HttpStatusCode.Forbidden), "working folder", path);
        StringAssert.Contains(await (await http.PostJson("/api/runs", new { data = "escape/secret.csv", labels = new[] { new { column = "a" } } }))
            .Error(HttpStatusCode.Forbidden), "link");
    }

    [TestMethod]
    public async Task An_upload_over_the_limit_is_refused_with_413_and_nothing_is_kept()
    {
        using var root = new TempFolder("mtl-ui");
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path, UploadLimitBytes = 64 * 1024 });
        using HttpClient http = UiTestClient.For(server);
        string big = string.Concat(Enumerable.Range(0, 12_000).Select(i => $"{i},{i * 2}\n"));
        Assert.IsTrue(big.Length > 64 * 1024);

        foreach (bool chunked in new[] { false, true })
        {
            using var form = new MultipartFormDataContent();
            HttpContent file = chunked ? new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes("a,b\n" + big))) : new StringContent("a,b\n" + big);
            form.Add(file, "file", "big.csv");
            if (chunked) form.Headers.ContentLength = null;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload") { Content = form };
            if (chunked) request.Headers.TransferEncodingChunked = true;
            string error = await (await http.SendAsync(request)).Error(HttpStatusCode.RequestEntityTooLarge);
            StringAssert.Contains(error, "limit of 0.1 MB");
            StringAssert.Contains(error, "nothing was kept");
        }
        string uploads = Path.Combine(root.Path, "mtl-uploads");
        Assert.IsTrue(!Directory.Exists(uploads) || Directory.GetFileSystemEntries(uploads).Length == 0,
            "nothing stays in mtl-uploads: " + (Directory.Exists(uploads) ? string.Join(", ", Directory.GetFileSystemEntries(uploads)) : ""));

        // Under the limit the same request is kept, under a name that never replaces an earlier upload.
        for (int i = 1; i <= 2; i++)
        {
            using var form = new MultipartFormDataContent { { new StringContent("a,b\n1,2\n3,4\n"), "file", "small.csv" } };
            JsonElement kept = await (await http.PostAsync("/api/upload", form)).Json(HttpStatusCode.OK);
            Assert.AreEqual(i == 1 ? "mtl-uploads/small.csv" : "mtl-uploads/small-2.csv", kept.GetProperty("path").GetString());
            Assert.AreEqual("a,b\n1,2\n3,4\n", File.ReadAllText(Path.Combine(root.Path, kept.GetProperty("path").GetString()!)));
        }
    }

    [TestMethod]
    public async Task A_zip_of_an_image_folder_is_unpacked_and_a_zip_without_images_is_refused()
    {
        using var root = new TempFolder("mtl-ui");
        using var work = new TempFolder("mtl-ui-zip");
        string folder = SyntheticImages.WriteFolder(work.File("shapes"), perClass: 4);
        string zip = work.File("shapes.zip");
        ZipFile.CreateFromDirectory(folder, zip, CompressionLevel.Fastest, includeBaseDirectory: true);
        string notImages = work.File("notes.zip");
        using (ZipArchive archive = ZipFile.Open(notImages, ZipArchiveMode.Create))
        using (var writer = new StreamWriter(archive.CreateEntry("notes/readme.txt").Open()))
            writer.Write("no images here");
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        using (var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(zip)), "file", "shapes.zip" } })
        {
            JsonElement kept = await (await http.PostAsync("/api/upload", form)).Json(HttpStatusCode.OK);
            Assert.AreEqual("imageFolder", kept.GetProperty("kind").GetString());
            string path = kept.GetProperty("path").GetString()!;
            JsonElement inspected = await (await http.PostJson("/api/data/inspect", new { path })).Json(HttpStatusCode.OK);
            Assert.AreEqual("imageFolder", inspected.GetProperty("kind").GetString());
            Assert.AreEqual(ImageData.FolderRows(folder).Count, inspected.GetProperty("rows").GetInt32());
            Assert.IsTrue(inspected.GetProperty("check").GetProperty("ok").GetBoolean());
        }
        using (var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(notImages)), "file", "notes.zip" } })
            StringAssert.Contains(await (await http.PostAsync("/api/upload", form)).Error(HttpStatusCode.BadRequest), "not a zip of an image folder");
        CollectionAssert.AreEqual(new[] { "shapes" }, Directory.GetFileSystemEntries(Path.Combine(root.Path, "mtl-uploads")).Select(Path.GetFileName).ToArray(),
            "the refused zip left nothing behind");
    }

    [TestMethod]
    public async Task Inspecting_the_penguins_gives_the_schema_mtl_train_infers()
    {
        using var root = new TempFolder("mtl-ui");
        File.Copy(BuiltApps.PenguinsTable, root.File("penguins.csv"));
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        // Before any choice: every column with the kind it would be learnt as.
        JsonElement columns = await (await http.PostJson("/api/data/inspect", new { path = "penguins.csv" })).Json(HttpStatusCode.OK);
        Assert.AreEqual(344, columns.GetProperty("rows").GetInt32());
        Assert.AreEqual(JsonValueKind.Null, columns.GetProperty("check").ValueKind);
        JsonElement preview = columns.GetProperty("preview");
        Assert.AreEqual(10, preview.GetProperty("rows").GetArrayLength());
        Assert.AreEqual("Adelie", preview.GetProperty("rows")[0][0].GetString());
        foreach (string column in new[] { "species", "body_mass_g", "sex", "year" })
        {
            TableSchema asLabel = TableSchema.Infer(BuiltApps.PenguinsTable, new TableReadOptions { Labels = [new LabelRequest(column)] });
            JsonElement shown = columns.GetProperty("columns").EnumerateArray().Single(c => c.GetProperty("name").GetString() == column);
            Assert.AreEqual(asLabel.Labels[0].Kind.ToString(), shown.GetProperty("suggestedKind").GetString(), column);
        }

        // Three labels of mixed kinds: the columns, kinds and missing counts of TableSchema.Infer, the labelled rows per task.
        var labels = new[] { new { column = "species", kind = (string?)null }, new { column = "body_mass_g", kind = (string?)"regression" }, new { column = "sex", kind = (string?)"binary" } };
        JsonElement chosen = await (await http.PostJson("/api/data/inspect", new { path = "penguins.csv", labels, ignore = new[] { "year" } })).Json(HttpStatusCode.OK);
        Assert.IsTrue(chosen.GetProperty("check").GetProperty("ok").GetBoolean());
        TableSchema cli = TableSchema.Infer(BuiltApps.PenguinsTable, new TableReadOptions
        {
            Labels = [LabelRequest.Parse("species"), LabelRequest.Parse("body_mass_g:regression"), LabelRequest.Parse("sex:binary")],
            IgnoreColumns = ["year"],
        });
        JsonElement[] shownColumns = chosen.GetProperty("columns").EnumerateArray().ToArray();
        Assert.AreEqual(cli.Columns.Count, shownColumns.Length);
        for (int i = 0; i < cli.Columns.Count; i++)
        {
            TableColumn c = cli.Columns[i];
            JsonElement s = shownColumns[i];
            Assert.AreEqual(c.Name, s.GetProperty("name").GetString());
            Assert.AreEqual(c.Values.ToString(), s.GetProperty("values").GetString(), c.Name);
            Assert.AreEqual(c.Purpose.ToString(), s.GetProperty("purpose").GetString(), c.Name);
            Assert.AreEqual(c.Kind?.ToString(), s.GetProperty("kind").GetString(), c.Name);
            Assert.AreEqual(c.MissingCount, s.GetProperty("missing").GetInt64(), c.Name);
        }
        var tasks = chosen.GetProperty("tasks").EnumerateArray()
            .Select(t => (t.GetProperty("name").GetString(), t.GetProperty("kind").GetString(), t.GetProperty("labelled").GetInt64(), t.GetProperty("missing").GetInt64())).ToArray();
        CollectionAssert.AreEqual(new[] { ("species", "Multiclass", 344L, 0L), ("body_mass_g", "Regression", 342L, 2L), ("sex", "Binary", 333L, 11L) }, tasks);
    }

    [TestMethod]
    public async Task Bad_data_and_bad_choices_get_clear_messages()
    {
        using var root = new TempFolder("mtl-ui");
        File.Copy(BuiltApps.PenguinsTable, root.File("penguins.csv"));
        File.WriteAllBytes(root.File("picture.csv"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x0A, 1, 2, 0]);
        Directory.CreateDirectory(root.File("empty-folder/cats"));
        File.WriteAllText(root.File("empty-folder/cats/readme.txt"), "no images");
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using HttpClient http = UiTestClient.For(server);

        StringAssert.Contains(await (await http.PostJson("/api/data/inspect", new { path = "picture.csv" })).Error(HttpStatusCode.BadRequest), "is not a table");
        StringAssert.Contains(await (await http.PostJson("/api/data/inspect", new { path = "empty-folder" })).Error(HttpStatusCode.BadRequest), "has no images");
        StringAssert.Contains(await (await http.PostJson("/api/data/inspect", new { path = "nothing.csv" })).Error(HttpStatusCode.NotFound), "nothing.csv");
        StringAssert.Contains(await (await http.PostJson("/api/data/inspect", new { path = "penguins.csv", labels = new[] { new { column = "sex", kind = "ordinal" } } }))
            .Error(HttpStatusCode.BadRequest), "multiclass, binary or regression");
        StringAssert.Contains(await (await http.PostJson("/api/data/inspect", new { path = "penguins.csv", colour = "red" })).Error(HttpStatusCode.BadRequest), "colour");

        // A choice that does not train: the columns still come back, with mtl train's message.
        JsonElement unknown = await (await http.PostJson("/api/data/inspect", new { path = "penguins.csv", labels = new[] { new { column = "weight" } } })).Json(HttpStatusCode.OK);
        Assert.IsFalse(unknown.GetProperty("check").GetProperty("ok").GetBoolean());
        StringAssert.Contains(unknown.GetProperty("check").GetProperty("error").GetString(), "'weight' is not in the header");
        Assert.AreEqual(8, unknown.GetProperty("columns").GetArrayLength());
        JsonElement island = await (await http.PostJson("/api/data/inspect", new { path = "penguins.csv", labels = new[] { new { column = "island", kind = "regression" } } })).Json(HttpStatusCode.OK);
        StringAssert.Contains(island.GetProperty("check").GetProperty("error").GetString(), "not a number");
    }
}
