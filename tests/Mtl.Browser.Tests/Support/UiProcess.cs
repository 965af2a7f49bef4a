using System.Text.RegularExpressions;
using Mtl.Cli.Tests.Support;

namespace Mtl.Browser.Tests.Support;

/// <summary>
/// The real <c>mtl ui</c>: the built app started as a child process (<c>dotnet mtl.dll ui --port 0 --root …</c>) in its
/// working folder, its address read from the first line it prints. Dispose kills it (by PID) and whatever it started.
/// </summary>
internal sealed partial class UiProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly RunningApp app;

    private UiProcess(RunningApp app, string root, Uri url, string token)
    {
        this.app = app;
        Root = root;
        Url = url;
        Token = token;
    }

    /// <summary>The working folder (<c>--root</c>): the file browser's root, runs under <c>mtl-runs/</c>.</summary>
    public string Root { get; }

    /// <summary>The address printed at start, with the session token (<c>http://127.0.0.1:P/?token=…</c>).</summary>
    public Uri Url { get; }

    /// <summary>The session token.</summary>
    public string Token { get; }

    /// <summary><c>http://127.0.0.1:P/</c>, without the token.</summary>
    public Uri BaseAddress => new(Url.GetLeftPart(UriPartial.Authority) + "/");

    /// <summary>Everything the server printed so far (for assertion messages).</summary>
    public string Transcript => $"--- mtl ui stdout ---\n{app.StandardOutput}\n--- mtl ui stderr ---\n{app.StandardError}";

    /// <summary>Starts <c>mtl ui --port 0 --root <paramref name="root"/></c> plus <paramref name="extraArguments"/> and waits for its address.</summary>
    public static UiProcess Start(string root, params string[] extraArguments)
    {
        var app = new RunningApp(BuiltApps.MtlCli, root, ["ui", "--port", "0", "--root", root, .. extraArguments]);
        try
        {
            if (!app.WaitUntil(() => app.StandardOutput.Contains('\n', StringComparison.Ordinal), StartTimeout))
                throw new InvalidOperationException($"'mtl ui' printed no address within {StartTimeout.TotalSeconds} s (exited: {app.HasExited}).\n" +
                    $"--- stdout ---\n{app.StandardOutput}\n--- stderr ---\n{app.StandardError}");
            string first = app.StandardOutput.Split('\n')[0].TrimEnd('\r');
            Match line = FirstLine().Match(first);
            if (!line.Success)
                throw new InvalidOperationException($"The first line of 'mtl ui' is not 'mtl ui: http://127.0.0.1:<port>/?token=<token> (working folder <root>; Ctrl+C stops)': '{first}'.\n" +
                    $"--- stderr ---\n{app.StandardError}");
            if (line.Groups["root"].Value.TrimEnd('/') != root.TrimEnd('/'))
                throw new InvalidOperationException($"'mtl ui' names the working folder '{line.Groups["root"].Value}', not the --root given ('{root}').");
            return new UiProcess(app, root, new Uri(line.Groups["url"].Value), line.Groups["token"].Value);
        }
        catch
        {
            app.Dispose();
            throw;
        }
    }

    /// <summary>A client for the API with the token in the <c>X-Mtl-Token</c> header (or without it).</summary>
    public HttpClient Client(bool withToken = true)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (withToken) client.DefaultRequestHeaders.Add("X-Mtl-Token", Token);
        return client;
    }

    /// <summary>The server's run folder <c>&lt;root&gt;/mtl-runs/&lt;id&gt;</c>.</summary>
    public string RunFolder(string id) => Path.Combine(Root, "mtl-runs", id);

    /// <summary>
    /// Stops the server with SIGTERM (or <paramref name="signal"/>), which mtl ui handles as it handles Ctrl+C, and returns its
    /// exit code. Not SIGINT: a test host started from a script in the background (as CI may start it) ignores SIGINT, and
    /// its children inherit that, so the server would never see it.
    /// </summary>
    public int Stop(int signal = RunningApp.SigTerm)
    {
        app.Signal(signal);
        return app.WaitForExit(TimeSpan.FromSeconds(60));
    }

    public void Dispose() => app.Dispose();

    [GeneratedRegex(@"^mtl ui: (?<url>http://127\.0\.0\.1:\d+/\?token=(?<token>[A-Za-z0-9_-]+)) \(working folder (?<root>.+); Ctrl\+C stops\)$")]
    private static partial Regex FirstLine();
}
