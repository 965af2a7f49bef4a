using System.Text;
using System.Text.Json;

namespace Mtl.Analysis.Sweeps;

/// <summary>What reading a results file found.</summary>
/// <param name="Path">The file.</param>
/// <param name="Results">Complete lines, in file order.</param>
/// <param name="TornTail">The incomplete last line a writer left when it was killed mid-write (ignored), or null.</param>
public sealed record ResultsReadout(string Path, IReadOnlyList<RunResult> Results, string? TornTail)
{
    /// <summary>A sentence about the torn tail for the user, or null when there is none.</summary>
    public string? Warning => TornTail is null ? null
        : $"{Path}: ignored an incomplete last line ({TornTail.Length} bytes) left by an interrupted writer; that run will be redone.";
}

/// <summary>
/// A sweep's results file: JSON Lines, one complete <see cref="RunResult"/> per line. Each line is appended with a
/// single write while the writer holds the file exclusively, so any number of processes can share the file; a writer
/// that finds a torn tail (its predecessor died mid-write) cuts it off first. Readers ignore a torn last line and say so.
/// </summary>
public static class ResultsFile
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);

    /// <summary>One line of the file (no newline): the result's JSON.</summary>
    public static string Serialize(RunResult result) => JsonSerializer.Serialize(result, RunConfig.Json);

    /// <summary>Appends <paramref name="result"/> as one line (creating the file and its folder when needed).</summary>
    /// <exception cref="TimeoutException">Another process held the file for longer than two minutes.</exception>
    public static void Append(string path, RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        byte[] line = Encoding.UTF8.GetBytes(Serialize(result) + "\n");
        string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        using FileStream stream = OpenExclusive(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        CutTornTail(stream);
        stream.Seek(0, SeekOrigin.End);
        stream.Write(line);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Reads every complete line; a missing file reads as empty.</summary>
    /// <exception cref="InvalidDataException">A complete line is not a result (names the file and line).</exception>
    public static ResultsReadout Read(string path)
    {
        if (!File.Exists(path)) return new ResultsReadout(path, [], null);
        string text;
        using (FileStream stream = OpenExclusive(path, FileMode.Open, FileAccess.Read))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
            text = reader.ReadToEnd();
        var results = new List<RunResult>();
        string[] lines = text.Split('\n');
        // The last element is "" when the file ends with a newline; anything else there is a torn write.
        string tail = lines[^1];
        for (int i = 0; i < lines.Length - 1; i++)
        {
            if (lines[i].Length == 0) continue;
            results.Add(Parse(lines[i], path, i + 1));
        }
        return new ResultsReadout(path, results, tail.Length == 0 ? null : tail);
    }

    /// <summary>
    /// Reads the complete lines that follow byte <paramref name="offset"/> (a line start): the results, and the offset
    /// just past the last complete line, where the next read starts. A torn last line is left for the next read.
    /// </summary>
    /// <param name="path">The file (missing reads as empty).</param>
    /// <param name="offset">Where to start; a file now shorter than that (rewritten) is read from its start.</param>
    /// <param name="firstLine">The 1-based number of the line at <paramref name="offset"/>, for messages; updated.</param>
    internal static (IReadOnlyList<RunResult> Results, long Offset) ReadFrom(string path, long offset, ref int firstLine)
    {
        if (!File.Exists(path)) return ([], 0);
        byte[] bytes;
        using (FileStream stream = OpenExclusive(path, FileMode.Open, FileAccess.Read))
        {
            if (stream.Length < offset)
            {
                offset = 0;
                firstLine = 1;
            }
            stream.Seek(offset, SeekOrigin.Begin);
            bytes = new byte[stream.Length - offset];
            stream.ReadExactly(bytes);
        }
        int end = Array.LastIndexOf(bytes, (byte)'\n');
        if (end < 0) return ([], offset);
        var results = new List<RunResult>();
        foreach (string line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
        {
            if (line.Length > 0) results.Add(Parse(line, path, firstLine));
            firstLine++;
        }
        return (results, offset + end + 1);
    }

    private static RunResult Parse(string line, string path, int number)
    {
        try
        {
            RunResult result = JsonSerializer.Deserialize<RunResult>(line, RunConfig.Json) ?? throw new JsonException("null");
            if (result.Format != RunResult.CurrentFormat)
                throw new JsonException($"format '{result.Format}', expected '{RunResult.CurrentFormat}'");
            return result;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{path}, line {number}: not a sweep result ({e.Message}). Remove that line (its run will be redone) or restore the file.", e);
        }
    }

    private static void CutTornTail(FileStream stream)
    {
        long length = stream.Length;
        if (length == 0) return;
        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() == '\n') return;
        // Walk back to the last newline; everything after it is the dead writer's fragment.
        long keep = length - 1;
        var one = new byte[1];
        while (keep > 0)
        {
            stream.Seek(keep - 1, SeekOrigin.Begin);
            stream.ReadExactly(one);
            if (one[0] == '\n') break;
            keep--;
        }
        stream.SetLength(keep);
    }

    /// <summary>Opens the file with no sharing, retrying while another process holds it.</summary>
    internal static FileStream OpenExclusive(string path, FileMode mode, FileAccess access)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        var random = new Random();
        while (true)
        {
            try
            {
                return new FileStream(path, mode, access, FileShare.None, 4096, FileOptions.None);
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException && File.Exists(path))
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"'{path}' stayed locked by another process for {LockTimeout.TotalMinutes:F0} minutes; is a sweep writer hung?", e);
                Thread.Sleep(5 + random.Next(20));
            }
        }
    }
}

/// <summary>
/// The ids recorded in a results file, kept up to date incrementally: <see cref="Refresh"/> parses only the lines
/// appended since the previous call, so a claim costs the same with 20 or 20,000 lines of history.
/// </summary>
internal sealed class RecordedRuns(string path)
{
    private readonly HashSet<string> ids = new();
    private long offset;
    private int nextLine = 1;

    /// <summary>Reads what was appended since the last call; returns the results of newly recorded runs.</summary>
    public IReadOnlyList<RunResult> Refresh()
    {
        (IReadOnlyList<RunResult> results, offset) = ResultsFile.ReadFrom(path, offset, ref nextLine);
        return results.Where(r => ids.Add(r.Id)).ToArray();
    }

    /// <summary>True when run <paramref name="id"/> has a line (as of the last <see cref="Refresh"/>).</summary>
    public bool Contains(string id) => ids.Contains(id);
}
