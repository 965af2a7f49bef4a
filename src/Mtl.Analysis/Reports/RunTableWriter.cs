using System.Text;
using System.Text.Json;

namespace Mtl.Analysis.Reports;

/// <summary>Writes <see cref="StudyReport.Runs"/> as CSV (RFC 4180) and as a JSON array of objects.</summary>
internal static class RunTableWriter
{
    /// <summary>The union of the rows' keys, in the order they are first seen.</summary>
    public static IReadOnlyList<string> Columns(IEnumerable<IReadOnlyDictionary<string, object?>> runs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var columns = new List<string>();
        foreach (var run in runs)
            foreach (string key in run.Keys)
                if (seen.Add(key)) columns.Add(key);
        return columns;
    }

    /// <summary>
    /// CSV with a header row; a missing key or null is an empty field, numbers round-trip in invariant culture, and a
    /// field with a comma, quote, CR or LF is quoted with its quotes doubled. Records end in CRLF, as RFC 4180 says.
    /// </summary>
    public static string ToCsv(IReadOnlyList<IReadOnlyDictionary<string, object?>> runs)
    {
        IReadOnlyList<string> columns = Columns(runs);
        var csv = new StringBuilder();
        csv.Append(string.Join(",", columns.Select(Quote))).Append("\r\n");
        foreach (var run in runs)
            csv.Append(string.Join(",", columns.Select(c => Quote(ReportCells.FormatExact(run.GetValueOrDefault(c)))))).Append("\r\n");
        return csv.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    /// <summary>A JSON array with one object per row (only the row's own keys); NaN and ±Infinity become null, since JSON has no such numbers.</summary>
    public static string ToJson(IReadOnlyList<IReadOnlyDictionary<string, object?>> runs)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            // A data file, never embedded in a page: keep quotes and non-ASCII (δ, ±) readable instead of \uXXXX.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            json.WriteStartArray();
            foreach (var run in runs)
            {
                json.WriteStartObject();
                foreach ((string key, object? value) in run)
                {
                    json.WritePropertyName(key);
                    WriteValue(json, value);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case Enum e: json.WriteStringValue(e.ToString()); break;
            case double d:
                if (double.IsFinite(d)) json.WriteNumberValue(d); else json.WriteNullValue();
                break;
            case float f:
                if (float.IsFinite(f)) json.WriteNumberValue(f); else json.WriteNullValue();
                break;
            case decimal m: json.WriteNumberValue(m); break;
            case ulong u: json.WriteNumberValue(u); break;
            default:
                if (!ReportCells.IsNumber(value))
                    throw new ArgumentException($"Cannot write a {value.GetType().Name} to runs.json: run values are string, number, bool or null.");
                json.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }
}
