namespace Mtl.ML.Data;

/// <summary>A cursor that forwards everything to an input cursor; subclasses change how it moves.</summary>
public abstract class ForwardingCursor : DataViewRowCursor
{
    /// <summary>Wraps <paramref name="input"/>.</summary>
    protected ForwardingCursor(DataViewRowCursor input) => Input = input ?? throw new ArgumentNullException(nameof(input));

    /// <summary>The input cursor.</summary>
    protected DataViewRowCursor Input { get; }

    /// <inheritdoc/>
    public override long Batch => Input.Batch;
    /// <inheritdoc/>
    public override DataViewSchema Schema => Input.Schema;
    /// <inheritdoc/>
    public override bool IsColumnActive(DataViewSchema.Column column) => Input.IsColumnActive(column);
    /// <inheritdoc/>
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => Input.GetGetter<TValue>(column);
    /// <inheritdoc/>
    public override ValueGetter<DataViewRowId> GetIdGetter() => Input.GetIdGetter();
    /// <inheritdoc/>
    protected override void Dispose(bool disposing) => Input.Dispose();
}

/// <summary>Keeps the rows of its input for which a row predicate holds. Positions are renumbered from 0.</summary>
public sealed class FilterDataView : IDataView
{
    private readonly Func<DataViewRow, Func<bool>> _makePredicate;
    private readonly DataViewSchema.Column[] _predicateColumns;

    /// <summary>
    /// Filters <paramref name="input"/>: <paramref name="makePredicate"/> is called once per cursor with the input row and returns
    /// the test for the current row; it may read only <paramref name="predicateColumns"/> (always made active).
    /// </summary>
    public FilterDataView(IDataView input, IEnumerable<DataViewSchema.Column> predicateColumns, Func<DataViewRow, Func<bool>> makePredicate)
    {
        Source = input ?? throw new ArgumentNullException(nameof(input));
        _predicateColumns = predicateColumns?.ToArray() ?? throw new ArgumentNullException(nameof(predicateColumns));
        _makePredicate = makePredicate ?? throw new ArgumentNullException(nameof(makePredicate));
    }

    /// <summary>The input view.</summary>
    public IDataView Source { get; }
    /// <inheritdoc/>
    public DataViewSchema Schema => Source.Schema;
    /// <inheritdoc/>
    public bool CanShuffle => Source.CanShuffle;
    /// <inheritdoc/>
    public long? GetRowCount() => null;

    private IEnumerable<DataViewSchema.Column> Needed(IEnumerable<DataViewSchema.Column> columns) =>
        columns.Concat(_predicateColumns).DistinctBy(c => c.Index);

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var cols = columnsNeeded.ToArray();
        return new Cursor(Source.GetRowCursor(Needed(cols), rand), _makePredicate, CursorChecks.ActiveFlags(Schema, cols));
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var cols = columnsNeeded.ToArray();
        return Source.GetRowCursorSet(Needed(cols), n, rand)
            .Select(c => (DataViewRowCursor)new Cursor(c, _makePredicate, CursorChecks.ActiveFlags(Schema, cols))).ToArray();
    }

    private sealed class Cursor : ForwardingCursor
    {
        private readonly Func<bool> _keep;
        private readonly bool[] _active;
        private long _position = -1;

        public Cursor(DataViewRowCursor input, Func<DataViewRow, Func<bool>> makePredicate, bool[] active) : base(input)
        {
            _keep = makePredicate(input);
            _active = active;
        }

        public override long Position => _position;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            while (Input.MoveNext())
                if (_keep()) { _position++; return true; }
            return false;
        }
    }
}

/// <summary>Skips the first rows of its input and/or stops after a number of rows (see TakeRows/SkipRows).</summary>
public sealed class SkipTakeDataView : IDataView
{
    private readonly long _skip;
    private readonly long _take;

