using System.Globalization;

namespace Mtl.Analysis.Reports;

/// <summary>
/// The values a report may hold in table cells and run rows (string, number, bool, null; enums as their name) and how
/// they print: invariant culture everywhere, so a report reads the same on every machine.
/// </summary>
internal static class ReportCells
{
    /// <summary>True for a value the writers can print.</summary>
    public static bool IsSupported(object? value) =>
        value is null or string or bool or Enum || IsNumber(value);

    /// <summary>True for the numeric primitives and decimal.</summary>
    public static bool IsNumber(object? value) =>
        value is double or float or decimal or int or long or short or byte or sbyte or uint or ulong or ushort;

    /// <summary>A floating value, or null when the value is not floating point (integers print exactly, never by a format).</summary>
    public static double? AsFloating(object? value) => value switch
    {
        double d => d,
        float f => f,
        decimal m => (double)m,
        _ => null,
    };

    /// <summary>A table cell: floating numbers by <paramref name="format"/>, integers exactly, null as an empty string.</summary>
    public static string FormatCell(object? value, string format) => value switch
    {
        null => "",
        double or float or decimal => FormatFloating(AsFloating(value)!.Value, format),
        _ => FormatExact(value),
    };

    /// <summary>A run value for CSV: numbers round-trip exactly (shortest form), null as an empty string.</summary>
    public static string FormatExact(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        Enum e => e.ToString(),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable n => n.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"Cannot print a value of type {value.GetType().Name}: report values are string, number, bool or null."),
    };

    private static string FormatFloating(double value, string format) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "∞"
        : double.IsNegativeInfinity(value) ? "−∞"
        : value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Elapsed time as h:mm:ss (days folded into hours).</summary>
    public static string FormatElapsed(TimeSpan elapsed) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours}:{elapsed.Minutes:00}:{elapsed.Seconds:00}");

    /// <summary>The verdict column's word.</summary>
    public static string VerdictWord(bool? reproduced) => reproduced switch
    {
        true => "yes",
        false => "no",
        null => "undecided",
    };
}
