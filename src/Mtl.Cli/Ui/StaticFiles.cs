using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mtl.Cli.Ui;

/// <summary>
/// The page's files, embedded in this assembly from <c>Ui/wwwroot/</c>: <c>/</c> is <c>index.html</c>, <c>/&lt;file&gt;</c>
/// the file. Nothing comes from a CDN or the network; the page may load only its own scripts, styles and images.
/// </summary>
internal static class StaticFiles
{
    private const string Prefix = "wwwroot/";

    // Scripts and styles only from this server, no inline code; plots and downloads from the API.
    private const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void Map(IEndpointRouteBuilder app)
    {
        Assembly assembly = typeof(StaticFiles).Assembly;
        var files = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(n => n[Prefix.Length..], n => n, StringComparer.Ordinal);
        app.MapGet("/", (HttpContext context) => Serve(context, assembly, files["index.html"], "index.html"));
        app.MapGet("/{file}", (HttpContext context, string file) => files.TryGetValue(file, out string? resource)
            ? Serve(context, assembly, resource, file)
            : throw new UiException(StatusCodes.Status404NotFound, $"There is no page file '{file}'."));
    }

    private static async Task Serve(HttpContext context, Assembly assembly, string resource, string file)
    {
        string type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".png" => "image/png",
            _ => "application/octet-stream",
        };
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        if (type.StartsWith("text/html", StringComparison.Ordinal)) context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        await using Stream stream = assembly.GetManifestResourceStream(resource)!;
        await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
