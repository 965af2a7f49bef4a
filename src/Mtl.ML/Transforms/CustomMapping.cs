namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>
/// Runs a user action on each row: the input columns fill a <typeparamref name="TSrc"/> object, the action fills a
/// <typeparamref name="TDst"/> object whose members become new columns. The action runs once per row, only when an output
/// column is read. To save the model, give a contract name and declare a <see cref="CustomMappingFactory{TSrc, TDst}"/>
/// with <see cref="CustomMappingFactoryAttributeAttribute"/> of the same name.
/// </summary>
public sealed class CustomMappingTransformer<TSrc, TDst> : RowToRowTransformerBase where TSrc : class, new() where TDst : class, new()
{
    private readonly Action<TSrc, TDst> _mapAction;
    private readonly SchemaDefinition _inputDefinition;
    private readonly SchemaDefinition _outputDefinition;

    /// <summary>Creates the transformer; <paramref name="contractName"/> may be null when the model is never saved.</summary>
    public CustomMappingTransformer(IHostEnvironment env, Action<TSrc, TDst> mapAction, string? contractName,
        SchemaDefinition? inputSchemaDefinition = null, SchemaDefinition? outputSchemaDefinition = null)
        : base(env, $"CustomMapping({contractName ?? "unnamed"})")
    {
        _mapAction = mapAction ?? throw new ArgumentNullException(nameof(mapAction));
        ContractName = contractName;
        _inputDefinition = inputSchemaDefinition ?? SchemaDefinition.Create(typeof(TSrc), SchemaDefinition.Direction.Write);
        _outputDefinition = outputSchemaDefinition ?? SchemaDefinition.Create(typeof(TDst), SchemaDefinition.Direction.Read);
    }

    /// <summary>The contract name used to find the mapping again when loading.</summary>
    public string? ContractName { get; }

    /// <summary>The columns the mapping reads.</summary>
    public SchemaDefinition InputDefinition => _inputDefinition;

    /// <summary>The columns the mapping adds.</summary>
    public SchemaDefinition OutputDefinition => _outputDefinition;

    /// <inheritdoc/>
    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        if (string.IsNullOrEmpty(ContractName))
            throw new InvalidOperationException(
                "This custom mapping has no contract name, so it cannot be saved. Pass contractName to CustomMapping and declare a " +
                $"CustomMappingFactory<{typeof(TSrc).Name}, {typeof(TDst).Name}> with [CustomMappingFactoryAttribute(contractName)].");
        ctx.SetVersionInfo(CustomMappingTransformerLoader.Version);
        ctx.SaveNonEmptyString(ContractName);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly CustomMappingTransformer<TSrc, TDst> _parent;
        private readonly DataViewSchema.Column[] _inputs;

        public Mapper(CustomMappingTransformer<TSrc, TDst> parent, DataViewSchema schema) : base(parent.Environment, schema)
        {
            _parent = parent;
            _inputs = parent._inputDefinition.Select(c =>
            {
                var col = SchemaExceptions.FindColumn(schema, c.ColumnName);
                if (col.Type != c.ColumnType)
                    throw SchemaExceptions.Mismatch("inputSchema", "Input", c.ColumnName, c.ColumnType.ToString()!, col.Type.ToString()!);
                return col;
            }).ToArray();
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
            _parent._outputDefinition.Select(c => new DataViewSchema.DetachedColumn(c.ColumnName, c.ColumnType, c.Annotations)).ToArray();

        public override Func<int, bool> GetDependencies(Func<int, bool> activeOutput)
        {
            bool any = Enumerable.Range(0, _parent._outputDefinition.Count).Any(activeOutput);
            var needed = any ? _inputs.Select(c => c.Index).ToHashSet() : [];
            return needed.Contains;
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var state = RowState.For(input, this);
            var member = MemberAccess.Find(typeof(TDst), _parent._outputDefinition[iinfo].MemberName);
            var c = _parent._outputDefinition[iinfo];
            return MemberAccess.MakeGetter(member, c.ColumnType, c.ColumnName, state.Current);
        }

        /// <summary>The objects of the current row, shared by all output getters of one row/cursor.</summary>
        private sealed class RowState
        {
            private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DataViewRow, RowState> States = new();
            private readonly DataViewRow _input;
            private readonly Mapper _mapper;
            private readonly Action<object>[] _setters;
            private readonly TSrc _src = new();
            private TDst _dst = new();
            private long _position = long.MinValue;

            private RowState(DataViewRow input, Mapper mapper)
            {
                _input = input;
                _mapper = mapper;
                _setters = mapper._inputs.Select((col, i) =>
                    MemberAccess.MakeSetter(MemberAccess.Find(typeof(TSrc), mapper._parent._inputDefinition[i].MemberName), input, col)).ToArray();
            }

            public static RowState For(DataViewRow input, Mapper mapper)
            {
                lock (States)
                {
                    if (States.TryGetValue(input, out var s) && s._mapper == mapper) return s;
                    var created = new RowState(input, mapper);
                    States.AddOrUpdate(input, created);
                    return created;
                }
            }

            public object Current()
            {
                if (_input.Position != _position)
                {
                    foreach (var set in _setters) set(_src);
                    _dst = new TDst();
                    _mapper._parent._mapAction(_src, _dst);
                    _position = _input.Position;
                }
                return _dst;
            }
        }
    }
}

