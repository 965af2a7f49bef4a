namespace Mtl.ML.Data;

/// <summary>
/// Base for transformers whose output row depends only on the matching input row. The subclass supplies an
/// <see cref="IRowMapper"/>; the base provides the schema, a lazy <see cref="Transform"/> and <see cref="GetRowToRowMapper"/>.
/// </summary>
public abstract class RowToRowTransformerBase : ITransformer
{
    /// <summary>Creates the transformer; <paramref name="name"/> is used in logs and messages.</summary>
    protected RowToRowTransformerBase(IHostEnvironment environment, string name)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Name = name ?? throw new ArgumentNullException(nameof(name));
    }

    /// <summary>The environment (seed, log, catalog).</summary>
    public IHostEnvironment Environment { get; }

    /// <summary>The component name used in messages.</summary>
    public string Name { get; }

    /// <summary>Builds the mapper for <paramref name="schema"/>, checking the schema first (errors name the column).</summary>
    public abstract IRowMapper MakeRowMapper(DataViewSchema schema);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return RowToRowMapperTransform.GetOutputSchema(inputSchema, MakeRowMapper(inputSchema));
    }

    /// <inheritdoc/>
    public virtual IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new RowToRowMapperTransform(Environment, input, MakeRowMapper(input.Schema));
    }

    /// <inheritdoc/>
    public virtual bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public virtual IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new RowToRowMapperTransform(Environment, new EmptyDataView(inputSchema), MakeRowMapper(inputSchema));
    }

    /// <inheritdoc/>
    public abstract void Save(ModelSaveContext ctx);
}

/// <summary>Position and id of the row being mapped (ids are stable across cursors: use them to seed per-row randomness).</summary>
/// <param name="Position">The row position in the cursor.</param>
/// <param name="Id">The row id (see <see cref="DataViewRow.GetIdGetter"/>).</param>
public readonly record struct RowInfo(long Position, DataViewRowId Id);

/// <summary>
/// Base for transformers that map each of several (output, input) column pairs independently: the subclass says which
/// output type an input column gets (<see cref="GetOutputType"/>, throwing <see cref="InputTypeMismatch"/> when it does not fit)
/// and makes the getter (<see cref="MakeGetter"/>). Schema checks name the column; cursors are lazy;
/// <see cref="SaveColumns"/>/<see cref="LoadColumns"/> do the column part of save/load.
/// For a typed per-value mapping use <see cref="OneToOneTransformerBase{TSrc, TDst}"/>.
/// </summary>
public abstract class OneToOneTransformerBase : RowToRowTransformerBase
{
    private readonly (string outputColumnName, string inputColumnName)[] _columns;

