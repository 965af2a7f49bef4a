using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;
using Mtl.Trainers.Tables;
using Spectre.Console;

namespace Mtl.Cli.Commands;

/// <summary>What <c>mtl train --data</c> writes beside the zip: the generated consumption code, training code and console app.</summary>
internal static class GeneratedCodeOutput
{
    /// <summary>Generates the code for <paramref name="zipPath"/> into its folder and prints the files written.</summary>
    public static void WriteAndPrint(string zipPath, TableSchema schema, TrainingConfig config, int seed)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(zipPath))!;
        string name = Path.GetFileNameWithoutExtension(zipPath);
        GeneratedCode code = ConsumptionCodeGenerator.Write(folder, name, zipPath, schema, config, seed);
        AnsiConsole.MarkupLine("generated code (from the zip's schema):");
        foreach (string file in code.Files)
            AnsiConsole.MarkupLine($"  [green]{Markup.Escape(Path.GetRelativePath(folder, file))}[/]");
        string project = Path.GetRelativePath(Environment.CurrentDirectory, code.ConsoleAppProject);
        if (project.StartsWith("..", StringComparison.Ordinal)) project = code.ConsoleAppProject;
        AnsiConsole.MarkupLine($"run it: [cyan]dotnet run --project {Markup.Escape(project)}[/] " +
            "(predicts the first data row with ML.NET's packages only)");
    }
}
