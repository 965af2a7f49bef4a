using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Mtl.Analysis.AutoTrain;

namespace Mtl.Cli.Ui;

/// <summary>
/// What every endpoint module shares: the working folder (the only place the app reads and writes), the session token,
/// the upload limit, the runs and the JSON settings. Paths from a request go through <see cref="ResolvePath"/>, run ids
/// through <see cref="RunFolder"/>.
/// </summary>
internal sealed class UiContext
{
    /// <summary>The folder under the working folder that holds one folder per run.</summary>
    public const string RunsFolderName = "mtl-runs";

    /// <summary>The folder under the working folder that uploads go to.</summary>
    public const string UploadsFolderName = "mtl-uploads";

    public UiContext(string root, string token, long uploadLimitBytes)
    {
        Root = root;
        Token = token;
        UploadLimitBytes = uploadLimitBytes;
        Runs = new RunManager(this);
    }

    /// <summary>The working folder, as a full path with every link resolved.</summary>
    public string Root { get; }

    /// <summary>The session token.</summary>
    public string Token { get; }

    /// <summary>The largest upload accepted, in bytes.</summary>
    public long UploadLimitBytes { get; }

    /// <summary><c>&lt;Root&gt;/mtl-runs</c>.</summary>
    public string RunsFolder => Path.Combine(Root, RunsFolderName);

    /// <summary><c>&lt;Root&gt;/mtl-uploads</c>.</summary>
    public string UploadsFolder => Path.Combine(Root, UploadsFolderName);

    /// <summary>The runs: the one training, the list, resume.</summary>
    public RunManager Runs { get; }

    /// <summary>JSON of requests and answers: camelCase, enums as strings, unknown fields refused (a typo is not silently ignored).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // Readable quotes and accents in messages; the page renders every value as text, never as HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads a JSON request body; a missing or malformed one is a 400 naming the problem.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Json, request.HttpContext.RequestAborted)
                ?? throw new UiException(StatusCodes.Status400BadRequest, "The request needs a JSON body.");
        }
        catch (JsonException e)
        {
            throw new UiException(StatusCodes.Status400BadRequest, $"The request's JSON is not valid{(e.Path is { Length: > 1 } p ? $" at {p}" : "")}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The full path of <paramref name="path"/> (relative to the working folder, or absolute), refused with 403 when it is
    /// outside the working folder: by its text (<c>..</c>), or because a link on the way leads out of it.
    /// </summary>
    /// <param name="path">The path from the request; null or empty = the working folder.</param>
    public string ResolvePath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return Root;
        if (path.Contains('\0')) throw new UiException(StatusCodes.Status400BadRequest, "The path holds a NUL character.");
        string full = Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(Root, path));
        if (!IsUnder(full, Root))
            throw new UiException(StatusCodes.Status403Forbidden, $"'{path}' is outside the working folder '{Root}': the app reads and writes only under it. " +
                "Pick a file inside it, upload the file, or start mtl ui --root <folder> with a folder that holds your data.");
        if (!IsUnder(RealPath(full), Root))
            throw new UiException(StatusCodes.Status403Forbidden, $"'{path}' goes through a link that leads outside the working folder '{Root}'; " +
                "the app does not follow it. Copy the data into the working folder, or upload it.");
        return full;
    }

    /// <summary><paramref name="fullPath"/> relative to the working folder, with '/' separators ("" for the folder itself).</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath) is "." ? "" : Path.GetRelativePath(Root, fullPath).Replace('\\', '/');

    /// <summary>
    /// The run <paramref name="id"/>: a plain folder name under <c>&lt;Root&gt;/mtl-runs</c> that exists and holds one
    /// <c>.mtlconfig</c>; 404 otherwise.
    /// </summary>
    public (string Folder, string Name, string ConfigPath, string ZipPath) RunFolder(string id)
    {
        if (!IsPlainName(id))
            throw new UiException(StatusCodes.Status404NotFound, $"'{id}' is not a run id: a run id is the plain name of a folder in '{RunsFolder}'.");
        string folder = Path.Combine(RunsFolder, id);
        if (!Directory.Exists(folder) || !IsUnder(RealPath(folder), Root))
            throw new UiException(StatusCodes.Status404NotFound, $"There is no run '{id}' in '{RunsFolder}'; the Train page lists the runs there.");
        string[] configs = Directory.GetFiles(folder, "*" + MtlConfig.Extension);
        if (configs.Length != 1)
            throw new UiException(StatusCodes.Status404NotFound, configs.Length == 0
                ? $"The folder '{folder}' holds no {MtlConfig.Extension} file, so it is not a run (a run writes <name>{MtlConfig.Extension} when it starts)."
                : $"The folder '{folder}' holds {configs.Length} {MtlConfig.Extension} files; a run folder holds one. Move the others out.");
        string name = Path.GetFileNameWithoutExtension(configs[0]);
        return (folder, name, configs[0], Path.Combine(folder, name + ".zip"));
    }

    /// <summary>Whether <paramref name="name"/> is a plain file or folder name (no separators, not . or ..).</summary>
    public static bool IsPlainName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name is not "." and not ".." && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && !name.Contains('\\')
        && name.Trim() == name;

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or inside it (both full paths).</summary>
    public static bool IsUnder(string path, string folder) =>
        path == folder || path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="fullPath"/> with every link on the way resolved (as realpath does); the part that does not exist yet
    /// is kept as it is.
    /// </summary>
    public static string RealPath(string fullPath)
    {
        string current = Path.GetPathRoot(fullPath)!;
        string[] parts = fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists && info.LinkTarget is null) return Path.Combine([current, .. parts[i..]]);
            if (info.LinkTarget is not null)
            {
                // The final target of a chain of links, itself resolved (its folders may be links too); a dangling link stays as it is.
                FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
                next = target is null ? next : RealPath(Path.GetFullPath(target.FullName));
            }
            current = next;
        }
        return current;
    }
}
