using System.Text;

namespace Mtl.ML.Data;

/// <summary>The first rows of a data view as plain objects, for debugging and printing (ML.NET's <c>data.Preview()</c>).</summary>
public sealed class DataDebuggerPreview
{
    /// <summary>Reads up to <paramref name="maxRows"/> rows of every visible column.</summary>
    public DataDebuggerPreview(IDataView data, int maxRows = 100)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (maxRows < 0) throw new ArgumentOutOfRangeException(nameof(maxRows), "maxRows must be non-negative.");
        Schema = data.Schema;
        var columns = data.Schema.Where(c => !c.IsHidden).ToArray();
        var rows = new List<RowInfo>();
        using (var cursor = data.GetRowCursor(columns))
        {
            var readers = columns.Select(c => MakeReader(cursor, c)).ToArray();
            while (rows.Count < maxRows && cursor.MoveNext())
                rows.Add(new RowInfo(columns.Select((c, i) => new KeyValuePair<string, object>(c.Name, readers[i]())).ToArray()));
        }
        RowView = rows;
        ColumnView = columns.Select((c, i) => new ColumnInfo(c, rows.Select(r => r.Values[i].Value).ToArray())).ToArray();
    }

    /// <summary>The schema of the previewed view.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>The rows read.</summary>
    public IReadOnlyList<RowInfo> RowView { get; }

    /// <summary>The same values, by column.</summary>
    public IReadOnlyList<ColumnInfo> ColumnView { get; }

    /// <summary>One row: (column name, value) pairs; vectors are arrays, text is string.</summary>
    public sealed class RowInfo(KeyValuePair<string, object>[] values)
    {
        /// <summary>The values of the row.</summary>
        public KeyValuePair<string, object>[] Values { get; } = values;

        /// <inheritdoc/>
        public override string ToString() => string.Join(" | ", Values.Select(v => $"{v.Key}: {Format(v.Value)}"));
    }

    /// <summary>One column and its values.</summary>
    public sealed class ColumnInfo(DataViewSchema.Column column, object[] values)
    {
        /// <summary>The column.</summary>
        public DataViewSchema.Column Column { get; } = column;
        /// <summary>The values read.</summary>
        public object[] Values { get; } = values;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine(string.Join(", ", Schema.Where(c => !c.IsHidden).Select(c => $"{c.Name}: {c.Type}")));
        foreach (var row in RowView) sb.AppendLine(row.ToString());
        return sb.ToString();
    }

    private static string Format(object value) => value switch
    {
        Array a when a.Length > 8 => $"[{string.Join(", ", a.Cast<object>().Take(8))}, ... ({a.Length} values)]",
        Array a => $"[{string.Join(", ", a.Cast<object>())}]",
        _ => value?.ToString() ?? "",
    };

    private static Func<object> MakeReader(DataViewRow row, DataViewSchema.Column column)
    {
        var raw = column.Type.RawType;
        var method = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(DataDebuggerPreview).GetMethod(nameof(VectorReader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(raw.GetGenericArguments()[0])
            : typeof(DataDebuggerPreview).GetMethod(nameof(ScalarReader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(raw);
        return (Func<object>)method.Invoke(null, [row, column])!;
    }

    private static object Plain<T>(T value) => value is ReadOnlyMemory<char> text ? text.ToString() : value!;

    private static Func<object> ScalarReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var g = row.GetGetter<T>(column);
        return () =>
        {
            T v = default!;
            g(ref v);
            return Plain(v);
        };
    }

    private static Func<object> VectorReader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var g = row.GetGetter<VBuffer<T>>(column);
        return () =>
        {
            VBuffer<T> v = default;
            g(ref v);
            return typeof(T) == typeof(ReadOnlyMemory<char>) ? v.DenseValues().Select(x => Plain(x).ToString()).ToArray() : v.DenseValues().ToArray();
        };
    }
}

/// <summary>Convenience extensions on <see cref="IDataView"/>.</summary>
public static class DataViewExtensions
{
    /// <summary>The first <paramref name="maxRows"/> rows as objects, for debugging and printing.</summary>
    public static DataDebuggerPreview Preview(this IDataView data, int maxRows = 100) => new(data, maxRows);

    /// <summary>A cursor with every column active.</summary>
    public static DataViewRowCursor GetRowCursorForAllColumns(this IDataView data, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.GetRowCursor(data.Schema, rand);
    }

    /// <summary>A cursor with the given columns active.</summary>
    public static DataViewRowCursor GetRowCursor(this IDataView data, params DataViewSchema.Column[] columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.GetRowCursor((IEnumerable<DataViewSchema.Column>)columnsNeeded, null);
    }
}
