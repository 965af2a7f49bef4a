namespace Mtl.ML.Data;

/// <summary>
/// Builds an in-memory data view column by column from arrays (one value per row). The view knows its row count and
/// supports random order. Values are not copied when read from the built view's getters: vectors are copied into the
/// caller's buffer.
/// </summary>
public sealed class ArrayDataViewBuilder
{
    private readonly List<(string Name, DataViewType Type, DataViewSchema.Annotations? Annotations, Array Values)> _columns = [];

    /// <summary>Adds a scalar column of <paramref name="type"/> whose raw type is <typeparamref name="T"/>.</summary>
    public ArrayDataViewBuilder AddColumn<T>(string name, PrimitiveDataViewType type, params T[] values) =>
        Add(name, type, null, values);

    /// <summary>Adds a text column.</summary>
    public ArrayDataViewBuilder AddColumn(string name, params string[] values) =>
        Add(name, TextDataViewType.Instance, null, (values ?? throw new ArgumentNullException(nameof(values))).Select(v => (v ?? "").AsMemory()).ToArray());

    /// <summary>Adds a vector column; every row array must have the type's size when it is known.</summary>
    public ArrayDataViewBuilder AddColumn<T>(string name, VectorDataViewType type, params T[][] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        for (int i = 0; i < values.Length; i++)
            if (type.IsKnownSize && values[i].Length != type.Size)
                throw new ArgumentException($"Row {i} of column '{name}' has {values[i].Length} values; {type} needs {type.Size}.", nameof(values));
        return Add(name, type, null, values.Select(v => new VBuffer<T>(v.Length, v)).ToArray());
    }

    /// <summary>Adds a key column (1-based, 0 = missing) with optional text key values (class names).</summary>
    public ArrayDataViewBuilder AddColumn(string name, KeyDataViewType type, uint[] keys, string[]? keyValues = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (type.RawType != typeof(uint)) throw new ArgumentException("Use a key type over UInt32.", nameof(type));
        for (int i = 0; i < keys.Length; i++)
            if (keys[i] > type.Count)
                throw new ArgumentOutOfRangeException(nameof(keys), $"Row {i} of column '{name}' holds key {keys[i]}; {type} allows 0 to {type.Count}.");
        DataViewSchema.Annotations? annotations = null;
        if (keyValues is not null)
        {
            if ((ulong)keyValues.Length != type.Count)
                throw new ArgumentException($"Column '{name}' needs {type.Count} key values, got {keyValues.Length}.", nameof(keyValues));
            var memory = keyValues.Select(v => v.AsMemory()).ToArray();
            var b = new DataViewSchema.Annotations.Builder();
            b.AddKeyValues(memory.Length, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(memory.Length, memory).CopyTo(ref dst));
            annotations = b.ToAnnotations();
        }
        return Add(name, type, annotations, keys);
    }

    /// <summary>Adds a column of any type from raw values (<typeparamref name="T"/> must be the type's raw type).</summary>
    public ArrayDataViewBuilder Add<T>(string name, DataViewType type, DataViewSchema.Annotations? annotations, T[] values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(values);
        if (type.RawType != typeof(T))
            throw new ArgumentException($"Column '{name}' of type {type} is held as {type.RawType.Name}, not {typeof(T).Name}.", nameof(values));
        if (_columns.Count > 0 && _columns[0].Values.Length != values.Length)
            throw new ArgumentException($"Column '{name}' has {values.Length} rows; earlier columns have {_columns[0].Values.Length}.", nameof(values));
        _columns.Add((name, type, annotations, values));
        return this;
    }

    /// <summary>Creates the view.</summary>
    public IDataView GetDataView()
    {
        var builder = new DataViewSchema.Builder();
        foreach (var c in _columns) builder.AddColumn(c.Name, c.Type, c.Annotations);
        return new ArrayDataView(builder.ToSchema(), _columns.Select(c => c.Values).ToArray(), _columns.Count == 0 ? 0 : _columns[0].Values.Length);
    }

    private sealed class ArrayDataView(DataViewSchema schema, Array[] columns, int rowCount) : IDataView
    {
        public DataViewSchema Schema => schema;
        public bool CanShuffle => true;
        public long? GetRowCount() => rowCount;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var active = CursorChecks.ActiveFlags(schema, columnsNeeded);
            int[]? order = null;
            if (rand is not null)
            {
                order = Enumerable.Range(0, rowCount).ToArray();
                rand.Shuffle(order);
            }
            return new Cursor(this, active, order);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor : DataViewRowCursor
        {
            private readonly ArrayDataView _parent;
            private readonly bool[] _active;
            private readonly int[]? _order;
            private readonly Delegate?[] _getters;
            private long _position = -1;

            public Cursor(ArrayDataView parent, bool[] active, int[]? order)
            {
                _parent = parent;
                _active = active;
                _order = order;
                _getters = new Delegate?[active.Length];
                for (int i = 0; i < active.Length; i++)
                    if (active[i])
                    {
                        var method = typeof(Cursor).GetMethod(nameof(MakeGetter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                            .MakeGenericMethod(parent.Schema[i].Type.RawType);
                        _getters[i] = (Delegate)method.Invoke(this, [parent.ColumnValues(i)])!;
                    }
            }

            private int Row() => _position >= 0 && _position < _parent.Rows
                ? (_order is null ? (int)_position : _order[_position])
                : throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");

            private ValueGetter<T> MakeGetter<T>(T[] values)
            {
                var copy = ValueCopier.For<T>();
                return (ref T v) => copy(in values[Row()], ref v);
            }

            public override long Position => _position;
            public override long Batch => 0;
            public override DataViewSchema Schema => _parent.Schema;
            public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];
            public override bool MoveNext() => ++_position < _parent.Rows;
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                CursorChecks.CheckColumn(Schema, column);
                return CursorChecks.CastGetter<TValue>(_getters[column.Index], column);
            }
            public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = CursorChecks.IdFromPosition(Row());
        }

        private int Rows => rowCount;
        private Array ColumnValues(int i) => columns[i];
    }
}
