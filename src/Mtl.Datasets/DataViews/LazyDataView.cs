using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Datasets.DataViews;

/// <summary>
/// A read-only <see cref="IDataView"/> over rows computed on demand from a row index. Cursors create
/// getters only for active columns and compute a value only when its getter is called. Shuffling (when
/// a <see cref="Random"/> is passed) visits a permutation drawn from it.
/// </summary>
/// <remarks>
/// The view holds no mutable state: every cursor keeps its own position and visit order, and the
/// columns compute from immutable sources into the caller's buffers, so any number of cursors may run
/// at once on different threads (ML.NET's IDataView contract). Rows are identified by their index in the
/// natural order, so a row keeps its id (and its values) under any shuffle.
/// </remarks>
internal sealed class LazyDataView : IDataView
{
    private readonly LazyColumn[] _columns;
    private readonly Lazy<int> _rowCount;

    public LazyDataView(long rowCount, IEnumerable<LazyColumn> columns)
        : this(() => rowCount, columns)
    {
        CheckRowCount(rowCount);
    }

    /// <summary>
    /// A view whose row count (and so whatever its columns read from) is computed on first need: the first
    /// cursor or <see cref="GetRowCount"/>. The schema is known at once. Used to defer decoding files.
    /// </summary>
    public LazyDataView(Func<long> rowCount, IEnumerable<LazyColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(rowCount);
        ArgumentNullException.ThrowIfNull(columns);
        _rowCount = new Lazy<int>(() => CheckRowCount(rowCount()), LazyThreadSafetyMode.ExecutionAndPublication);
        _columns = columns.ToArray();
        var duplicate = _columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Column name '{duplicate.Key}' appears {duplicate.Count()} times; column names must be distinct.", nameof(columns));
        var builder = new DataViewSchema.Builder();
        foreach (var column in _columns)
            builder.AddColumn(column.Name, column.Type, column.Annotations);
        Schema = builder.ToSchema();
    }

    private static int CheckRowCount(long rowCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        if (rowCount > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"At most {int.MaxValue} rows are supported; got {rowCount}.");
        return (int)rowCount;
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _rowCount.Value;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = ActiveFlags(columnsNeeded);
        return new Cursor(this, active, VisitOrder(rand), 0, _rowCount.Value, batch: 0);
    }

    /// <summary>
    /// Up to <paramref name="n"/> cursors over consecutive stretches of one visit order; cursor i is batch i and
    /// positions continue from one cursor to the next, so the set read in batch order is the single cursor's order.
    /// </summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = ActiveFlags(columnsNeeded);
        var order = VisitOrder(rand);
        long rows = _rowCount.Value;
        int count = (int)Math.Max(1, Math.Min(Math.Max(n, 1), rows));
        var cursors = new DataViewRowCursor[count];
        for (int i = 0; i < count; i++)
        {
            int start = (int)(rows * i / count), end = (int)(rows * (i + 1) / count);
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
            CheckBelongs(column, nameof(columnsNeeded));
            active[column.Index] = true;
        }
        return active;
    }

    private void CheckBelongs(DataViewSchema.Column column, string parameterName)
    {
        if ((uint)column.Index >= (uint)_columns.Length || Schema[column.Index].Name != column.Name)
            throw new ArgumentException(
                $"Column '{column.Name}' (index {column.Index}) does not belong to this data view's schema ({string.Join(", ", Schema.Select(c => c.Name))}).", parameterName);
    }

    /// <summary>The row visited at each position: null for the natural order, else a permutation drawn from <paramref name="rand"/>.</summary>
    private int[]? VisitOrder(Random? rand)
    {
        if (rand is null)
            return null;
        var order = new int[_rowCount.Value];
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
        private bool _disposed;

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

        public override bool IsColumnActive(DataViewSchema.Column column)
        {
            _parent.CheckBelongs(column, nameof(column));
            return _getters[column.Index] is not null;
        }

        public override bool MoveNext()
        {
            if (_disposed || _position + 1 >= _end)
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
            _parent.CheckBelongs(column, nameof(column));
            var getter = _getters[column.Index]
                ?? throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; request it in columnsNeeded.");
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException(
                    $"Column '{column.Name}' has type {_parent.Schema[column.Index].Type} (raw {_parent.Schema[column.Index].Type.RawType.Name}); it cannot be read as {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)CurrentRow(), 0);

        protected override void Dispose(bool disposing)
        {
            _disposed = true;
            _row = -1;
            base.Dispose(disposing);
        }

        private long CurrentRow() => _row >= 0
            ? _row
            : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first (and check that it returned true).");
    }
}
