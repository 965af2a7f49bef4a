using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mtl.Cli.Ui;

namespace Mtl.Cli.Tests.Ui;

/// <summary>An HttpClient that sends a running server's token in the X-Mtl-Token header; JSON and Server-Sent Events helpers.</summary>
internal static class UiTestClient
{
    public static HttpClient For(RunningUiServer server)
    {
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Add("X-Mtl-Token", server.Token);
        return http;
    }

    /// <summary>The answer's JSON, after checking its status (the body is in the assertion's text).</summary>
    public static async Task<JsonElement> Json(this HttpResponseMessage answer, HttpStatusCode expected)
    {
        string text = await answer.Content.ReadAsStringAsync();
        Assert.AreEqual(expected, answer.StatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The error message of a refused request, after checking its status.</summary>
    public static async Task<string> Error(this HttpResponseMessage answer, HttpStatusCode expected) =>
        (await answer.Json(expected)).GetProperty("error").GetString()!;

    public static Task<HttpResponseMessage> PostJson(this HttpClient http, string path, object body) => http.PostAsJsonAsync(path, body);

    /// <summary>One Server-Sent Event.</summary>
    public sealed record SseEvent(long? Id, string Type, JsonElement Data);

    /// <summary>
    /// The events of a run's stream, from the start or after <paramref name="lastEventId"/>, until the run's end state
    /// (or until <paramref name="until"/> says stop; the stream is then closed).
    /// </summary>
    public static async Task<List<SseEvent>> Events(this HttpClient http, string id, long? lastEventId = null, Func<SseEvent, bool>? until = null,
        TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/runs/{id}/events");
        if (lastEventId is { } last) request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using HttpResponseMessage answer = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode);
        Assert.AreEqual("text/event-stream", answer.Content.Headers.ContentType!.MediaType);
        using var reader = new StreamReader(await answer.Content.ReadAsStreamAsync(cancel.Token));
        var events = new List<SseEvent>();
        long? eventId = null;
        string? type = null, data = null;
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    var e = new SseEvent(eventId, type ?? "message", JsonDocument.Parse(data).RootElement.Clone());
                    events.Add(e);
                    bool ended = e.Type == "state" && e.Data.GetProperty("status").GetString() != "training";
                    if (ended || (until?.Invoke(e) ?? false)) return events;
                }
                eventId = null;
                type = data = null;
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) eventId = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
        return events;
    }
}
