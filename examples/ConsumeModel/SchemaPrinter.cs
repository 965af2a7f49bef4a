using Microsoft.ML;
using Microsoft.ML.Data;

namespace ConsumeModel;

/// <summary>Prints an ML.NET schema: each column's name, type, and key names where it has them.</summary>
internal static class SchemaPrinter
{
    /// <summary>Writes a titled list of <paramref name="schema"/>'s visible columns.</summary>
    public static void Print(string title, DataViewSchema schema)
    {
        Console.WriteLine($"\n{title}:");
        foreach (DataViewSchema.Column column in schema.Where(c => !c.IsHidden))
        {
            string[]? keys = KeyNames(column);
            string suffix = keys is null ? "" : $"  keys: {string.Join(", ", keys.Take(4))}{(keys.Length > 4 ? ", …" : "")}";
            Console.WriteLine($"  {column.Name,-22}{column.Type}{suffix}");
        }
    }

    /// <summary>The column's KeyValues annotation as strings, or null when it has none.</summary>
    public static string[]? KeyNames(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is not { Type: VectorDataViewType { ItemType: TextDataViewType } })
            return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.GetKeyValues(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }
}
