using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Trainers;

/// <summary>Active-column bookkeeping shared by the scored view's cursor and row.</summary>
internal static class ActiveColumns
{
    public static bool[] Flags(DataViewSchema schema, IEnumerable<DataViewSchema.Column> needed)
    {
        var flags = new bool[schema.Count];
        foreach (DataViewSchema.Column c in needed)
        {
            if (c.Index < 0 || c.Index >= schema.Count || schema[c.Index].Name != c.Name)
                throw new ArgumentOutOfRangeException(nameof(needed), $"Column '{c.Name}' does not belong to this schema.");
            flags[c.Index] = true;
        }
        return flags;
    }

    public static void Check(DataViewSchema schema, DataViewSchema.Column column, bool[] active)
    {
        if (column.Index < 0 || column.Index >= schema.Count || schema[column.Index].Name != column.Name)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' does not belong to this schema.");
        if (!active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' is not active; ask for it in columnsNeeded.");
    }

    public static ValueGetter<TValue> Cast<TValue>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' is of type {column.Type} ({column.Type.RawType.Name}); it cannot be read as {typeof(TValue).Name}.");
}
