namespace Mtl.Cli.Ui;

/// <summary>
/// A request the web app refuses or cannot serve: the error middleware answers it with <see cref="StatusCode"/> and
/// <c>{"error": Message}</c>. The message is for the user: what, where, what to do.
/// </summary>
internal sealed class UiException : Exception
{
    public UiException(int statusCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        if (statusCode is < 400 or > 599) throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "An error's status is 4xx or 5xx.");
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status: 400 bad input, 403, 404 unknown run or path, 409 a run is training, 413 too large.</summary>
    public int StatusCode { get; }
}
