namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>Keeps or drops columns (<c>SelectColumns</c>, <c>DropColumns</c>).</summary>
[ModelLoader(LoaderSignature)]
public sealed class ColumnSelectingTransformer : ITransformer
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "SelectColumnsTransform";
    private static readonly VersionInfo Version = new("SELCOLST", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    private readonly IHostEnvironment _env;

    /// <summary>
    /// Keeps <paramref name="keepColumns"/> (in the given order) or drops <paramref name="dropColumns"/>; exactly one must be given.
    /// Hidden columns are dropped unless <paramref name="keepHidden"/>.
    /// </summary>
    public ColumnSelectingTransformer(IHostEnvironment env, string[]? keepColumns, string[]? dropColumns, bool keepHidden = false, bool ignoreMissing = false)
    {
        _env = env ?? throw new ArgumentNullException(nameof(env));
        if ((keepColumns is null) == (dropColumns is null))
            throw new ArgumentException("Give either the columns to keep or the columns to drop, not both or neither.");
        KeepColumns = keepColumns;
        DropColumns = dropColumns;
        KeepHidden = keepHidden;
        IgnoreMissing = ignoreMissing;
    }

    /// <summary>The columns kept (null when dropping).</summary>
    public IReadOnlyList<string>? KeepColumns { get; }
    /// <summary>The columns dropped (null when keeping).</summary>
    public IReadOnlyList<string>? DropColumns { get; }
    /// <summary>Whether hidden columns are kept.</summary>
    public bool KeepHidden { get; }
    /// <summary>Whether missing names are ignored rather than an error.</summary>
    public bool IgnoreMissing { get; }

    /// <summary>The input column index of each output column.</summary>
    internal int[] Select(DataViewSchema schema)
    {
        var names = KeepColumns ?? DropColumns!;
        foreach (var n in names)
            if (!IgnoreMissing && schema.GetColumnOrNull(n) is null)
                throw SchemaExceptions.ColumnNotFound("inputSchema", KeepColumns is null ? "Dropped" : "Selected", n, schema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (KeepColumns is not null)
        {
            var result = new List<int>();
            foreach (var n in KeepColumns)
            {
                if (schema.GetColumnOrNull(n) is not DataViewSchema.Column visible) continue;
                if (KeepHidden) result.AddRange(schema.Where(c => c.Name == n && c.IsHidden).Select(c => c.Index));
                result.Add(visible.Index);
            }
            return [.. result];
        }
        var drop = DropColumns!.ToHashSet();
        return schema.Where(c => !drop.Contains(c.Name) && (KeepHidden || !c.IsHidden)).Select(c => c.Index).ToArray();
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new SelectedView(new EmptyDataView(inputSchema), Select(inputSchema)).Schema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => new SelectedView(input, Select(input.Schema));

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new SelectedView(new EmptyDataView(inputSchema), Select(inputSchema));

    /// <inheritdoc/>
    public void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        ctx.Writer.Write(KeepColumns is not null);
        var names = KeepColumns ?? DropColumns!;
        ctx.Writer.Write(names.Count);
        foreach (var n in names) ctx.SaveNonEmptyString(n);
        ctx.Writer.Write(KeepHidden);
        ctx.Writer.Write(IgnoreMissing);
    }

    /// <summary>Loads a saved transformer.</summary>
    public static ColumnSelectingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        bool keep = ctx.Reader.ReadBoolean();
        int n = ctx.Reader.ReadInt32();
        if (n < 0 || n > 1_000_000) throw new InvalidDataException($"Component '{ctx.Directory}' of {ctx.Source} declares {n} columns. The file is damaged.");
        var names = new string[n];
        for (int i = 0; i < n; i++) names[i] = ctx.LoadNonEmptyString();
        bool keepHidden = ctx.Reader.ReadBoolean();
        bool ignoreMissing = ctx.Reader.ReadBoolean();
        return keep ? new ColumnSelectingTransformer(env, names, null, keepHidden, ignoreMissing) : new ColumnSelectingTransformer(env, null, names, keepHidden, ignoreMissing);
    }

    /// <summary>A view exposing a subset of the input's columns.</summary>
    private sealed class SelectedView : IDataView, IRowToRowMapper
    {
        private readonly IDataView _input;
        private readonly int[] _map;

        public SelectedView(IDataView input, int[] map)
        {
            _input = input;
            _map = map;
            var builder = new DataViewSchema.Builder();
            foreach (int i in map) builder.AddColumn(input.Schema[i].Name, input.Schema[i].Type, input.Schema[i].Annotations);
            Schema = builder.ToSchema();
        }

        public DataViewSchema Schema { get; }
        public bool CanShuffle => _input.CanShuffle;
        public long? GetRowCount() => _input.GetRowCount();
        public DataViewSchema InputSchema => _input.Schema;
        public DataViewSchema OutputSchema => Schema;

        private IEnumerable<DataViewSchema.Column> ToInput(IEnumerable<DataViewSchema.Column> columns) =>
            columns.Select(c => { CursorChecks.CheckColumn(Schema, c); return _input.Schema[_map[c.Index]]; });

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
            new Cursor(this, _input.GetRowCursor(ToInput(columnsNeeded), rand));

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            _input.GetRowCursorSet(ToInput(columnsNeeded), n, rand).Select(c => (DataViewRowCursor)new Cursor(this, c)).ToArray();

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => ToInput(dependingColumns);

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) => new Row(this, input);

        private sealed class Row(SelectedView parent, DataViewRow input) : DataViewRow
        {
            public override long Position => input.Position;
            public override long Batch => input.Batch;
            public override DataViewSchema Schema => parent.Schema;
            public override bool IsColumnActive(DataViewSchema.Column column) => input.IsColumnActive(input.Schema[parent._map[column.Index]]);
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                CursorChecks.CheckColumn(Schema, column);
                return input.GetGetter<TValue>(input.Schema[parent._map[column.Index]]);
            }
            public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        }

        private sealed class Cursor(SelectedView parent, DataViewRowCursor input) : ForwardingCursor(input)
        {
            public override long Position => Input.Position;
            public override DataViewSchema Schema => parent.Schema;
            public override bool MoveNext() => Input.MoveNext();
            public override bool IsColumnActive(DataViewSchema.Column column) => Input.IsColumnActive(Input.Schema[parent._map[column.Index]]);
            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                CursorChecks.CheckColumn(Schema, column);
                return Input.GetGetter<TValue>(Input.Schema[parent._map[column.Index]]);
            }
        }
    }

    /// <summary>The environment.</summary>
    public IHostEnvironment Environment => _env;
}

