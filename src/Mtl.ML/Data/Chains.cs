using System.Collections;

namespace Mtl.ML.Data;

/// <summary>A transformer chain of any last-step type (lets code handle every <see cref="TransformerChain{TLastTransformer}"/> alike).</summary>
public interface ITransformerChain : ITransformer, IEnumerable<ITransformer>
{
    /// <summary>The scope of each step.</summary>
    IReadOnlyList<TransformerScope> Scopes { get; }

    /// <summary>The chain of the steps whose scope intersects the filter (nested chains are filtered too).</summary>
    TransformerChain<ITransformer> GetModelFor(TransformerScope scopeFilter);
}

/// <summary>
/// A sequence of fitted transformers applied one after another, each with a <see cref="TransformerScope"/>.
/// <see cref="GetModelFor"/> keeps the steps of one scope (a prediction engine uses <see cref="TransformerScope.Scoring"/>).
/// </summary>
public sealed class TransformerChain<TLastTransformer> : ITransformerChain, IDisposable
    where TLastTransformer : class, ITransformer
{
    /// <summary>The loader signature of saved chains.</summary>
    public const string LoaderSignature = "TransformerChain";

    private readonly ITransformer[] _transformers;
    private readonly TransformerScope[] _scopes;

    /// <summary>Creates a chain where every step applies in every scope.</summary>
    public TransformerChain(params ITransformer[] transformers)
        : this(transformers, Enumerable.Repeat(TransformerScope.Everything, transformers?.Length ?? 0)) { }

    /// <summary>Creates a chain with one scope per step.</summary>
    public TransformerChain(IEnumerable<ITransformer> transformers, IEnumerable<TransformerScope> scopes)
    {
        ArgumentNullException.ThrowIfNull(transformers);
        ArgumentNullException.ThrowIfNull(scopes);
        _transformers = transformers.ToArray();
        _scopes = scopes.ToArray();
        if (_transformers.Length != _scopes.Length)
            throw new ArgumentException($"A chain needs one scope per transformer: {_transformers.Length} transformers, {_scopes.Length} scopes.");
        if (_transformers.Any(t => t is null)) throw new ArgumentException("A chain cannot contain a null transformer.", nameof(transformers));
        if (_transformers.Length == 0)
            LastTransformer = null!;
        else
            LastTransformer = _transformers[^1] as TLastTransformer ?? throw new ArgumentException(
                $"The last transformer is a {_transformers[^1].GetType().Name}, not a {typeof(TLastTransformer).Name}.", nameof(transformers));
    }

    /// <summary>The last step (null for an empty chain).</summary>
    public TLastTransformer LastTransformer { get; }

    /// <summary>The scope of each step.</summary>
    public IReadOnlyList<TransformerScope> Scopes => _scopes;

    /// <summary>A new chain with <paramref name="transformer"/> appended.</summary>
    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer, TransformerScope scope = TransformerScope.Everything)
        where TNewLast : class, ITransformer =>
        new([.. _transformers, transformer], [.. _scopes, scope]);

    /// <summary>The chain of the steps whose scope intersects <paramref name="scopeFilter"/>.</summary>
    public TransformerChain<ITransformer> GetModelFor(TransformerScope scopeFilter)
    {
        var keep = Enumerable.Range(0, _transformers.Length).Where(i => (_scopes[i] & scopeFilter) != 0).ToArray();
        return new TransformerChain<ITransformer>(
            keep.Select(i => _transformers[i] is ITransformerChain nested ? nested.GetModelFor(scopeFilter) : _transformers[i]),
            keep.Select(i => _scopes[i]));
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var schema = inputSchema;
        foreach (var t in _transformers) schema = t.GetOutputSchema(schema);
        return schema;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(input.Schema);
        var data = input;
        foreach (var t in _transformers) data = t.Transform(data);
        return data;
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _transformers.All(t => t.IsRowToRowMapper);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var mappers = new List<IRowToRowMapper>();
        var schema = inputSchema;
        foreach (var t in _transformers)
        {
            if (!t.IsRowToRowMapper)
                throw new InvalidOperationException($"Step {t.GetType().Name} of the chain is not a row-to-row mapper.");
            var m = t.GetRowToRowMapper(schema);
            mappers.Add(m);
            schema = m.OutputSchema;
        }
        return new CompositeRowToRowMapper(inputSchema, mappers);
    }

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(TransformerChainLoader.Version);
        ctx.Writer.Write(_transformers.Length);
        for (int i = 0; i < _transformers.Length; i++)
        {
            ctx.Writer.Write((int)_scopes[i]);
            ctx.SaveModel(_transformers[i], TransformerChainLoader.StepName(i));
        }
    }

    /// <inheritdoc/>
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Disposes the steps that are disposable.</summary>
    public void Dispose()
    {
        foreach (var t in _transformers) (t as IDisposable)?.Dispose();
    }
}

/// <summary>Loads saved <see cref="TransformerChain{TLastTransformer}"/>s.</summary>
[ModelLoader(TransformerChain<ITransformer>.LoaderSignature)]
public static class TransformerChainLoader
{
    /// <summary>The version header chains write.</summary>
    public static VersionInfo Version { get; } = new("XFORMCHN", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", TransformerChain<ITransformer>.LoaderSignature);

    /// <summary>The folder name of step <paramref name="index"/> (Transform_000, Transform_001, ...).</summary>
    public static string StepName(int index) => $"Transform_{index:000}";

    /// <summary>Loads a chain.</summary>
    public static object Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        int n = ctx.Reader.ReadInt32();
        if (n < 0 || n > 100_000) throw new InvalidDataException($"Chain '{ctx.Directory}' of {ctx.Source} declares {n} steps. The file is damaged.");
        var transformers = new ITransformer[n];
        var scopes = new TransformerScope[n];
        for (int i = 0; i < n; i++)
        {
            scopes[i] = (TransformerScope)ctx.Reader.ReadInt32();
            transformers[i] = ctx.LoadModel<ITransformer>(StepName(i));
        }
        return new TransformerChain<ITransformer>(transformers, scopes);
    }
}

