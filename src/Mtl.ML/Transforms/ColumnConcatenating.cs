namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>
/// Concatenates scalar and vector columns of the same item type into one vector column. Slot names of the parts are
/// combined when present ("Column.Slot", or the column name for scalars).
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class ColumnConcatenatingTransformer : RowToRowTransformerBase
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "ConcatTransform";
    private static readonly VersionInfo Version = new("CONCAT F", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    /// <summary>Concatenates <paramref name="inputColumnNames"/> into <paramref name="outputColumnName"/>.</summary>
    public ColumnConcatenatingTransformer(IHostEnvironment env, string outputColumnName, params string[] inputColumnNames)
        : base(env, nameof(ColumnConcatenatingTransformer))
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentNullException.ThrowIfNull(inputColumnNames);
        if (inputColumnNames.Length == 0) throw new ArgumentException("Concatenate needs at least one input column.", nameof(inputColumnNames));
        if (inputColumnNames.Any(string.IsNullOrEmpty)) throw new ArgumentException("An input column name is empty.", nameof(inputColumnNames));
        OutputColumnName = outputColumnName;
        InputColumnNames = [.. inputColumnNames];
    }

    /// <summary>The output column.</summary>
    public string OutputColumnName { get; }

    /// <summary>The input columns, in order.</summary>
    public IReadOnlyList<string> InputColumnNames { get; }

    /// <summary>Checks the inputs and returns the output type.</summary>
    internal static DataViewType ComputeOutputType(DataViewSchema.Column[] inputs)
    {
        var item = inputs[0].Type.GetItemType();
        if (item is not PrimitiveDataViewType primitive)
            throw SchemaExceptions.Mismatch("inputSchema", "Input", inputs[0].Name, "a primitive or vector of primitives", inputs[0].Type.ToString()!);
        int size = 0;
        bool known = true;
        foreach (var c in inputs)
        {
            if (c.Type.GetItemType() != item)
                throw SchemaExceptions.Mismatch("inputSchema", "Input", c.Name, $"item type {item} (as '{inputs[0].Name}')", c.Type.ToString()!);
            int n = c.Type.GetValueCount();
            if (n == 0) known = false;
            size += n;
        }
        return new VectorDataViewType(primitive, known ? size : 0);
    }

    /// <inheritdoc/>
    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        ctx.SaveNonEmptyString(OutputColumnName);
        ctx.Writer.Write(InputColumnNames.Count);
        foreach (var n in InputColumnNames) ctx.SaveNonEmptyString(n);
    }

    /// <summary>Loads a saved transformer.</summary>
    public static ColumnConcatenatingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        string output = ctx.LoadNonEmptyString();
        int n = ctx.Reader.ReadInt32();
        if (n <= 0 || n > 100_000) throw new InvalidDataException($"Component '{ctx.Directory}' of {ctx.Source} declares {n} inputs. The file is damaged.");
        var inputs = new string[n];
        for (int i = 0; i < n; i++) inputs[i] = ctx.LoadNonEmptyString();
        return new ColumnConcatenatingTransformer(env, output, inputs);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly ColumnConcatenatingTransformer _parent;
        private readonly DataViewSchema.Column[] _inputs;
        private readonly DataViewType _outputType;

        public Mapper(ColumnConcatenatingTransformer parent, DataViewSchema schema) : base(parent.Environment, schema)
        {
            _parent = parent;
            _inputs = parent.InputColumnNames.Select(n => SchemaExceptions.FindColumn(schema, n)).ToArray();
            _outputType = ComputeOutputType(_inputs);
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore()
        {
            var annotations = DataViewSchema.Annotations.Empty;
            if (_outputType is VectorDataViewType { IsKnownSize: true } v && _inputs.Any(c => c.HasSlotNames()))
            {
                var names = SlotNames();
                var builder = new DataViewSchema.Annotations.Builder();
                builder.AddSlotNames(v.Size, (ref VBuffer<ReadOnlyMemory<char>> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, names.Length);
                    for (int i = 0; i < names.Length; i++) editor.Values[i] = names[i].AsMemory();
                    dst = editor.Commit();
                });
                annotations = builder.ToAnnotations();
            }
            return [new DataViewSchema.DetachedColumn(_parent.OutputColumnName, _outputType, annotations)];
        }

        private string[] SlotNames()
        {
            var names = new List<string>();
            foreach (var c in _inputs)
            {
                int n = c.Type.GetValueCount();
                if (c.Type is not VectorDataViewType) { names.Add(c.Name); continue; }
                if (c.HasSlotNames())
                {
                    VBuffer<ReadOnlyMemory<char>> slots = default;
                    c.GetSlotNames(ref slots);
                    names.AddRange(slots.DenseValues().Select(s => $"{c.Name}.{s}"));
                }
                else names.AddRange(Enumerable.Range(0, n).Select(i => $"{c.Name}.{i}"));
            }
            return [.. names];
        }

        public override Func<int, bool> GetDependencies(Func<int, bool> activeOutput)
        {
            var needed = activeOutput(0) ? _inputs.Select(c => c.Index).ToHashSet() : [];
            return needed.Contains;
        }

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var method = typeof(Mapper).GetMethod(nameof(MakeConcat), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
                .MakeGenericMethod(_outputType.GetItemType().RawType);
            return (Delegate)method.Invoke(this, [input])!;
        }

        private ValueGetter<VBuffer<T>> MakeConcat<T>(DataViewRow input)
        {
            // One reader per part: each appends its values to the output span and returns how many it wrote.
            var parts = _inputs.Select(c => c.Type is VectorDataViewType ? VectorPart<T>(input, c) : ScalarPart<T>(input, c)).ToArray();
            var buffers = new List<T>();
            return (ref VBuffer<T> dst) =>
            {
                buffers.Clear();
                foreach (var p in parts) p(buffers);
                if (_outputType is VectorDataViewType { IsKnownSize: true } v && buffers.Count != v.Size)
                    throw new InvalidOperationException($"Concatenate into '{_parent.OutputColumnName}' produced {buffers.Count} values, expected {v.Size}.");
                var editor = VBufferEditor.Create(ref dst, buffers.Count);
                for (int i = 0; i < buffers.Count; i++) editor.Values[i] = buffers[i];
                dst = editor.Commit();
            };
        }

        private static Action<List<T>> ScalarPart<T>(DataViewRow input, DataViewSchema.Column column)
        {
            var g = input.GetGetter<T>(column);
            T v = default!;
            return list => { g(ref v); list.Add(v); };
        }

        private static Action<List<T>> VectorPart<T>(DataViewRow input, DataViewSchema.Column column)
        {
            var g = input.GetGetter<VBuffer<T>>(column);
            VBuffer<T> v = default;
            return list => { g(ref v); list.AddRange(v.DenseValues()); };
        }
    }
}

