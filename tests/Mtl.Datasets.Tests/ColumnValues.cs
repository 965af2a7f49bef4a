using Microsoft.ML;

namespace Mtl.Datasets.Tests;

/// <summary>Reads one column of a view, row by row, through a cursor that activates only that column.</summary>
internal static class ColumnValues
{
    public static List<T> Read<T>(IDataView view, string columnName)
    {
        var column = view.Schema[columnName];
        var values = new List<T>();
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(value);
        }
        return values;
    }
}
