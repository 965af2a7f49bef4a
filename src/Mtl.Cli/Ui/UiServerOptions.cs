namespace Mtl.Cli.Ui;

/// <summary>How <see cref="UiServer.Start"/> starts the web app.</summary>
public sealed class UiServerOptions
{
    /// <summary>The default upload limit, in megabytes.</summary>
    public const int DefaultUploadLimitMegabytes = 200;

    /// <summary>The working folder: the file browser's root; runs go to <c>&lt;Root&gt;/mtl-runs/&lt;id&gt;</c>, uploads to <c>&lt;Root&gt;/mtl-uploads</c>.</summary>
    public required string Root { get; init; }

    /// <summary>The port on 127.0.0.1; 0 = a free port chosen by the system.</summary>
    public int Port { get; init; }

    /// <summary>The largest upload accepted, in bytes; a larger one is refused with 413 and nothing is kept.</summary>
    public long UploadLimitBytes { get; init; } = DefaultUploadLimitMegabytes * 1024L * 1024L;

    /// <summary>The session token; null = 32 random bytes, base64url (the usual case: only tests pass one).</summary>
    public string? Token { get; init; }

    /// <summary>Checks the values; the message names the option.</summary>
    /// <exception cref="ArgumentException">The first invalid option.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Root)) throw new ArgumentException("--root must name a folder.");
        if (!Directory.Exists(Root)) throw new DirectoryNotFoundException($"--root '{Root}' is not a folder; pass an existing folder (the file browser's root).");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be between 0 (a free port) and 65535; got {Port}.");
        if (UploadLimitBytes < 1) throw new ArgumentException($"--upload-limit-mb must be positive; got {UploadLimitBytes / (1024.0 * 1024.0)} MB.");
        if (Token is { } t && (t.Length < 16 || !t.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException("The token must be at least 16 characters of base64url (letters, digits, '-', '_').");
    }
}
