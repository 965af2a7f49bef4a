using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mtl.Cli.Tests.Support;
using Mtl.Cli.Ui;

namespace Mtl.Cli.Tests.Ui;

/// <summary>The server's shell: the token on every request, the page's files, the JSON error answers.</summary>
[TestClass]
public sealed class UiServerTests
{
    [TestMethod]
    public async Task Without_the_token_every_request_is_refused_with_403()
    {
        using var root = new TempFolder("mtl-ui");
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        foreach (string path in new[] { "/", "/app.js", "/api/files", "/api/runs" })
        {
            HttpResponseMessage answer = await http.GetAsync(path);
            Assert.AreEqual(HttpStatusCode.Forbidden, answer.StatusCode, path);
            StringAssert.Contains(await answer.Content.ReadAsStringAsync(), "token");
        }
        HttpResponseMessage wrong = await http.GetAsync("/?token=" + new string('A', 43));
        Assert.AreEqual(HttpStatusCode.Forbidden, wrong.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/files");
        request.Headers.Add("X-Mtl-Token", server.Token + "x");
        Assert.AreEqual(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
    }

    [TestMethod]
    public async Task The_token_is_accepted_from_the_query_the_header_or_the_cookie_the_page_sets()
    {
        using var root = new TempFolder("mtl-ui");
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        StringAssert.Matches(server.Url, new System.Text.RegularExpressions.Regex(@"^http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{43}$"));
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = server.BaseAddress };

        HttpResponseMessage page = await http.GetAsync(server.Url);
        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        foreach (string id in new[] { "page-data", "page-train", "page-evaluate", "page-consume" }) StringAssert.Contains(html, $"<section id=\"{id}\"");
        StringAssert.Contains(page.Content.Headers.ContentType!.ToString(), "text/html");
        StringAssert.Contains(string.Join(";", page.Headers.GetValues("Content-Security-Policy")), "script-src 'self'");
        Cookie cookie = cookies.GetCookies(server.BaseAddress)["mtl-token"]!;
        Assert.IsNotNull(cookie, "the page sets the token cookie");
        Assert.IsTrue(cookie.HttpOnly);

        // The cookie alone now opens the page's other files.
        HttpResponseMessage script = await http.GetAsync("/app.js");
        Assert.AreEqual(HttpStatusCode.OK, script.StatusCode);
        StringAssert.Contains(await script.Content.ReadAsStringAsync(), "window.mtl");

        using var bare = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/style.css");
        request.Headers.Add("X-Mtl-Token", server.Token);
        Assert.AreEqual(HttpStatusCode.OK, (await bare.SendAsync(request)).StatusCode);
    }

    [TestMethod]
    public async Task Unknown_files_and_endpoints_answer_404_with_a_json_error()
    {
        using var root = new TempFolder("mtl-ui");
        await using RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root.Path });
        using var http = UiTestClient.For(server);
        foreach (string path in new[] { "/nothing.js", "/api/nothing" })
        {
            HttpResponseMessage answer = await http.GetAsync(path);
            Assert.AreEqual(HttpStatusCode.NotFound, answer.StatusCode, path);
            JsonElement body = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.IsFalse(string.IsNullOrWhiteSpace(body.GetProperty("error").GetString()), path);
        }
    }
}
