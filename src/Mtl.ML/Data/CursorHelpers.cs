namespace Mtl.ML.Data;

/// <summary>Checks shared by cursor implementations, with clear messages.</summary>
public static class CursorChecks
{
    /// <summary>Casts a getter for <paramref name="column"/> to <typeparamref name="TValue"/>, or throws naming the expected type.</summary>
    public static ValueGetter<TValue> CastGetter<TValue>(Delegate? getter, DataViewSchema.Column column)
    {
        if (getter is null)
            throw new InvalidOperationException($"Column '{column.Name}' (index {column.Index}) is not active in this cursor; request it in columnsNeeded.");
        return getter as ValueGetter<TValue> ?? throw InvalidGetterType<TValue>(column);
    }

    /// <summary>The exception for a getter requested with the wrong value type.</summary>
    public static InvalidOperationException InvalidGetterType<TValue>(DataViewSchema.Column column) =>
        new($"Invalid TValue in GetGetter for column '{column.Name}': '{typeof(TValue).Name}', expected type: '{column.Type.RawType.Name}'.");

    /// <summary>Throws when <paramref name="column"/> does not belong to <paramref name="schema"/>.</summary>
    public static void CheckColumn(DataViewSchema schema, DataViewSchema.Column column)
    {
        if ((uint)column.Index >= (uint)schema.Count || schema[column.Index].Name != column.Name)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' (index {column.Index}) does not belong to this schema.");
    }

    /// <summary>Marks which column indices of <paramref name="schema"/> appear in <paramref name="columns"/>.</summary>
    public static bool[] ActiveFlags(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var active = new bool[schema.Count];
        foreach (var c in columns)
        {
            CheckColumn(schema, c);
            active[c.Index] = true;
        }
        return active;
    }

    /// <summary>A deterministic row id for row <paramref name="position"/> of a root view; <paramref name="salt"/> separates sources.</summary>
    public static DataViewRowId IdFromPosition(long position, ulong salt = 0) =>
        new DataViewRowId((ulong)position, salt).Fork(salt);
}

/// <summary>A view with a schema and no rows.</summary>
public sealed class EmptyDataView(DataViewSchema schema) : IDataView
{
    /// <inheritdoc/>
    public DataViewSchema Schema { get; } = schema ?? throw new ArgumentNullException(nameof(schema));
    /// <inheritdoc/>
    public bool CanShuffle => true;
    /// <inheritdoc/>
    public long? GetRowCount() => 0;
    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(Schema, CursorChecks.ActiveFlags(Schema, columnsNeeded));
    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewSchema schema, bool[] active) : DataViewRowCursor
    {
        public override long Position => -1;
        public override long Batch => 0;
        public override DataViewSchema Schema => schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override bool MoveNext() => false;
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            (ref TValue _) => throw new InvalidOperationException("The cursor is not on a row.");
        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId _) => throw new InvalidOperationException("The cursor is not on a row.");
    }
}