    /// <summary>Skips <paramref name="skip"/> rows, then keeps at most <paramref name="take"/> rows.</summary>
    public SkipTakeDataView(IDataView input, long skip, long take)
    {
        Source = input ?? throw new ArgumentNullException(nameof(input));
        if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip), "The number of rows to skip must be non-negative.");
        if (take < 0) throw new ArgumentOutOfRangeException(nameof(take), "The number of rows to take must be non-negative.");
        _skip = skip;
        _take = take;
    }

    /// <summary>The input view.</summary>
    public IDataView Source { get; }
    /// <inheritdoc/>
    public DataViewSchema Schema => Source.Schema;
    /// <inheritdoc/>
    public bool CanShuffle => false;
    /// <inheritdoc/>
    public long? GetRowCount() => Source.GetRowCount() is long n ? Math.Min(Math.Max(n - _skip, 0), _take) : null;
    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(Source.GetRowCursor(columnsNeeded), _skip, _take);
    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor input, long skip, long take) : ForwardingCursor(input)
    {
        private long _position = -1;
        private bool _skipped;

        public override long Position => _position;

        public override bool MoveNext()
        {
            if (!_skipped)
            {
                _skipped = true;
                for (long i = 0; i < skip; i++)
                    if (!Input.MoveNext()) { _position = take; return false; }
            }
            if (_position + 1 >= take || !Input.MoveNext()) return false;
            _position++;
            return true;
        }
    }
}

/// <summary>
/// Materializes the columns of its input in memory, each column the first time a cursor asks for it (only the missing
/// columns are computed, in one pass). Cached views know their row count and can shuffle.
/// </summary>
public sealed class CacheDataView : IDataView
{
    private readonly ColumnStore?[] _stores;
    private List<DataViewRowId>? _ids;
    private long? _rowCount;
    private readonly Lock _lock = new();

    /// <summary>Caches <paramref name="input"/>.</summary>
    public CacheDataView(IDataView input)
    {
        Source = input ?? throw new ArgumentNullException(nameof(input));
        _stores = new ColumnStore?[input.Schema.Count];
    }

    /// <summary>The input view.</summary>
    public IDataView Source { get; }
    /// <inheritdoc/>
    public DataViewSchema Schema => Source.Schema;
    /// <inheritdoc/>
    public bool CanShuffle => true;
    /// <inheritdoc/>
    public long? GetRowCount() => _rowCount ?? Source.GetRowCount();

    private void Fill(bool[] active)
    {
        lock (_lock)
        {
            var missing = Schema.Where(c => active[c.Index] && _stores[c.Index] is null).ToArray();
            if (missing.Length == 0 && _ids is not null) return;
            var stores = missing.Select(c => ColumnStore.Create(c.Type)).ToArray();
            var ids = _ids is null ? new List<DataViewRowId>() : null;
            using var cursor = Source.GetRowCursor(missing);
            var appenders = missing.Select((c, i) => stores[i].MakeAppender(cursor, c)).ToArray();
            var idGetter = cursor.GetIdGetter();
            long n = 0;
            while (cursor.MoveNext())
            {
                foreach (var a in appenders) a();
                if (ids is not null)
                {
                    DataViewRowId id = default;
                    idGetter(ref id);
                    ids.Add(id);
                }
                n++;
            }
            if (_rowCount is long known && known != n)
                throw new InvalidOperationException($"The cached view's source returned {n} rows, earlier {known}: it is not deterministic and cannot be cached.");
            _rowCount = n;
            for (int i = 0; i < missing.Length; i++) _stores[missing[i].Index] = stores[i];
            _ids ??= ids;
        }
    }

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorChecks.ActiveFlags(Schema, columnsNeeded);
        Fill(active);
        int count = (int)_rowCount!.Value;
        int[]? order = null;
        if (rand is not null)
        {
            order = Enumerable.Range(0, count).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(this, active, order, count);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly CacheDataView _parent;
        private readonly bool[] _active;
        private readonly int[]? _order;
        private readonly int _count;
        private long _position = -1;
        private readonly Delegate?[] _getters;

        public Cursor(CacheDataView parent, bool[] active, int[]? order, int count)
        {
            _parent = parent;
            _active = active;
            _order = order;
            _count = count;
            _getters = new Delegate?[active.Length];
            for (int i = 0; i < active.Length; i++)
                if (active[i]) _getters[i] = parent._stores[i]!.MakeGetter(RowIndex);
        }

        private int RowIndex()
        {
            if (_position < 0 || _position >= _count) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
            return _order is null ? (int)_position : _order[_position];
        }

        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => _parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];
        public override bool MoveNext() => ++_position < _count;
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(Schema, column);
            return CursorChecks.CastGetter<TValue>(_getters[column.Index], column);
        }
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _parent._ids![RowIndex()];
    }
}

