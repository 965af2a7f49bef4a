namespace Mtl.ML.Data;

/// <summary>
/// Computes new columns from the columns of one input row. This is the public extension point behind
/// <see cref="RowToRowMapperTransform"/>: a mapper may produce one or several columns, and may read several inputs.
/// A component that needs its own cursor (for example a scorer that runs a whole batch of rows at once) can use
/// <see cref="GetOutputColumns"/> for the schema and implement <see cref="IDataView"/> itself.
/// Mappers are not saved on their own: the transformer that makes them saves its state.
/// </summary>
public interface IRowMapper
{
    /// <summary>The input schema this mapper was built for.</summary>
    DataViewSchema InputSchema { get; }

    /// <summary>The columns this mapper adds (appended to the input columns; a repeated name hides the input column).</summary>
    DataViewSchema.DetachedColumn[] GetOutputColumns();

    /// <summary>Which input columns (by index) are needed to compute the output columns for which <paramref name="activeOutput"/> is true.</summary>
    Func<int, bool> GetDependencies(Func<int, bool> activeOutput);

    /// <summary>
    /// One getter per output column (null for inactive ones), reading from <paramref name="input"/>.
    /// <paramref name="disposer"/> releases what the getters hold once the row is disposed.
    /// </summary>
    Delegate?[] CreateGetters(DataViewRow input, Func<int, bool> activeOutput, out Action? disposer);
}

/// <summary>A convenient base for <see cref="IRowMapper"/>: output columns are computed once, getters one by one.</summary>
public abstract class MapperBase : IRowMapper
{
    private DataViewSchema.DetachedColumn[]? _outputColumns;

    /// <summary>Creates a mapper for <paramref name="inputSchema"/>.</summary>
    protected MapperBase(IHostEnvironment environment, DataViewSchema inputSchema)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
    }

    /// <summary>The environment.</summary>
    protected IHostEnvironment Environment { get; }

    /// <inheritdoc/>
    public DataViewSchema InputSchema { get; }

    /// <inheritdoc/>
    public DataViewSchema.DetachedColumn[] GetOutputColumns() => _outputColumns ??= GetOutputColumnsCore();

    /// <summary>Computes the output columns (called once).</summary>
    protected abstract DataViewSchema.DetachedColumn[] GetOutputColumnsCore();

    /// <inheritdoc/>
    public abstract Func<int, bool> GetDependencies(Func<int, bool> activeOutput);

    /// <inheritdoc/>
    public Delegate?[] CreateGetters(DataViewRow input, Func<int, bool> activeOutput, out Action? disposer)
    {
        var outputs = GetOutputColumns();
        var getters = new Delegate?[outputs.Length];
        disposer = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            if (!activeOutput(i)) continue;
            getters[i] = MakeGetter(input, i, activeOutput, out var d);
            disposer += d;
        }
        return getters;
    }

    /// <summary>The getter of output column <paramref name="iinfo"/> (a <see cref="ValueGetter{TValue}"/> of its raw type).</summary>
    protected abstract Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer);
}

/// <summary>
/// A data view that appends the columns of an <see cref="IRowMapper"/> to its input. Lazy: a cursor computes only
/// the active columns, and asks the input only for the columns those depend on.
/// </summary>
public sealed class RowToRowMapperTransform : IDataView, IRowToRowMapper
{
    private readonly IRowMapper _mapper;
    private readonly int _inputCount;

