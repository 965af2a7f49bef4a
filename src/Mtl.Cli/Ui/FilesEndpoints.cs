using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Ui;

/// <summary>
/// The Data page's file browser and uploads: <c>GET /api/files?path=</c> lists a folder under the working folder;
/// <c>POST /api/upload</c> (multipart, one file) keeps a CSV/TSV file, or unpacks a zip of an image folder, in
/// <c>&lt;root&gt;/mtl-uploads/</c> — over the size limit it answers 413 and keeps nothing.
/// </summary>
internal static class FilesEndpoints
{
    // A folder listing stops here (a page cannot show more usefully).
    private const int MaxEntries = 2000;

    // A zip may unpack to at most this many times the upload limit, and this many files (a zip bomb is refused).
    private const int MaxExpansion = 4;
    private const int MaxZipEntries = 200_000;

    private static readonly string[] TableExtensions = [".csv", ".tsv", ".txt", ".tab"];

    public static void Map(IEndpointRouteBuilder app, UiContext ui)
    {
        app.MapGet("/api/files", (string? path) => Results.Json(List(ui, path), UiContext.Json));
        app.MapPost("/api/upload", async (HttpRequest request) => Results.Json(await UploadAsync(ui, request), UiContext.Json));
    }

    /// <summary>One entry of a folder listing.</summary>
    /// <param name="Name">The file or folder name.</param>
    /// <param name="Path">Relative to the working folder, '/'-separated.</param>
    /// <param name="Type">"folder" or "file".</param>
    /// <param name="Kind">"table" (.csv, .tsv, .txt, .tab), "image", "zip", "folder" or "other".</param>
    /// <param name="Size">Bytes of a file; null for a folder.</param>
    internal sealed record Entry(string Name, string Path, string Type, string Kind, long? Size);

    private static object List(UiContext ui, string? path)
    {
        string folder = ui.ResolvePath(path);
        if (File.Exists(folder))
            throw new UiException(StatusCodes.Status400BadRequest, $"'{path}' is a file, not a folder; list the folder that holds it.");
        if (!Directory.Exists(folder))
            throw new UiException(StatusCodes.Status404NotFound, $"There is no folder '{path}' in the working folder '{ui.Root}'.");
        var entries = new List<Entry>();
        bool truncated = false;
        foreach (FileSystemInfo info in new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(i => i is FileInfo).ThenBy(i => i.Name, StringComparer.Ordinal))
        {
            if (info.Name.StartsWith('.')) continue;
            // A link that leads out of the working folder is not shown (and would be refused if asked for).
            if (info.LinkTarget is not null && !UiContext.IsUnder(UiContext.RealPath(info.FullName), ui.Root)) continue;
            if (entries.Count == MaxEntries)
            {
                truncated = true;
                break;
            }
            entries.Add(info is DirectoryInfo
                ? new Entry(info.Name, ui.Relative(info.FullName), "folder", "folder", null)
                : new Entry(info.Name, ui.Relative(info.FullName), "file", KindOf(info.Name), ((FileInfo)info).Length));
        }
        string relative = ui.Relative(folder);
        return new
        {
            path = relative,
            parent = relative.Length == 0 ? null : ui.Relative(Path.GetDirectoryName(folder)!),
            root = ui.Root,
            entries,
            truncated,
        };
    }

    private static string KindOf(string name)
    {
        string extension = Path.GetExtension(name).ToLowerInvariant();
        if (TableExtensions.Contains(extension)) return "table";
        if (ImageData.HasImageExtension(name)) return "image";
        return extension == ".zip" ? "zip" : "other";
    }

