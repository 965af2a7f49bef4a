using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mtl.Cli.Commands;

namespace Mtl.Cli.Ui;

/// <summary>
/// The two pieces every request goes through: the session-token check (query <c>?token=</c>, header <c>X-Mtl-Token</c>
/// or cookie <c>mtl-token</c>; otherwise 403) and the error middleware (<see cref="UiException"/> and the engine's
/// user-facing exceptions become <c>{"error": "..."}</c> with their status; anything else a 500 with its message, never a
/// stack trace page).
/// </summary>
internal static class UiMiddleware
{
    /// <summary>The token's query parameter.</summary>
    public const string TokenQuery = "token";

    /// <summary>The token's request header.</summary>
    public const string TokenHeader = "X-Mtl-Token";

    /// <summary>The token's cookie, set when a page is loaded with a valid <c>?token=</c>.</summary>
    public const string TokenCookie = "mtl-token";

    /// <summary>Adds the error middleware, then the token check, in front of everything else.</summary>
    public static void Use(WebApplication app, UiContext ui)
    {
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (!context.Response.HasStarted && !(e is OperationCanceledException && context.RequestAborted.IsCancellationRequested))
            {
                (int status, string message) = Describe(e, ui);
                context.Response.Clear();
                context.Response.StatusCode = status;
                context.Response.Headers.CacheControl = "no-store";
                await context.Response.WriteAsJsonAsync(new ErrorAnswer(message), UiContext.Json);
            }
        });
        app.Use(async (context, next) =>
        {
            context.Response.Headers["X-Content-Type-Options"] = "nosniff";
            // The token travels in the address: never send it on as a referrer.
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            bool fromQuery = Matches(context.Request.Query[TokenQuery], ui.Token);
            if (!fromQuery && !Matches(context.Request.Headers[TokenHeader], ui.Token) && !Matches(context.Request.Cookies[TokenCookie], ui.Token))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("403: this mtl ui session needs its token. Open the address mtl ui printed when it started " +
                    "(http://127.0.0.1:<port>/?token=...); other local users cannot drive it without that token.\n");
                return;
            }
            if (fromQuery && context.Request.Cookies[TokenCookie] != ui.Token)
                context.Response.Cookies.Append(TokenCookie, ui.Token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
            await next(context);
        });
    }

    /// <summary>The body of every error answer.</summary>
    /// <param name="Error">What went wrong and what to do.</param>
    public sealed record ErrorAnswer(string Error);

    private static bool Matches(string? given, string token) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));

    private static (int Status, string Message) Describe(Exception e, UiContext ui) => e switch
    {
        UiException u => (u.StatusCode, u.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, TooLarge(ui.UploadLimitBytes)),
        BadHttpRequestException b => (b.StatusCode, $"Bad request: {(b.InnerException ?? b).Message}"),
        JsonException j => (StatusCodes.Status400BadRequest, $"The request's JSON is not valid: {j.Message}"),
        // The engine's user-facing errors (an unreadable table, a bad label, a bad setting): the user's to fix.
        ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException
            => (StatusCodes.Status400BadRequest, CommandErrors.Sentence(e)),
        _ => (StatusCodes.Status500InternalServerError, $"The server failed: {e.Message}"),
    };

    /// <summary>The message of an upload over the limit.</summary>
    public static string TooLarge(long limitBytes) =>
        $"The upload is larger than the limit of {limitBytes / (1024.0 * 1024.0):0.#} MB; nothing was kept. Pick a smaller file, put the data " +
        "into the working folder and choose it with the file browser, or start mtl ui --upload-limit-mb <N>.";
}
