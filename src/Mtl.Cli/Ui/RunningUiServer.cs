using Microsoft.AspNetCore.Builder;

namespace Mtl.Cli.Ui;

/// <summary>A started <see cref="UiServer"/>: its address and token; stopping it cancels a training first.</summary>
public sealed class RunningUiServer : IDisposable, IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly UiContext ui;
    private int stopped;

    internal RunningUiServer(WebApplication app, UiContext ui, int port)
    {
        this.app = app;
        this.ui = ui;
        Port = port;
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The session token.</summary>
    public string Token => ui.Token;

    /// <summary>The working folder (full path, links resolved).</summary>
    public string Root => ui.Root;

    /// <summary>The address without the token: <c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The address to open: <c>http://127.0.0.1:&lt;port&gt;/?token=&lt;token&gt;</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}/?token={Token}";

    /// <summary>The run being trained now, or null.</summary>
    public string? TrainingRun => ui.Runs.Training;

    /// <summary>
    /// Stops: a training is cancelled and awaited (its <c>.mtlconfig</c> keeps the finished trials, so the run resumes
    /// later), then the server stops. Returns the id of the run that was interrupted, or null.
    /// </summary>
    public async Task<string?> StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) != 0) return null;
        string? interrupted = await ui.Runs.CancelAndWaitAsync().ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        return interrupted;
    }

    /// <inheritdoc/>
    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
