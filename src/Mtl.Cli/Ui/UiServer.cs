using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mtl.Cli.Ui;

/// <summary>
/// The web app of <c>mtl ui</c>: Kestrel on 127.0.0.1 only, a per-session token on every request, the page's embedded
/// files at <c>/</c> and the JSON API under <c>/api</c> (one endpoint module per page). Usable in-process (tests start it on
/// port 0 and talk to it with <see cref="System.Net.Http.HttpClient"/>).
/// </summary>
public static class UiServer
{
    // Multipart framing around an uploaded file (boundaries, part headers): allowed on top of the upload limit.
    private const long MultipartSlack = 64 * 1024;

    /// <summary>Starts the server and returns once it listens.</summary>
    /// <param name="options">Working folder, port, upload limit.</param>
    /// <exception cref="ArgumentException">An invalid option.</exception>
    /// <exception cref="IOException">The port is taken.</exception>
    public static RunningUiServer Start(UiServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string root = UiContext.RealPath(Path.GetFullPath(options.Root));
        string token = options.Token ?? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var ui = new UiContext(root, token, options.UploadLimitBytes);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = root,
            EnvironmentName = Environments.Production,
        });
        // The command prints its own first line and handles Ctrl+C itself (the training stops first, then the server).
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.UploadLimitBytes + MultipartSlack;
        });
        WebApplication app = builder.Build();

        UiMiddleware.Use(app, ui);
        StaticFiles.Map(app);
        // The endpoint modules, one line each: A (ui-core) files, data, runs; B (ui-eval) evaluate, consume.
        FilesEndpoints.Map(app, ui);
        DataEndpoints.Map(app, ui);
        RunEndpoints.Map(app, ui);
        EvaluateEndpoints.Map(app, ui);
        ConsumeEndpoints.Map(app, ui);
        app.MapFallback((Microsoft.AspNetCore.Http.HttpContext context) =>
        {
            throw new UiException(StatusCodes.Status404NotFound, $"There is no endpoint {context.Request.Method} {context.Request.Path}.");
        });

        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            ((IDisposable)app).Dispose();
            throw new IOException($"mtl ui cannot listen on 127.0.0.1:{options.Port} ({e.Message}); pass another --port, or --port 0 for a free one.", e);
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        int port = new Uri(address).Port;
        return new RunningUiServer(app, ui, port);
    }

    // No console lifetime: Ctrl+C belongs to the command, which cancels the training before stopping the server.
    private sealed class CommandLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