    /// <summary>Creates the transformer over column pairs; an empty or null input name means "same as output".</summary>
    protected OneToOneTransformerBase(IHostEnvironment environment, string name, params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, name)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0) throw new ArgumentException($"{name} needs at least one column pair.", nameof(columns));
        _columns = columns.Select(c =>
        {
            if (string.IsNullOrEmpty(c.outputColumnName))
                throw new ArgumentException($"{name}: an output column name is empty.", nameof(columns));
            return (c.outputColumnName, string.IsNullOrEmpty(c.inputColumnName) ? c.outputColumnName : c.inputColumnName);
        }).ToArray();
        var dup = _columns.GroupBy(c => c.outputColumnName).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"{name}: output column '{dup.Key}' is produced twice.", nameof(columns));
    }

    /// <summary>The (output, input) column pairs.</summary>
    public IReadOnlyList<(string outputColumnName, string inputColumnName)> ColumnPairs => _columns;

    /// <summary>The output type for pair <paramref name="pairIndex"/> given its input column; throw <see cref="InputTypeMismatch"/> when it does not fit.</summary>
    protected abstract DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn);

    /// <summary>Annotations of the output column of pair <paramref name="pairIndex"/> (none by default).</summary>
    protected virtual DataViewSchema.Annotations GetOutputAnnotations(int pairIndex, DataViewSchema.Column inputColumn) =>
        DataViewSchema.Annotations.Empty;

    /// <summary>The getter (<see cref="ValueGetter{TValue}"/> of the output raw type) for pair <paramref name="pairIndex"/>.</summary>
    protected abstract Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer);

    /// <summary>The exception for an input column of the wrong type, naming it.</summary>
    protected ArgumentOutOfRangeException InputTypeMismatch(int pairIndex, string expectedType, DataViewType actualType) =>
        SchemaExceptions.Mismatch("inputSchema", "Input", _columns[pairIndex].inputColumnName, expectedType, actualType.ToString()!);

    /// <summary>
    /// The output shape of pair <paramref name="pairIndex"/> for estimators. By default the input shape is turned into a
    /// representative type (vectors of unknown size, keys of maximal count) and passed to <see cref="GetOutputType"/>;
    /// override when the output depends on sizes only known from data.
    /// </summary>
    public virtual SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        var type = ShapeToType(inputColumn)
            ?? throw InputTypeMismatch(pairIndex, "a primitive or vector type", inputColumn.ItemType);
        var column = new DataViewSchema.Column(inputColumn.Name, 0, false, type, null);
        var outType = GetOutputType(pairIndex, column);
        return SchemaShape.Column.FromType(_columns[pairIndex].outputColumnName, outType, null);
    }

    /// <summary>A concrete type standing for a column shape (null when the item type is not primitive).</summary>
    public static DataViewType? ShapeToType(SchemaShape.Column shape)
    {
        PrimitiveDataViewType? item = shape.IsKey
            ? new KeyDataViewType(shape.ItemType.RawType, shape.ItemType.RawType == typeof(byte) ? byte.MaxValue : shape.ItemType.RawType == typeof(ushort) ? ushort.MaxValue : uint.MaxValue)
            : shape.ItemType as PrimitiveDataViewType;
        if (item is null) return null;
        return shape.Kind == SchemaShape.Column.VectorKind.Scalar ? item : new VectorDataViewType(item);
    }

    /// <inheritdoc/>
    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>Writes the column pairs to <paramref name="ctx"/>.</summary>
    protected void SaveColumns(ModelSaveContext ctx)
    {
        ctx.Writer.Write(_columns.Length);
        foreach (var (output, input) in _columns)
        {
            ctx.SaveNonEmptyString(output);
            ctx.SaveNonEmptyString(input);
        }
    }

    /// <summary>Reads column pairs written by <see cref="SaveColumns"/>.</summary>
    protected static (string outputColumnName, string inputColumnName)[] LoadColumns(ModelLoadContext ctx)
    {
        int n = ctx.Reader.ReadInt32();
        if (n <= 0 || n > 1_000_000) throw new InvalidDataException($"Component '{ctx.Directory}' of {ctx.Source} declares {n} column pairs. The file is damaged.");
        var pairs = new (string, string)[n];
        for (int i = 0; i < n; i++) pairs[i] = (ctx.LoadNonEmptyString(), ctx.LoadNonEmptyString());
        return pairs;
    }

    private sealed class Mapper : MapperBase
    {
        private readonly OneToOneTransformerBase _parent;
        private readonly DataViewSchema.Column[] _inputs;
        private readonly DataViewType[] _outputTypes;

        public Mapper(OneToOneTransformerBase parent, DataViewSchema schema) : base(parent.Environment, schema)
        {
            _parent = parent;
            _inputs = parent._columns.Select(c => SchemaExceptions.FindColumn(schema, c.inputColumnName)).ToArray();
            _outputTypes = new DataViewType[_inputs.Length];
            for (int i = 0; i < _inputs.Length; i++)
                _outputTypes[i] = parent.GetOutputType(i, _inputs[i]) ?? throw new InvalidOperationException($"{parent.Name} gave no output type for column '{_inputs[i].Name}'.");
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _inputs.Select((c, i) => new DataViewSchema.DetachedColumn(_parent._columns[i].outputColumnName, _outputTypes[i], _parent.GetOutputAnnotations(i, c))).ToArray();

        public override Func<int, bool> GetDependencies(Func<int, bool> activeOutput)
        {
            var needed = new bool[InputSchema.Count];
            for (int i = 0; i < _inputs.Length; i++)
                if (activeOutput(i)) needed[_inputs[i].Index] = true;
            return col => needed[col];
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer) =>
            _parent.MakeGetter(input, iinfo, _inputs[iinfo], out disposer);
    }
}

/// <summary>
/// The shortest way to write a one-column transform: map one <typeparamref name="TSrc"/> value to one
/// <typeparamref name="TDst"/> value per row with <see cref="Map"/>. The base checks that the input column holds
/// <typeparamref name="TSrc"/> values (naming the column otherwise) before asking <see cref="OneToOneTransformerBase.GetOutputType"/>.
/// </summary>
public abstract class OneToOneTransformerBase<TSrc, TDst> : OneToOneTransformerBase
{
    /// <summary>Creates the transformer over column pairs.</summary>
    protected OneToOneTransformerBase(IHostEnvironment environment, string name, params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, name, columns) { }

