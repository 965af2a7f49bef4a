using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.ML.Tests;

public sealed class Example
{
    public float Label { get; set; }

    [VectorType(3)]
    public float[] Features { get; set; } = [];

    public string Category { get; set; } = "";

    [ColumnName("Id")]
    public int Number { get; set; }

    [NoColumn]
    public string Ignored { get; set; } = "not a column";
}

/// <summary>A virtual view of <c>rowCount</c> rows whose values are computed on demand and counted.</summary>
public sealed class CountingDataView : IDataView
{
    private readonly long _rowCount;
    public long ValuesComputed;
    public long RowsVisited;

    public CountingDataView(long rowCount)
    {
        _rowCount = rowCount;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("X", NumberDataViewType.Single);
        builder.AddColumn("Y", NumberDataViewType.Single);
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => false;
    public long? GetRowCount() => _rowCount;
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, CursorChecks.ActiveFlags(Schema, columnsNeeded));
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(CountingDataView parent, bool[] active) : DataViewRowCursor
    {
        private long _position = -1;
        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override bool MoveNext()
        {
            if (_position + 1 >= parent._rowCount) return false;
            _position++;
            parent.RowsVisited++;
            return true;
        }
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active[column.Index]) throw new InvalidOperationException($"Column {column.Name} is not active.");
            int index = column.Index;
            ValueGetter<float> g = (ref float v) =>
            {
                parent.ValuesComputed++;
                v = index == 0 ? _position : -_position;
            };
            return (ValueGetter<TValue>)(Delegate)g;
        }
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = CursorChecks.IdFromPosition(_position);
    }
}

public static class TestUtil
{
    public static List<Example> Examples(int n) => Enumerable.Range(0, n).Select(i => new Example
    {
        Label = i % 3,
        Features = [i, 2 * i, i * i],
        Category = (i % 4) switch { 0 => "red", 1 => "green", 2 => "blue", _ => "red" },
        Number = i,
    }).ToList();

    public static T[] Column<T>(IDataView data, string name)
    {
        var column = data.Schema[name];
        var result = new List<T>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<T>(column);
        var copy = ValueCopier.For<T>();
        while (cursor.MoveNext())
        {
            T value = default!;
            getter(ref value);
            T owned = default!;
            copy(in value, ref owned);
            result.Add(owned);
        }
        return [.. result];
    }

    public static float[][] Vectors(IDataView data, string name) =>
        Column<VBuffer<float>>(data, name).Select(v => v.DenseValues().ToArray()).ToArray();
}