/// <summary>Estimator for <see cref="ColumnSelectingTransformer"/>.</summary>
public sealed class ColumnSelectingEstimator : TrivialEstimator<ColumnSelectingTransformer>
{
    /// <summary>Keeps or drops columns; see <see cref="ColumnSelectingTransformer"/>.</summary>
    public ColumnSelectingEstimator(IHostEnvironment env, string[]? keepColumns, string[]? dropColumns, bool keepHidden = false, bool ignoreMissing = false)
        : base(env, new ColumnSelectingTransformer(env, keepColumns, dropColumns, keepHidden, ignoreMissing)) { }

    /// <inheritdoc/>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var t = Transformer;
        var names = t.KeepColumns ?? t.DropColumns!;
        foreach (var n in names)
            if (!t.IgnoreMissing && !inputSchema.TryFindColumn(n, out _))
                throw SchemaExceptions.ColumnNotFound("inputSchema", t.KeepColumns is null ? "Dropped" : "Selected", n, inputSchema.Select(c => c.Name));
        if (t.KeepColumns is not null)
            return new SchemaShape(t.KeepColumns.Where(n => inputSchema.TryFindColumn(n, out _)).Select(n => { inputSchema.TryFindColumn(n, out var c); return c; }));
        var drop = t.DropColumns!.ToHashSet();
        return new SchemaShape(inputSchema.Where(c => !drop.Contains(c.Name)));
    }
}
