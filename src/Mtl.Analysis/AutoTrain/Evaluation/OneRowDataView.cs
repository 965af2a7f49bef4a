using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// One row on a model's input schema (text and Single columns), for scoring a single prediction with the saved chain
/// itself. Repeatable and thread-safe (the values never change); a getter of an inactive column throws.
/// </summary>
internal sealed class OneRowDataView : IDataView
{
    private readonly object[] values;

    /// <param name="columns">Each column's name and type (<see cref="TextDataViewType"/> or Single).</param>
    /// <param name="values">Each column's value: a string or a float.</param>
    public OneRowDataView(IReadOnlyList<(string Name, DataViewType Type)> columns, IReadOnlyList<object> values)
    {
        if (columns.Count != values.Count) throw new ArgumentException("One value per column.", nameof(values));
        var builder = new DataViewSchema.Builder();
        this.values = new object[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            (string name, DataViewType type) = columns[i];
            this.values[i] = (type, values[i]) switch
            {
                (TextDataViewType, string s) => s.AsMemory(),
                (NumberDataViewType { RawType: var r }, float f) when r == typeof(float) => f,
                _ => throw new NotSupportedException($"The input column '{name}' is {type}; one row is built from text and Single columns only."),
            };
            builder.AddColumn(name, type);
        }
        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => 1;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(OneRowDataView view, HashSet<int> active) : DataViewRowCursor
    {
        private long position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (position >= 0) return false;
            position = 0;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"The column '{column.Name}' is not active in this cursor.");
            if (view.values[column.Index] is not TValue value)
                throw new InvalidOperationException($"The column '{column.Name}' holds {view.Schema[column.Index].Type}, not {typeof(TValue).Name}.");
            return (ref TValue v) => v = value;
        }
    }
}
