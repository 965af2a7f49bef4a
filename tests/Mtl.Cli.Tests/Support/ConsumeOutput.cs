using System.Text.RegularExpressions;

namespace Mtl.Cli.Tests.Support;

/// <summary>What examples/ConsumeModel prints, read back from its text.</summary>
internal static partial class ConsumeOutput
{
    /// <summary>The schema block titled <paramref name="title"/>: column name → type text.</summary>
    public static Dictionary<string, string> Schema(string stdout, string title)
    {
        string[] lines = stdout.Split('\n');
        int start = Array.FindIndex(lines, l => l.TrimEnd() == title + ":");
        if (start < 0) throw new FormatException($"No '{title}:' block in the output:\n{stdout}");
        var columns = new Dictionary<string, string>();
        // Column lines are indented; the block ends at the first blank line.
        for (int i = start + 1; i < lines.Length && lines[i].StartsWith("  ", StringComparison.Ordinal); i++)
        {
            string[] parts = lines[i].Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            columns[parts[0]] = parts.Length > 1 ? parts[1].Trim() : "";
        }
        return columns;
    }

    /// <summary>The evaluation table: task → accuracy as printed.</summary>
    public static Dictionary<string, double> Accuracies(string stdout) =>
        EvaluationRow().Matches(stdout).ToDictionary(m => m.Groups[1].Value, m => TrainOutput.Number(m.Groups[2].Value));

    /// <summary>The PredictionEngine lines ("row i: Left … → …, Right … → …").</summary>
    public static string[] PredictionLines(string stdout) =>
        stdout.Split('\n').Where(l => PredictionLine().IsMatch(l)).ToArray();

    [GeneratedRegex(@"^(Left|Right) +([0-9.]+) +[0-9.]+ +[0-9.]+\s*$", RegexOptions.Multiline)]
    private static partial Regex EvaluationRow();

    [GeneratedRegex(@"^row \d+: Left .+ → .+ \(p = [0-9.]+\), Right .+ → .+ \(p = [0-9.]+\)")]
    private static partial Regex PredictionLine();
}