    private static async Task<object> UploadAsync(UiContext ui, HttpRequest request)
    {
        if (request.ContentLength > ui.UploadLimitBytes + 64 * 1024)
            throw new UiException(StatusCodes.Status413PayloadTooLarge, UiMiddleware.TooLarge(ui.UploadLimitBytes));
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out MediaTypeHeaderValue? type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
            throw new UiException(StatusCodes.Status400BadRequest, "An upload is a multipart/form-data request with one file (a CSV/TSV file, or a zip of an image folder).");

        var reader = new MultipartReader(boundary, request.Body);
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(request.HttpContext.RequestAborted)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition) || !disposition.IsFileDisposition())
                continue;
            string fileName = SafeName(HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value);
            string extension = Path.GetExtension(fileName).ToLowerInvariant();
            bool zip = extension == ".zip";
            if (!zip && !TableExtensions.Contains(extension))
                throw new UiException(StatusCodes.Status400BadRequest, $"'{fileName}' is neither a table (.csv, .tsv, .txt) nor a .zip of an image folder; upload one of those.");
            Directory.CreateDirectory(ui.UploadsFolder);
            string part = Path.Combine(ui.UploadsFolder, $".upload-{Guid.NewGuid():N}.part");
            try
            {
                await CopyLimitedAsync(section.Body, part, ui.UploadLimitBytes, request.HttpContext.RequestAborted);
                return zip ? Unzip(ui, part, fileName) : KeepTable(ui, part, fileName);
            }
            finally
            {
                if (File.Exists(part)) File.Delete(part);
            }
        }
        throw new UiException(StatusCodes.Status400BadRequest, "The upload holds no file; choose a CSV/TSV file or a zip of an image folder.");
    }

    // Streams the part to disk and stops (413) as soon as it passes the limit.
    private static async Task CopyLimitedAsync(Stream body, string path, long limit, CancellationToken cancel)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        byte[] buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancel)) > 0)
        {
            total += read;
            if (total > limit) throw new UiException(StatusCodes.Status413PayloadTooLarge, UiMiddleware.TooLarge(limit));
            await file.WriteAsync(buffer.AsMemory(0, read), cancel);
        }
        if (total == 0) throw new UiException(StatusCodes.Status400BadRequest, "The uploaded file is empty; choose a file with data.");
    }

    private static object KeepTable(UiContext ui, string part, string fileName)
    {
        string target = Unique(ui.UploadsFolder, Path.GetFileNameWithoutExtension(fileName), Path.GetExtension(fileName));
        File.Move(part, target);
        return new { path = ui.Relative(target), kind = "table", name = Path.GetFileName(target) };
    }

    // Unpacks into a hidden folder first, checks it is an image folder, then renames it into place: nothing half-unpacked stays.
    private static object Unzip(UiContext ui, string part, string fileName)
    {
        string staging = Path.Combine(ui.UploadsFolder, $".upload-{Guid.NewGuid():N}");
        try
        {
            using (ZipArchive archive = OpenZip(part, fileName))
            {
                long expanded = 0;
                if (archive.Entries.Count > MaxZipEntries)
                    throw new UiException(StatusCodes.Status413PayloadTooLarge, $"'{fileName}' holds {archive.Entries.Count} entries, more than {MaxZipEntries}; nothing was kept.");
                foreach (ZipArchiveEntry entry in archive.Entries)
                {
                    string name = entry.FullName.Replace('\\', '/');
                    if (name.EndsWith('/') || name.Split('/').Any(p => p.StartsWith('.') || p == "__MACOSX")) continue;
                    string target = Path.GetFullPath(Path.Combine(staging, name));
                    if (!UiContext.IsUnder(target, staging))
                        throw new UiException(StatusCodes.Status400BadRequest, $"'{fileName}' holds the entry '{entry.FullName}', which would unpack outside its folder; nothing was kept.");
                    expanded += entry.Length;
                    if (expanded > MaxExpansion * ui.UploadLimitBytes)
                        throw new UiException(StatusCodes.Status413PayloadTooLarge, $"'{fileName}' unpacks to more than {MaxExpansion} times the upload limit; nothing was kept.");
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    entry.ExtractToFile(target, overwrite: false);
                }
            }
            // A zip of the folder itself holds one top folder: that is the image folder.
            string[] top = Directory.Exists(staging) ? Directory.GetFileSystemEntries(staging) : [];
            string inner = top.Length == 1 && Directory.Exists(top[0]) && Directory.GetDirectories(top[0]).Length > 0 ? top[0] : staging;
            try
            {
                ImageData.FolderRows(inner);
            }
            catch (Exception e) when (e is InvalidDataException or DirectoryNotFoundException)
            {
                throw new UiException(StatusCodes.Status400BadRequest, $"'{fileName}' is not a zip of an image folder (one subfolder of images per class): " +
                    $"{e.Message.Replace(staging, fileName, StringComparison.Ordinal)} Nothing was kept.", e);
            }
            string stem = inner == staging ? Path.GetFileNameWithoutExtension(fileName) : SafeName(Path.GetFileName(inner));
            string kept = Unique(ui.UploadsFolder, stem, "");
            Directory.Move(inner, kept);
            return new { path = ui.Relative(kept), kind = "imageFolder", name = Path.GetFileName(kept) };
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static ZipArchive OpenZip(string path, string fileName)
    {
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new UiException(StatusCodes.Status400BadRequest, $"'{fileName}' is not a readable zip file ({e.Message}); nothing was kept.", e);
        }
    }

    // A file name from the client, reduced to a plain name (no folders, no hidden files).
    private static string SafeName(string? name)
    {
        string plain = Path.GetFileName((name ?? "").Replace('\\', '/').Split('/').Last()).Trim();
        plain = new string(plain.Select(c => Path.GetInvalidFileNameChars().Contains(c) || char.IsControl(c) ? '_' : c).ToArray()).TrimStart('.');
        return plain.Length == 0 ? "upload" : plain;
    }

    // <folder>/<stem><extension>, or <stem>-2, -3, … when taken: an upload never replaces a file.
    private static string Unique(string folder, string stem, string extension)
    {
        for (int n = 1; ; n++)
        {
            string path = Path.Combine(folder, (n == 1 ? stem : $"{stem}-{n}") + extension);
            if (!File.Exists(path) && !Directory.Exists(path)) return path;
        }
    }
}
