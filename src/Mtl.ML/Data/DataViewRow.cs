namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>Reads one value into <paramref name="value"/> (reusing its buffers when possible).</summary>
public delegate void ValueGetter<TValue>(ref TValue value);

/// <summary>
/// One row of a data view. Only active columns can be read; getters read the value of the current row.
/// </summary>
public abstract class DataViewRow : IDisposable
{
    private bool _disposed;

    /// <summary>The index of the current row (-1 before the first <see cref="DataViewRowCursor.MoveNext"/>).</summary>
    public abstract long Position { get; }

    /// <summary>The batch of the current row; rows from different cursors of a cursor set differ in batch.</summary>
    public abstract long Batch { get; }

    /// <summary>The columns of this row.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>Whether <paramref name="column"/> can be read.</summary>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter for <paramref name="column"/>; <typeparamref name="TValue"/> must be the column's raw type.</summary>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>A getter for an id unique to each row of the underlying data (stable across cursors and shuffles).</summary>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    /// <summary>Releases the row and what it holds.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources; override to dispose inputs.</summary>
    protected virtual void Dispose(bool disposing) { }

    /// <summary>Whether <see cref="Dispose()"/> was called.</summary>
    protected bool IsDisposed => _disposed;
}

/// <summary>A row that moves forward through a data view.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    /// <summary>Moves to the next row; false at the end.</summary>
    public abstract bool MoveNext();
}

/// <summary>A table of rows read through cursors. Views are immutable and lazy: reading computes values.</summary>
public interface IDataView
{
    /// <summary>Whether cursors can return rows in a random order when given a <see cref="Random"/>.</summary>
    bool CanShuffle { get; }

    /// <summary>The number of rows if known cheaply, otherwise null.</summary>
    long? GetRowCount();

    /// <summary>A cursor that computes only <paramref name="columnsNeeded"/>; shuffles when <paramref name="rand"/> is given and <see cref="CanShuffle"/>.</summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>Up to <paramref name="n"/> cursors that together visit every row once (for parallel reading).</summary>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);

    /// <summary>The columns.</summary>
    DataViewSchema Schema { get; }
}