    /// <summary>Appends the columns of <paramref name="mapper"/> to <paramref name="input"/>.</summary>
    public RowToRowMapperTransform(IHostEnvironment environment, IDataView input, IRowMapper mapper)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Source = input ?? throw new ArgumentNullException(nameof(input));
        _mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        _inputCount = input.Schema.Count;
        Schema = GetOutputSchema(input.Schema, mapper);
    }

    /// <summary>The environment.</summary>
    public IHostEnvironment Environment { get; }

    /// <summary>The input view.</summary>
    public IDataView Source { get; }

    /// <summary>The mapper.</summary>
    public IRowMapper Mapper => _mapper;

    /// <summary>The schema of <paramref name="inputSchema"/> with the mapper's columns appended.</summary>
    public static DataViewSchema GetOutputSchema(DataViewSchema inputSchema, IRowMapper mapper)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumns(mapper.GetOutputColumns());
        return builder.ToSchema();
    }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }
    /// <inheritdoc/>
    public bool CanShuffle => Source.CanShuffle;
    /// <inheritdoc/>
    public long? GetRowCount() => Source.GetRowCount();
    /// <inheritdoc/>
    public DataViewSchema InputSchema => Source.Schema;
    /// <inheritdoc/>
    public DataViewSchema OutputSchema => Schema;

    private (bool[] ActiveOutput, bool[] ActiveInput) Plan(IEnumerable<DataViewSchema.Column> columns)
    {
        var active = CursorChecks.ActiveFlags(Schema, columns);
        var activeOutput = new bool[Schema.Count - _inputCount];
        for (int i = 0; i < activeOutput.Length; i++) activeOutput[i] = active[_inputCount + i];
        var deps = _mapper.GetDependencies(i => activeOutput[i]);
        var activeInput = new bool[_inputCount];
        for (int i = 0; i < _inputCount; i++) activeInput[i] = active[i] || deps(i);
        return (activeOutput, activeInput);
    }

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (activeOutput, activeInput) = Plan(columnsNeeded);
        var input = Source.GetRowCursor(Source.Schema.Where(c => activeInput[c.Index]), rand);
        return new Cursor(this, input, activeOutput);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (activeOutput, activeInput) = Plan(columnsNeeded);
        var inputs = Source.GetRowCursorSet(Source.Schema.Where(c => activeInput[c.Index]), n, rand);
        return inputs.Select(c => (DataViewRowCursor)new Cursor(this, c, activeOutput)).ToArray();
    }

    /// <inheritdoc/>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var (_, activeInput) = Plan(dependingColumns);
        return Source.Schema.Where(c => activeInput[c.Index]);
    }

    /// <inheritdoc/>
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema.Count != _inputCount)
            throw new ArgumentException($"The input row has {input.Schema.Count} columns; this mapper was built for {_inputCount}.", nameof(input));
        var (activeOutput, _) = Plan(activeColumns);
        return new Row(this, input, activeOutput);
    }

    /// <summary>The per-row state shared by rows and cursors: the mapper's getters over one input row.</summary>
    private sealed class Binding
    {
        private readonly RowToRowMapperTransform _parent;
        private readonly DataViewRow _input;
        private readonly bool[] _activeOutput;
        private readonly Delegate?[] _getters;
        private readonly Action? _disposer;

        public Binding(RowToRowMapperTransform parent, DataViewRow input, bool[] activeOutput)
        {
            _parent = parent;
            _input = input;
            _activeOutput = activeOutput;
            _getters = parent._mapper.CreateGetters(input, i => activeOutput[i], out _disposer);
        }

        public bool IsActive(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(_parent.Schema, column);
            return column.Index < _parent._inputCount
                ? _input.IsColumnActive(_input.Schema[column.Index])
                : _activeOutput[column.Index - _parent._inputCount];
        }

        public ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(_parent.Schema, column);
            if (column.Index < _parent._inputCount) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            return CursorChecks.CastGetter<TValue>(_getters[column.Index - _parent._inputCount], column);
        }

        public void Dispose() => _disposer?.Invoke();
    }

    private sealed class Row(RowToRowMapperTransform parent, DataViewRow input, bool[] activeOutput) : DataViewRow
    {
        private readonly Binding _binding = new(parent, input, activeOutput);
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema => parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => _binding.IsActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _binding.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        protected override void Dispose(bool disposing) => _binding.Dispose();
    }

    private sealed class Cursor(RowToRowMapperTransform parent, DataViewRowCursor input, bool[] activeOutput) : DataViewRowCursor
    {
        private readonly Binding _binding = new(parent, input, activeOutput);
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema => parent.Schema;
        public override bool MoveNext() => input.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => _binding.IsActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _binding.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        protected override void Dispose(bool disposing)
        {
            _binding.Dispose();
            input.Dispose();
        }
    }
}