/// <summary>Loads saved custom mappings by finding the factory registered for their contract name.</summary>
[ModelLoader(LoaderSignature)]
public static class CustomMappingTransformerLoader
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "CustomMappingTransformer";

    /// <summary>The version header custom mappings write.</summary>
    public static VersionInfo Version { get; } = new("CUSTOMXF", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    /// <summary>Loads a custom mapping.</summary>
    public static object Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        string contract = ctx.LoadNonEmptyString();
        if (!env.ComponentCatalog.TryGetCustomMappingFactory(contract, out var factoryType))
            throw new InvalidDataException(
                $"The model uses custom mapping '{contract}' but no CustomMappingFactory with [CustomMappingFactoryAttribute(\"{contract}\")] is known. " +
                "Reference the assembly that declares it, or call mlContext.ComponentCatalog.RegisterAssembly(typeof(YourFactory).Assembly) before loading.");
        var baseType = factoryType;
        while (baseType is not null && !(baseType.IsGenericType && baseType.GetGenericTypeDefinition() == typeof(CustomMappingFactory<,>)))
            baseType = baseType.BaseType;
        if (baseType is null)
            throw new InvalidOperationException($"{factoryType.FullName} is registered for contract '{contract}' but does not derive from CustomMappingFactory<TSrc, TDst>.");
        var factory = Activator.CreateInstance(factoryType)
            ?? throw new InvalidOperationException($"{factoryType.FullName} needs a public parameterless constructor.");
        var mapping = baseType.GetMethod(nameof(CustomMappingFactory<object, object>.GetMapping))!.Invoke(factory, null)!;
        var transformerType = typeof(CustomMappingTransformer<,>).MakeGenericType(baseType.GetGenericArguments());
        return Activator.CreateInstance(transformerType, env, mapping, contract, null, null)!;
    }
}

/// <summary>Estimator for <see cref="CustomMappingTransformer{TSrc, TDst}"/> (<c>CustomMapping</c>).</summary>
public sealed class CustomMappingEstimator<TSrc, TDst> : TrivialEstimator<CustomMappingTransformer<TSrc, TDst>>
    where TSrc : class, new() where TDst : class, new()
{
    /// <summary>Creates the estimator.</summary>
    public CustomMappingEstimator(IHostEnvironment env, Action<TSrc, TDst> mapAction, string? contractName,
        SchemaDefinition? inputSchemaDefinition = null, SchemaDefinition? outputSchemaDefinition = null)
        : base(env, new CustomMappingTransformer<TSrc, TDst>(env, mapAction, contractName, inputSchemaDefinition, outputSchemaDefinition)) { }

    /// <inheritdoc/>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var c in Transformer.InputDefinition)
        {
            var col = SchemaExceptions.FindColumn(inputSchema, c.ColumnName);
            var expected = SchemaShape.Column.FromType(c.ColumnName, c.ColumnType, null);
            if (col.Kind != expected.Kind || col.ItemType != expected.ItemType || col.IsKey != expected.IsKey)
                throw SchemaExceptions.Mismatch("inputSchema", "Input", c.ColumnName, expected.GetTypeString(), col.GetTypeString());
        }
        var result = inputSchema.ToList();
        result.AddRange(Transformer.OutputDefinition.Select(c => SchemaShape.Column.FromType(c.ColumnName, c.ColumnType, null)));
        return new SchemaShape(result);
    }
}
