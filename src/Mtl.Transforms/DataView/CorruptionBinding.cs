using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Transforms.DataView;

/// <summary>
/// A corruption step bound to one input schema: the input columns stay at their indices and each
/// output column is appended after them (hiding an input column of the same name), with the
/// input's type and annotations.
/// </summary>
internal sealed class CorruptionBinding
{
    public CorruptionBinding(CorruptionTransformer transformer, DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        Transformer = transformer;
        InputSchema = inputSchema;
        var pairs = transformer.Columns;
        Columns = new CorruptionColumn[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
            Columns[i] = CorruptionColumn.Resolve(inputSchema, i, pairs[i].OutputColumnName, pairs[i].InputColumnName);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var c in Columns) builder.AddColumn(c.OutputName, c.Input.Type, c.Input.Annotations);
        OutputSchema = builder.ToSchema();
    }

    public CorruptionTransformer Transformer { get; }
    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }
    public CorruptionColumn[] Columns { get; }

    /// <summary>The corruption column behind output column <paramref name="index"/>, or null for a passed-through input column.</summary>
    public CorruptionColumn? OutputColumn(int index) => index >= InputSchema.Count ? Columns[index - InputSchema.Count] : null;

    /// <summary>The input columns needed to compute <paramref name="outputColumns"/>.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var column in outputColumns)
        {
            if (column.Index < 0 || column.Index >= OutputSchema.Count)
                throw new ArgumentOutOfRangeException(nameof(outputColumns), $"Column '{column.Name}' (index {column.Index}) is not a column of this corruption step's output.");
            needed.Add(OutputColumn(column.Index)?.Input.Index ?? column.Index);
        }
        return needed.Select(i => InputSchema[i]);
    }

    /// <summary>Checks that a column handed to a row or cursor belongs to this output schema.</summary>
    public void CheckColumn(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= OutputSchema.Count || OutputSchema[column.Index].Name != column.Name)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' (index {column.Index}) is not a column of this corruption step's output.");
    }
}
