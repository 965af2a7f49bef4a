using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Datasets.DataViews;

/// <summary>
/// A read-only data view over rows computed on demand from a row index. Cursors create getters only
/// for active columns and compute a value only when its getter is called. Shuffling (when a
/// <see cref="Random"/> is passed) visits a permutation drawn from it.
/// </summary>
internal sealed class LazyDataView : IDataView
{
    private readonly LazyColumn[] _columns;
    private readonly long _rowCount;

    public LazyDataView(long rowCount, IEnumerable<LazyColumn> columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        if (rowCount > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"At most {int.MaxValue} rows are supported; got {rowCount}.");
        _rowCount = rowCount;
        _columns = columns.ToArray();
        var builder = new DataViewSchema.Builder();
        foreach (var column in _columns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _rowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, ActiveFlags(columnsNeeded), VisitOrder(rand), 0, (int)_rowCount, batch: 0);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var active = ActiveFlags(columnsNeeded);
        var order = VisitOrder(rand);
        int count = (int)Math.Max(1, Math.Min(n, _rowCount));
        var cursors = new DataViewRowCursor[count];
        for (int i = 0; i < count; i++)
        {
            int start = (int)(_rowCount * i / count), end = (int)(_rowCount * (i + 1) / count);
            cursors[i] = new Cursor(this, active, order, start, end, batch: i);
        }
        return cursors;
    }

    private bool[] ActiveFlags(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[_columns.Length];
        foreach (var column in columnsNeeded)
        {
            if ((uint)column.Index >= (uint)_columns.Length || Schema[column.Index].Name != column.Name)
                throw new ArgumentException($"Column '{column.Name}' (index {column.Index}) does not belong to this data view's schema.", nameof(columnsNeeded));
            active[column.Index] = true;
        }
        return active;
    }

    /// <summary>The row visited at each position: null for the natural order, else a permutation drawn from <paramref name="rand"/>.</summary>
    private int[]? VisitOrder(Random? rand)
    {
        if (rand is null)
            return null;
        var order = new int[_rowCount];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        rand.Shuffle(order);
        return order;
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly LazyDataView _parent;
        private readonly Delegate?[] _getters;
        private readonly int[]? _order;
        private readonly int _end;
        private readonly long _batch;
        private int _position;
        private int _row = -1;

        public Cursor(LazyDataView parent, bool[] active, int[]? order, int start, int end, long batch)
        {
            _parent = parent;
            _order = order;
            _position = start - 1;
            _end = end;
            _batch = batch;
            _getters = new Delegate?[active.Length];
            for (int i = 0; i < active.Length; i++)
            {
                if (active[i])
                    _getters[i] = parent._columns[i].CreateGetter(CurrentRow);
            }
        }

        public override long Position => _row < 0 ? -1 : _position;

        public override long Batch => _batch;

        public override DataViewSchema Schema => _parent.Schema;

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            (uint)column.Index < (uint)_getters.Length && _getters[column.Index] is not null;

        public override bool MoveNext()
        {
            if (IsDisposed || _position + 1 >= _end)
            {
                _row = -1;
                _position = _end;
                return false;
            }
            _position++;
            _row = _order is null ? _position : _order[_position];
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if ((uint)column.Index >= (uint)_getters.Length)
                throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' does not belong to this cursor's schema.");
            var getter = _getters[column.Index]
                ?? throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; request it in columnsNeeded.");
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException(
                    $"Column '{column.Name}' has type {_parent.Schema[column.Index].Type} (raw {_parent.Schema[column.Index].Type.RawType.Name}); it cannot be read as {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)CurrentRow(), 0);

        private long CurrentRow() => _row >= 0
            ? _row
            : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first (and check that it returned true).");
    }
}
