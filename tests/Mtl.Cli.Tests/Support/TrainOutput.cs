using System.Globalization;
using System.Text.RegularExpressions;

namespace Mtl.Cli.Tests.Support;

/// <summary>One task's row of `mtl train`'s test-accuracy table.</summary>
internal sealed record FittedTaskRow(string Accuracy, string LogLoss);

/// <summary>One task's row of the reloaded-model table: the zip's accuracy, the fitted model's, and their difference.</summary>
internal sealed record ReloadedTaskRow(string Accuracy, string FittedAccuracy, string Difference);

/// <summary>
/// The numbers `mtl train` prints, read back from its text: the Spectre tables (rows "│ cell │ cell │ …") and the
/// trainer's epoch lines. Values stay strings, as printed, so that "identical output" means identical text.
/// </summary>
internal sealed partial class TrainOutput
{
    private const string ReloadedTitle = "Reloaded model.zip (ONNX Runtime)";

    private TrainOutput(Dictionary<string, FittedTaskRow> fitted, Dictionary<string, ReloadedTaskRow> reloaded, string[] epochLines)
    {
        Fitted = fitted;
        Reloaded = reloaded;
        EpochLines = epochLines;
    }

    /// <summary>Per-task rows of the "Test accuracy" table, by task name.</summary>
    public IReadOnlyDictionary<string, FittedTaskRow> Fitted { get; }

    /// <summary>Per-task rows of the reloaded-model table, by task name.</summary>
    public IReadOnlyDictionary<string, ReloadedTaskRow> Reloaded { get; }

    /// <summary>The epoch lines with their wall-clock times removed (times differ between runs; numbers must not).</summary>
    public string[] EpochLines { get; }

    /// <summary>Parses a successful run's standard output; throws when a table is missing.</summary>
    public static TrainOutput Parse(string stdout)
    {
        int reloadedAt = stdout.IndexOf(ReloadedTitle, StringComparison.Ordinal);
        if (reloadedAt < 0) throw new FormatException($"No '{ReloadedTitle}' table in the output:\n{stdout}");
        var fitted = new Dictionary<string, FittedTaskRow>();
        foreach (string[] cells in TableRows(stdout[..reloadedAt], 3))
            fitted.Add(cells[0], new FittedTaskRow(cells[1], cells[2]));
        var reloaded = new Dictionary<string, ReloadedTaskRow>();
        foreach (string[] cells in TableRows(stdout[reloadedAt..], 4))
            reloaded.Add(cells[0], new ReloadedTaskRow(cells[1], cells[2], cells[3]));
        string[] epochs = stdout.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal))
            .Select(l => ElapsedTime().Replace(l.TrimEnd(), "(")).ToArray();
        return new TrainOutput(fitted, reloaded, epochs);
    }

    /// <summary>A printed value as a number.</summary>
    public static double Number(string printed) => double.Parse(printed, NumberStyles.Float, CultureInfo.InvariantCulture);

    // Data rows of tables with the given number of columns: not the header ("task") and not the average row.
    private static IEnumerable<string[]> TableRows(string text, int columns)
    {
        foreach (string line in text.Split('\n'))
        {
            string trimmed = line.Trim();
            if (!trimmed.StartsWith('│')) continue;
            string[] cells = trimmed.Trim('│').Split('│').Select(c => c.Trim()).ToArray();
            if (cells.Length == columns && cells[0] is not ("task" or "average" or "")) yield return cells;
        }
    }

    [GeneratedRegex(@"\(\d+(\.\d+)?s, ")]
    private static partial Regex ElapsedTime();
}
