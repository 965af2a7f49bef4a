namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>
/// Predicts one example at a time with a fitted model (only its <see cref="TransformerScope.Scoring"/> steps).
/// As in ML.NET it is not thread-safe: it reuses one row and its buffers; create one engine per thread.
/// </summary>
public sealed class PredictionEngine<TSrc, TDst> : IDisposable where TSrc : class where TDst : class, new()
{
    private readonly ObjectRow _inputRow;
    private readonly DataViewRow? _outputRow;
    private readonly Action<object>[] _setters;
    private readonly ITransformer _model;
    private readonly (System.Reflection.MemberInfo Member, string Column)[] _bindings;
    private readonly SchemaDefinition _inputDefinition;

    /// <summary>Creates the engine; see <see cref="ModelOperationsCatalog.CreatePredictionEngine{TSrc, TDst}"/>.</summary>
    public PredictionEngine(IHostEnvironment environment, ITransformer transformer, bool ignoreMissingColumns = true,
        SchemaDefinition? inputSchemaDefinition = null, SchemaDefinition? outputSchemaDefinition = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(transformer);
        _model = transformer is ITransformerChain chain ? chain.GetModelFor(TransformerScope.Scoring) : transformer;
        _inputDefinition = inputSchemaDefinition ?? SchemaDefinition.Create(typeof(TSrc), SchemaDefinition.Direction.Read);
        _inputRow = new ObjectRow(_inputDefinition);
        OutputSchema = _model.GetOutputSchema(_inputRow.Schema);

        var outputDefinition = outputSchemaDefinition ?? SchemaDefinition.Create(typeof(TDst), SchemaDefinition.Direction.Write);
        var bindings = new List<(System.Reflection.MemberInfo, string)>();
        foreach (var c in outputDefinition)
        {
            if (OutputSchema.GetColumnOrNull(c.ColumnName) is null)
            {
                if (ignoreMissingColumns) continue;
                throw SchemaExceptions.ColumnNotFound("outputSchemaDefinition", "Output", c.ColumnName, OutputSchema.Where(x => !x.IsHidden).Select(x => x.Name));
            }
            bindings.Add((MemberAccess.Find(typeof(TDst), c.MemberName), c.ColumnName));
        }
        _bindings = [.. bindings];
        if (_model.IsRowToRowMapper)
        {
            var mapper = _model.GetRowToRowMapper(_inputRow.Schema);
            var active = _bindings.Select(b => mapper.OutputSchema[b.Column]).ToArray();
            _outputRow = mapper.GetRow(_inputRow, active);
            _setters = _bindings.Select(b => MemberAccess.MakeSetter(b.Member, _outputRow, _outputRow.Schema[b.Column])).ToArray();
        }
        else _setters = [];
    }

    /// <summary>The schema of the model's output for this input type.</summary>
    public DataViewSchema OutputSchema { get; }

    /// <summary>Predicts for one example.</summary>
    public TDst Predict(TSrc example)
    {
        var result = new TDst();
        Predict(example, ref result);
        return result;
    }

    /// <summary>Predicts for one example into <paramref name="prediction"/> (created when null).</summary>
    public void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        prediction ??= new TDst();
        if (_outputRow is not null)
        {
            _inputRow.MoveTo(example);
            foreach (var set in _setters) set(prediction);
            return;
        }
        // Models that are not row-to-row (rare) go through a one-row view.
        var view = new EnumerableDataView<TSrc>([example], _inputDefinition);
        var output = _model.Transform(view);
        using var cursor = output.GetRowCursor(_bindings.Select(b => output.Schema[b.Column]));
        if (!cursor.MoveNext()) throw new InvalidOperationException("The model produced no row for the example.");
        foreach (var b in _bindings) MemberAccess.MakeSetter(b.Member, cursor, output.Schema[b.Column])(prediction);
    }

    /// <inheritdoc/>
    public void Dispose() => _outputRow?.Dispose();

    /// <summary>A row over the current example object; each new example is a new position (so per-row caches refresh).</summary>
    private sealed class ObjectRow : DataViewRow
    {
        private readonly Delegate[] _getters;
        private object? _current;
        private long _position = -1;

        public ObjectRow(SchemaDefinition definition)
        {
            var builder = new DataViewSchema.Builder();
            foreach (var c in definition) builder.AddColumn(c.ColumnName, c.ColumnType, c.Annotations);
            Schema = builder.ToSchema();
            _getters = definition.Select((c, i) => MemberAccess.MakeGetter(MemberAccess.Find(typeof(TSrc), c.MemberName), c.ColumnType, c.ColumnName, Current)).ToArray();
        }

        private object Current() => _current ?? throw new InvalidOperationException("No example has been given yet.");

        public void MoveTo(object example)
        {
            _current = example;
            _position++;
        }

        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema { get; }
        public override bool IsColumnActive(DataViewSchema.Column column) => true;
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(Schema, column);
            return CursorChecks.CastGetter<TValue>(_getters[column.Index], column);
        }
        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = CursorChecks.IdFromPosition(_position);
    }
}
