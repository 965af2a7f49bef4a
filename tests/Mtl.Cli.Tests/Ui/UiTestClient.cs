using System.Net.Http.Json;
using System.Text.Json;
using Mtl.Cli.Ui;

namespace Mtl.Cli.Tests.Ui;

/// <summary>An HttpClient that sends a running server's token in the X-Mtl-Token header, and JSON helpers.</summary>
internal static class UiTestClient
{
    public static HttpClient For(RunningUiServer server)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Add("X-Mtl-Token", server.Token);
        return http;
    }

    /// <summary>The answer's JSON, after checking its status (the error message is in the assertion's text).</summary>
    public static async Task<JsonElement> Json(this HttpResponseMessage answer, System.Net.HttpStatusCode expected)
    {
        string text = await answer.Content.ReadAsStringAsync();
        Assert.AreEqual(expected, answer.StatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PostJson(this HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);
}