/// <summary>Row-to-row mappers applied in sequence.</summary>
public sealed class CompositeRowToRowMapper : IRowToRowMapper
{
    private readonly IRowToRowMapper[] _mappers;

    /// <summary>Composes <paramref name="mappers"/> (each built for the previous one's output schema).</summary>
    public CompositeRowToRowMapper(DataViewSchema inputSchema, IEnumerable<IRowToRowMapper> mappers)
    {
        InputSchema = inputSchema ?? throw new ArgumentNullException(nameof(inputSchema));
        _mappers = mappers?.ToArray() ?? throw new ArgumentNullException(nameof(mappers));
        OutputSchema = _mappers.Length == 0 ? inputSchema : _mappers[^1].OutputSchema;
    }

    /// <inheritdoc/>
    public DataViewSchema InputSchema { get; }
    /// <inheritdoc/>
    public DataViewSchema OutputSchema { get; }

    /// <inheritdoc/>
    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.ToArray();
        for (int i = _mappers.Length - 1; i >= 0; i--) columns = _mappers[i].GetDependencies(columns).ToArray();
        return columns;
    }

    /// <inheritdoc/>
    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        if (_mappers.Length == 0) return input;
        // Which columns each step must provide, from the last step backwards.
        var needed = new DataViewSchema.Column[_mappers.Length][];
        var columns = activeColumns.ToArray();
        for (int i = _mappers.Length - 1; i >= 0; i--)
        {
            needed[i] = columns;
            columns = _mappers[i].GetDependencies(columns).ToArray();
        }
        var row = input;
        for (int i = 0; i < _mappers.Length; i++) row = _mappers[i].GetRow(row, needed[i]);
        return row;
    }
}

/// <summary>
/// A sequence of estimators fitted one after another, each on the output of the previous fitted steps.
/// <see cref="Fit"/> checks the whole chain's schema before training anything.
/// </summary>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;
    private readonly bool[] _cacheBefore;
    private readonly IHostEnvironment? _environment;

    /// <summary>Creates an empty chain.</summary>
    public EstimatorChain() : this([], [], [], null) { }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes, bool[] cacheBefore, IHostEnvironment? environment)
    {
        _estimators = estimators;
        _scopes = scopes;
        _cacheBefore = cacheBefore;
        _environment = environment;
        LastEstimator = estimators.Length == 0 ? null! : (IEstimator<TLastTransformer>)estimators[^1];
    }

    /// <summary>The last estimator (null for an empty chain).</summary>
    public IEstimator<TLastTransformer> LastEstimator { get; }

    /// <summary>The estimators, in order.</summary>
    public IReadOnlyList<IEstimator<ITransformer>> Estimators => _estimators;

    /// <summary>A new chain with <paramref name="estimator"/> appended.</summary>
    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>([.. _estimators, estimator], [.. _scopes, scope], [.. _cacheBefore, _pendingCache], _environment);
    }

    /// <summary>Caches the data produced so far, so that the next appended estimator (which may read it several times) does not recompute it.</summary>
    public EstimatorChain<TLastTransformer> AppendCacheCheckpoint(IHostEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (_estimators.Length == 0) return this;
        return new EstimatorChain<TLastTransformer>(_estimators, _scopes, _cacheBefore, env) { _pendingCache = true };
    }

    private bool _pendingCache;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var e in _estimators) shape = e.GetOutputSchema(shape);
        return shape;
    }

    /// <inheritdoc/>
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var data = input;
        var fitted = new ITransformer[_estimators.Length];
        for (int i = 0; i < _estimators.Length; i++)
        {
            if (_cacheBefore[i]) data = new CacheDataView(data);
            fitted[i] = _estimators[i].Fit(data);
            if (i < _estimators.Length - 1) data = fitted[i].Transform(data);
        }
        return new TransformerChain<TLastTransformer>(fitted, _scopes);
    }
}

/// <summary>Chaining extensions, as in ML.NET: <c>estimator.Append(next)</c>.</summary>
public static class LearningPipelineExtensions
{
    /// <summary>A chain of <paramref name="start"/> followed by <paramref name="estimator"/>.</summary>
    public static EstimatorChain<TTrans> Append<TTrans>(this IEstimator<ITransformer> start, IEstimator<TTrans> estimator,
        TransformerScope scope = TransformerScope.Everything) where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(estimator);
        // As in ML.NET: a chain statically typed as a chain uses its own Append; anything else becomes the first step.
        return new EstimatorChain<ITransformer>().Append(start).Append(estimator, scope);
    }

    /// <summary>Caches the output of <paramref name="start"/> before the next appended estimator trains.</summary>
    public static EstimatorChain<TTrans> AppendCacheCheckpoint<TTrans>(this IEstimator<TTrans> start, IHostEnvironment env)
        where TTrans : class, ITransformer
    {
        var chain = start as EstimatorChain<TTrans> ?? new EstimatorChain<ITransformer>().Append(start);
        return chain.AppendCacheCheckpoint(env);
    }

    /// <summary>A transformer chain of <paramref name="start"/> followed by <paramref name="transformer"/>.</summary>
    public static TransformerChain<TTrans> Append<TTrans>(this ITransformer start, TTrans transformer) where TTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(transformer);
        return start is TransformerChain<ITransformer> chain ? chain.Append(transformer) : new TransformerChain<TTrans>(start, transformer);
    }
}