/// <summary>Estimator for <see cref="ColumnConcatenatingTransformer"/>.</summary>
public sealed class ColumnConcatenatingEstimator : TrivialEstimator<ColumnConcatenatingTransformer>
{
    /// <summary>Concatenates <paramref name="inputColumnNames"/> into <paramref name="outputColumnName"/>.</summary>
    public ColumnConcatenatingEstimator(IHostEnvironment env, string outputColumnName, params string[] inputColumnNames)
        : base(env, new ColumnConcatenatingTransformer(env, outputColumnName, inputColumnNames)) { }

    /// <inheritdoc/>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var inputs = Transformer.InputColumnNames.Select(n => SchemaExceptions.FindColumn(inputSchema, n)).ToArray();
        var first = inputs[0];
        bool variable = false;
        foreach (var c in inputs)
        {
            if (c.ItemType != first.ItemType || c.IsKey != first.IsKey)
                throw SchemaExceptions.Mismatch("inputSchema", "Input", c.Name, $"item type {first.GetTypeString()} (as '{first.Name}')", c.GetTypeString());
            variable |= c.Kind == SchemaShape.Column.VectorKind.VariableVector;
        }
        var result = inputSchema.ToList();
        result.Add(new SchemaShape.Column(Transformer.OutputColumnName,
            variable ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector, first.ItemType, first.IsKey));
        return new SchemaShape(result);
    }
}