/// <summary>
/// Returns the rows of its input in a random order. When the input can shuffle, its own shuffling is used (an exact
/// permutation); otherwise rows pass through a pool of <c>shufflePoolSize</c> rows from which each next row is drawn at random.
/// </summary>
public sealed class ShuffleDataView : IDataView
{
    private readonly int _seed;
    private readonly int _poolSize;
    private readonly bool _shuffleSource;

    /// <summary>Shuffles <paramref name="input"/> with <paramref name="seed"/>.</summary>
    public ShuffleDataView(IDataView input, int seed, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        Source = input ?? throw new ArgumentNullException(nameof(input));
        if (shufflePoolSize < 1) throw new ArgumentOutOfRangeException(nameof(shufflePoolSize), "The shuffle pool needs at least one row.");
        _seed = seed;
        _poolSize = shufflePoolSize;
        _shuffleSource = shuffleSource;
    }

    /// <summary>The input view.</summary>
    public IDataView Source { get; }
    /// <inheritdoc/>
    public DataViewSchema Schema => Source.Schema;
    /// <inheritdoc/>
    public bool CanShuffle => true;
    /// <inheritdoc/>
    public long? GetRowCount() => Source.GetRowCount();

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        // The view's own seed fixes the order; a caller's Random adds its own reshuffle on top.
        var random = rand is null ? new Random(_seed) : new Random(_seed ^ rand.Next());
        var cols = columnsNeeded.ToArray();
        if (Source.CanShuffle && _shuffleSource)
            return Source.GetRowCursor(cols, random);
        return new PoolCursor(Source.GetRowCursor(cols, Source.CanShuffle && _shuffleSource ? random : null), cols, _poolSize, random);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class PoolCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly Random _random;
        private readonly ColumnStore?[] _stores;
        private readonly Action<int>[] _writers;
        private readonly DataViewRowId[] _ids;
        private readonly ValueGetter<DataViewRowId> _inputId;
        private readonly Delegate?[] _getters;
        // Slot numbers holding rows not yet emitted; the pool keeps the data, this list only moves indices.
        private readonly int[] _live;
        private int _liveCount;
        private int _lastPick = -1;
        private int _current = -1;
        private bool _started;
        private long _position = -1;

        public PoolCursor(DataViewRowCursor input, DataViewSchema.Column[] columns, int poolSize, Random random)
        {
            _input = input;
            _random = random;
            _stores = new ColumnStore?[input.Schema.Count];
            var writers = new List<Action<int>>();
            foreach (var c in columns.DistinctBy(c => c.Index))
            {
                var store = ColumnStore.Create(c.Type);
                store.EnsureSlots(poolSize);
                _stores[c.Index] = store;
                writers.Add(store.MakeSlotWriter(input, c));
            }
            _writers = [.. writers];
            _ids = new DataViewRowId[poolSize];
            _live = new int[poolSize];
            _inputId = input.GetIdGetter();
            _getters = _stores.Select(s => s?.MakeGetter(CurrentSlot)).ToArray();
        }

        private int CurrentSlot() => _current >= 0 ? _current : throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");

        private void Load(int slot)
        {
            foreach (var w in _writers) w(slot);
            _inputId(ref _ids[slot]);
        }

        public override bool MoveNext()
        {
            if (!_started)
            {
                _started = true;
                while (_liveCount < _live.Length && _input.MoveNext())
                {
                    Load(_liveCount);
                    _live[_liveCount] = _liveCount;
                    _liveCount++;
                }
            }
            else if (_lastPick >= 0)
            {
                // Refill the slot just emitted, or drop it from the pool once the input is exhausted.
                int slot = _live[_lastPick];
                if (_input.MoveNext()) Load(slot);
                else _live[_lastPick] = _live[--_liveCount];
            }
            if (_liveCount == 0) { _current = -1; _lastPick = -1; return false; }
            _lastPick = _random.Next(_liveCount);
            _current = _live[_lastPick];
            _position++;
            return true;
        }

        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => _input.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => _stores[column.Index] is not null;
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(Schema, column);
            return CursorChecks.CastGetter<TValue>(_getters[column.Index], column);
        }
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _ids[CurrentSlot()];
        protected override void Dispose(bool disposing) => _input.Dispose();
    }
}
