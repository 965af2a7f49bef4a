namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>Loading, splitting and reshaping data (<c>mlContext.Data</c>).</summary>
public sealed class DataOperationsCatalog : CatalogBase
{
    internal DataOperationsCatalog(IHostEnvironment environment) : base(environment) { }

    /// <summary>A train/test pair returned by <see cref="TrainTestSplit"/>.</summary>
    public sealed class TrainTestData
    {
        /// <summary>The training part.</summary>
        public IDataView TrainSet { get; }
        /// <summary>The test part.</summary>
        public IDataView TestSet { get; }

        /// <summary>Creates a pair.</summary>
        public TrainTestData(IDataView trainSet, IDataView testSet)
        {
            TrainSet = trainSet;
            TestSet = testSet;
        }
    }

    /// <summary>
    /// A view over objects: each public field or property becomes a column ([ColumnName], [VectorType], [KeyType], [NoColumn] apply).
    /// The view reads the sequence lazily each time a cursor runs; a list also supports shuffling.
    /// </summary>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data, SchemaDefinition? schemaDefinition = null) where TRow : class =>
        new EnumerableDataView<TRow>(data, schemaDefinition);

    /// <summary>
    /// Reads the rows of <paramref name="data"/> as objects. Columns are matched to members by name (or [ColumnName]); a member
    /// without a column is an error unless <paramref name="ignoreMissingColumns"/>. With <paramref name="reuseRowObject"/>, one
    /// object is filled again for every row.
    /// </summary>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false,
        SchemaDefinition? schemaDefinition = null) where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var definition = schemaDefinition ?? SchemaDefinition.Create(typeof(TRow), SchemaDefinition.Direction.Write);
        var bindings = new List<(System.Reflection.MemberInfo Member, DataViewSchema.Column Column)>();
        foreach (var c in definition)
        {
            var column = data.Schema.GetColumnOrNull(c.ColumnName);
            if (column is null)
            {
                if (ignoreMissingColumns) continue;
                throw SchemaExceptions.ColumnNotFound(nameof(data), "Source", c.ColumnName, data.Schema.Where(x => !x.IsHidden).Select(x => x.Name));
            }
            bindings.Add((MemberAccess.Find(typeof(TRow), c.MemberName), column.Value));
        }
        return Enumerate<TRow>(data, bindings, reuseRowObject);
    }

    private static IEnumerable<TRow> Enumerate<TRow>(IDataView data, List<(System.Reflection.MemberInfo Member, DataViewSchema.Column Column)> bindings, bool reuse)
        where TRow : class, new()
    {
        using var cursor = data.GetRowCursor(bindings.Select(b => b.Column));
        var setters = bindings.Select(b => MemberAccess.MakeSetter(b.Member, cursor, b.Column)).ToArray();
        TRow? shared = null;
        while (cursor.MoveNext())
        {
            var row = reuse ? shared ??= new TRow() : new TRow();
            foreach (var set in setters) set(row);
            yield return row;
        }
    }

    /// <summary>
    /// Splits rows at random into a train and a test set (<paramref name="testFraction"/> of rows in the test set), lazily and
    /// reproducibly: each row's side depends only on the seed and the row's id (or, with <paramref name="samplingKeyColumnName"/>,
    /// on that column's value, so rows sharing a value stay together).
    /// </summary>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"testFraction must be strictly between 0 and 1, got {testFraction}.");
        int resolvedSeed = Environment.ResolveSeed(seed);
        DataViewSchema.Column? keyColumn = samplingKeyColumnName is null ? null
            : SchemaExceptions.FindColumn(data.Schema, samplingKeyColumnName, "Sampling key", nameof(samplingKeyColumnName));
        if (keyColumn is { Type: VectorDataViewType })
            throw SchemaExceptions.Mismatch(nameof(samplingKeyColumnName), "Sampling key", samplingKeyColumnName!, "a scalar column", keyColumn.Value.Type.ToString()!);

        Func<DataViewRow, Func<double>> makeDraw = row =>
        {
            Func<ulong> hash = keyColumn is DataViewSchema.Column k ? ValueHashing.MakeHasher(row, k) : IdHasher(row);
            return () => ValueHashing.ToUnit(ValueHashing.Mix(hash() ^ ValueHashing.Mix((ulong)resolvedSeed)));
        };
        var needed = keyColumn is DataViewSchema.Column kc ? new[] { kc } : [];
        var test = new FilterDataView(data, needed, row => { var u = makeDraw(row); return () => u() < testFraction; });
        var train = new FilterDataView(data, needed, row => { var u = makeDraw(row); return () => u() >= testFraction; });
        return new TrainTestData(train, test);
    }

    private static Func<ulong> IdHasher(DataViewRow row)
    {
        var getter = row.GetIdGetter();
        return () =>
        {
            DataViewRowId id = default;
            getter(ref id);
            return id.Low ^ ValueHashing.Mix(id.High);
        };
    }

    /// <summary>
    /// Shuffles the rows. When the input supports random order (lists, caches) the result is an exact permutation;
    /// otherwise rows go through a pool of <paramref name="shufflePoolSize"/> rows.
    /// </summary>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ShuffleDataView(input, Environment.ResolveSeed(seed), shufflePoolSize, shuffleSource);
    }

    /// <summary>Caches the input in memory (each column when first read). Use before steps that read the data several times.</summary>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cache = new CacheDataView(input);
        if (columnsToPrefetch is { Length: > 0 })
        {
            var columns = columnsToPrefetch.Select(n => SchemaExceptions.FindColumn(input.Schema, n, "Prefetch", nameof(columnsToPrefetch)));
            using var cursor = cache.GetRowCursor(columns);
        }
        return cache;
    }

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public IDataView TakeRows(IDataView input, long count) => new SkipTakeDataView(input, 0, count);

    /// <summary>All rows but the first <paramref name="count"/>.</summary>
    public IDataView SkipRows(IDataView input, long count) => new SkipTakeDataView(input, count, long.MaxValue);

    /// <summary>
    /// Keeps the rows whose value in numeric column <paramref name="columnName"/> lies in [<paramref name="lowerBound"/>,
    /// <paramref name="upperBound"/>); rows with NaN are dropped.
    /// </summary>
    public IDataView FilterRowsByColumn(IDataView input, string columnName, double lowerBound = double.NegativeInfinity, double upperBound = double.PositiveInfinity)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(lowerBound < upperBound))
            throw new ArgumentOutOfRangeException(nameof(upperBound), $"The upper bound ({upperBound}) must be greater than the lower bound ({lowerBound}).");
        var column = SchemaExceptions.FindColumn(input.Schema, columnName, "Filter", nameof(columnName));
        if (column.Type is not NumberDataViewType)
            throw SchemaExceptions.Mismatch(nameof(columnName), "Filter", columnName, "a numeric scalar column", column.Type.ToString()!);
        return new FilterDataView(input, [column], row =>
        {
            var read = NumericReader.Make(row, column);
            return () =>
            {
                double v = read();
                return v >= lowerBound && v < upperBound;
            };
        });
    }
}