    /// <summary>Maps one value. <paramref name="destination"/> may hold buffers from the previous row: reuse them.</summary>
    protected abstract void Map(int pairIndex, in TSrc source, ref TDst destination, in RowInfo row);

    /// <summary>Whether <see cref="Map"/> needs <see cref="RowInfo.Id"/> (reading ids has a small cost per row).</summary>
    protected virtual bool NeedsRowId => false;

    /// <summary>The output type for an input column already known to hold <typeparamref name="TSrc"/> values.</summary>
    protected abstract DataViewType GetOutputTypeCore(int pairIndex, DataViewSchema.Column inputColumn);

    /// <inheritdoc/>
    protected sealed override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        if (inputColumn.Type.RawType != typeof(TSrc))
            throw InputTypeMismatch(pairIndex, $"a column held as {typeof(TSrc).Name}", inputColumn.Type);
        var type = GetOutputTypeCore(pairIndex, inputColumn);
        if (type.RawType != typeof(TDst))
            throw new InvalidOperationException($"{Name}: output type {type} is not held as {typeof(TDst).Name}.");
        return type;
    }

    /// <inheritdoc/>
    protected sealed override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var source = input.GetGetter<TSrc>(inputColumn);
        var idGetter = NeedsRowId ? input.GetIdGetter() : null;
        TSrc value = default!;
        ValueGetter<TDst> getter = (ref TDst destination) =>
        {
            source(ref value);
            DataViewRowId id = default;
            idGetter?.Invoke(ref id);
            Map(pairIndex, in value, ref destination, new RowInfo(input.Position, id));
        };
        return getter;
    }
}

/// <summary>An estimator that needs no training: <see cref="Fit"/> checks the schema and returns a fixed transformer.</summary>
public abstract class TrivialEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : class, ITransformer
{
    /// <summary>Creates the estimator around <paramref name="transformer"/>.</summary>
    protected TrivialEstimator(IHostEnvironment environment, TTransformer transformer)
    {
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));
        Transformer = transformer ?? throw new ArgumentNullException(nameof(transformer));
    }

    /// <summary>The environment.</summary>
    public IHostEnvironment Environment { get; }

    /// <summary>The transformer <see cref="Fit"/> returns.</summary>
    protected TTransformer Transformer { get; }

    /// <inheritdoc/>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Transformer.GetOutputSchema(input.Schema);
        return Transformer;
    }

    /// <inheritdoc/>
    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);
}

/// <summary>A ready-made trivial estimator for any <see cref="OneToOneTransformerBase"/>: output shapes come from <see cref="OneToOneTransformerBase.GetOutputShape"/>.</summary>
public class TrivialOneToOneEstimator<TTransformer> : TrivialEstimator<TTransformer> where TTransformer : OneToOneTransformerBase
{
    /// <summary>Wraps <paramref name="transformer"/>.</summary>
    public TrivialOneToOneEstimator(IHostEnvironment environment, TTransformer transformer) : base(environment, transformer) { }

    /// <inheritdoc/>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToList();
        for (int i = 0; i < Transformer.ColumnPairs.Count; i++)
        {
            var input = SchemaExceptions.FindColumn(inputSchema, Transformer.ColumnPairs[i].inputColumnName);
            result.Add(Transformer.GetOutputShape(i, input));
        }
        return new SchemaShape(result);
    }
}

/// <summary>
/// Base for estimators that learn from data: <see cref="Fit"/> first checks the schema with
/// <see cref="GetOutputSchema"/> (failing fast, naming the column), then calls <see cref="FitCore"/>.
/// </summary>
public abstract class EstimatorBase<TTransformer> : IEstimator<TTransformer> where TTransformer : ITransformer
{
    /// <summary>Creates the estimator.</summary>
    protected EstimatorBase(IHostEnvironment environment) =>
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));

    /// <summary>The environment.</summary>
    public IHostEnvironment Environment { get; }

    /// <inheritdoc/>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        return FitCore(input);
    }

    /// <summary>Trains on data whose schema has been checked.</summary>
    protected abstract TTransformer FitCore(IDataView input);

    /// <inheritdoc/>
    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
