using System.IO.Compression;
using Mtl.Trainers.IO;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// The code a finished run generated (<see cref="ConsumptionCodeGenerator"/>), to take away: the consumption code's text,
/// and one zip holding <c>&lt;Name&gt;.consumption.cs</c>, <c>&lt;Name&gt;.training.cs</c>, the console app's folder and the
/// model zip its project links (<c>../&lt;Name&gt;.zip</c>), all under a folder <c>&lt;Name&gt;/</c>, so that
/// <c>dotnet run --project &lt;Name&gt;/&lt;Name&gt;.ConsoleApp</c> works where it is unpacked.
/// </summary>
public static class GeneratedProject
{
    /// <summary>The consumption code (<c>&lt;Name&gt;.consumption.cs</c>) the run wrote.</summary>
    /// <exception cref="FileNotFoundException">The run folder has no generated code.</exception>
    public static string ConsumptionCode(FinishedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return File.ReadAllText(Require(run, run.Name + ".consumption.cs"));
    }

    /// <summary>The files that go into the archive: (path in the run folder, entry name).</summary>
    /// <exception cref="FileNotFoundException">A generated file is missing (the message names it).</exception>
    public static IReadOnlyList<(string Path, string Entry)> Files(FinishedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        string n = run.Name, app = n + ".ConsoleApp";
        string[] relative =
        [
            n + ".consumption.cs", n + ".training.cs", n + ".zip",
            Path.Combine(app, "Directory.Build.props"), Path.Combine(app, app + ".csproj"), Path.Combine(app, n + ".consumption.cs"), Path.Combine(app, "Program.cs"),
        ];
        return relative.Select(r => (Require(run, r), n + "/" + r.Replace(Path.DirectorySeparatorChar, '/'))).ToList();
    }

    /// <summary>Writes the archive to <paramref name="output"/>.</summary>
    public static void Write(FinishedRun run, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        IReadOnlyList<(string Path, string Entry)> files = Files(run);
        using var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        foreach ((string path, string entry) in files) archive.CreateEntryFromFile(path, entry, CompressionLevel.Optimal);
    }

    /// <summary>Writes the archive to <paramref name="path"/> whole (temporary file + rename): a reader never sees half of it.</summary>
    public static void Write(FinishedRun run, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        SafeFiles.WriteAtomically(path, stream => Write(run, stream));
    }

    private static string Require(FinishedRun run, string relative)
    {
        string path = Path.Combine(run.Folder, relative);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The run folder '{run.Folder}' has no '{relative}': the generated code is incomplete. Train the run again " +
                "(mtl train --config) to write it.", path);
        return path;
    }
}
