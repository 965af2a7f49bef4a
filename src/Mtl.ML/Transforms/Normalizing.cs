using System.Reflection;

namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>
/// Applies a learned affine map per slot, <c>y = (x - offset) * scale</c>, to Single/Double scalar or vector columns, or
/// (for <c>useCdf</c>) the normal CDF of <c>(x - mean) / stddev</c>. Output columns carry <c>IsNormalized = true</c>.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class NormalizingTransformer : OneToOneTransformerBase
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "Normalizer";
    private static readonly VersionInfo Version = new("NORMALZR", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    /// <summary>The learned parameters of one column.</summary>
    /// <param name="Offset">Subtracted first (per slot).</param>
    /// <param name="Scale">Multiplied next (per slot).</param>
    /// <param name="UseCdf">Whether the output is the normal CDF of the standardized value.</param>
    public sealed record ColumnParameters(double[] Offset, double[] Scale, bool UseCdf);

    private readonly ColumnParameters[] _parameters;

    /// <summary>Creates a normalizer with known parameters.</summary>
    public NormalizingTransformer(IHostEnvironment env, (string outputColumnName, string inputColumnName)[] columns, ColumnParameters[] parameters)
        : base(env, nameof(NormalizingTransformer), columns)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Length != columns.Length) throw new ArgumentException("One parameter set per column is needed.", nameof(parameters));
        _parameters = parameters;
    }

    /// <summary>The learned parameters, one per column pair.</summary>
    public IReadOnlyList<ColumnParameters> Parameters => _parameters;

    /// <inheritdoc/>
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        if (!inputColumn.Type.IsFloatingPoint())
            throw InputTypeMismatch(pairIndex, "Single or Double, scalar or known-size vector", inputColumn.Type);
        if (inputColumn.Type.GetValueCount() != _parameters[pairIndex].Scale.Length)
            throw InputTypeMismatch(pairIndex, $"{_parameters[pairIndex].Scale.Length} values (as in training)", inputColumn.Type);
        return inputColumn.Type;
    }

    /// <inheritdoc/>
    protected override DataViewSchema.Annotations GetOutputAnnotations(int pairIndex, DataViewSchema.Column inputColumn)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        builder.Add(inputColumn.Annotations, k => k == AnnotationUtils.Kinds.SlotNames);
        builder.AddPrimitiveValue(AnnotationUtils.Kinds.IsNormalized, BooleanDataViewType.Instance, true);
        return builder.ToAnnotations();
    }

    /// <inheritdoc/>
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var p = _parameters[pairIndex];
        Func<double, int, double> f = p.UseCdf
            ? (x, i) => NormalCdf((x - p.Offset[i]) * p.Scale[i])
            : (x, i) => (x - p.Offset[i]) * p.Scale[i];
        bool isFloat = inputColumn.Type.GetItemType() == NumberDataViewType.Single;
        bool isVector = inputColumn.Type is VectorDataViewType;
        return (isFloat, isVector) switch
        {
            (true, false) => Scalar<float>(input, inputColumn, x => (float)f(x, 0)),
            (false, false) => Scalar<double>(input, inputColumn, x => f(x, 0)),
            (true, true) => Vector<float>(input, inputColumn, (x, i) => (float)f(x, i)),
            (false, true) => Vector<double>(input, inputColumn, f),
        };
    }

    private static ValueGetter<T> Scalar<T>(DataViewRow input, DataViewSchema.Column column, Func<double, T> f) where T : IConvertible
    {
        var g = input.GetGetter<T>(column);
        T v = default!;
        return (ref T dst) =>
        {
            g(ref v);
            dst = f(v.ToDouble(null));
        };
    }

    private static ValueGetter<VBuffer<T>> Vector<T>(DataViewRow input, DataViewSchema.Column column, Func<double, int, T> f) where T : IConvertible
    {
        var g = input.GetGetter<VBuffer<T>>(column);
        VBuffer<T> src = default;
        return (ref VBuffer<T> dst) =>
        {
            g(ref src);
            var editor = VBufferEditor.Create(ref dst, src.Length);
            int i = 0;
            foreach (var x in src.DenseValues()) { editor.Values[i] = f(x.ToDouble(null), i); i++; }
            dst = editor.Commit();
        };
    }

    /// <summary>The standard normal CDF (Abramowitz–Stegun 7.1.26 erf, absolute error below 1.5e-7).</summary>
    public static double NormalCdf(double z)
    {
        if (double.IsNaN(z)) return double.NaN;
        double x = Math.Abs(z) / Math.Sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        foreach (var p in _parameters)
        {
            ctx.Writer.Write(p.UseCdf);
            ctx.Writer.Write(p.Scale.Length);
            foreach (double o in p.Offset) ctx.Writer.Write(o);
            foreach (double s in p.Scale) ctx.Writer.Write(s);
        }
    }

    /// <summary>Loads a saved transformer.</summary>
    public static NormalizingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        var parameters = new ColumnParameters[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            bool cdf = ctx.Reader.ReadBoolean();
            int n = ctx.Reader.ReadInt32();
            if (n <= 0 || n > 100_000_000) throw new InvalidDataException($"Component '{ctx.Directory}' of {ctx.Source} declares {n} slots. The file is damaged.");
            var offset = new double[n];
            var scale = new double[n];
            for (int j = 0; j < n; j++) offset[j] = ctx.Reader.ReadDouble();
            for (int j = 0; j < n; j++) scale[j] = ctx.Reader.ReadDouble();
            parameters[i] = new ColumnParameters(offset, scale, cdf);
        }
        return new NormalizingTransformer(env, columns, parameters);
    }
}

/// <summary>Learns normalization parameters (<c>NormalizeMinMax</c>, <c>NormalizeMeanVariance</c>). NaN values are ignored when learning.</summary>
public sealed class NormalizingEstimator : EstimatorBase<NormalizingTransformer>
{
    /// <summary>The kind of normalization.</summary>
    public enum NormalizationMode
    {
        /// <summary>Scale into [0, 1] (or [-1, 1] with fixZero) from the observed minimum and maximum.</summary>
        MinMax,
        /// <summary>Subtract the mean and divide by the standard deviation (with fixZero: divide by the root mean square).</summary>
        MeanVariance,
    }

    /// <summary>The options of one column.</summary>
    /// <param name="OutputColumnName">The output column.</param>
    /// <param name="InputColumnName">The input column.</param>
    /// <param name="Mode">MinMax or MeanVariance.</param>
    /// <param name="MaximumExampleCount">How many rows to learn from at most.</param>
    /// <param name="EnsureZeroUntouched">fixZero: keep 0 mapped to 0 (no offset).</param>
    /// <param name="UseCdf">MeanVariance only: output the normal CDF of the standardized value.</param>
    public sealed record ColumnOptions(string OutputColumnName, string InputColumnName, NormalizationMode Mode,
        long MaximumExampleCount = 1000000000, bool EnsureZeroUntouched = true, bool UseCdf = false);

    private readonly ColumnOptions[] _columns;

    /// <summary>Creates the estimator.</summary>
    public NormalizingEstimator(IHostEnvironment env, params ColumnOptions[] columns) : base(env)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0) throw new ArgumentException("At least one column is needed.", nameof(columns));
        foreach (var c in columns)
        {
            if (c.MaximumExampleCount < 1) throw new ArgumentOutOfRangeException(nameof(columns), $"maximumExampleCount must be positive (column '{c.OutputColumnName}').");
            if (c.UseCdf && c.Mode != NormalizationMode.MeanVariance) throw new ArgumentException("useCdf applies to MeanVariance only.", nameof(columns));
        }
        _columns = columns;
    }

    /// <inheritdoc/>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToList();
        foreach (var c in _columns)
        {
            var col = SchemaExceptions.FindColumn(inputSchema, c.InputColumnName);
            if (col.IsKey || (col.ItemType != NumberDataViewType.Single && col.ItemType != NumberDataViewType.Double)
                || col.Kind == SchemaShape.Column.VectorKind.VariableVector)
                throw SchemaExceptions.Mismatch("inputSchema", "Input", c.InputColumnName, "Single or Double, scalar or known-size vector", col.GetTypeString());
            var annotations = new SchemaShape([new SchemaShape.Column(AnnotationUtils.Kinds.IsNormalized, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false)]);
            result.Add(new SchemaShape.Column(c.OutputColumnName, col.Kind, col.ItemType, false, annotations));
        }
        return new SchemaShape(result);
    }

    /// <inheritdoc/>
    protected override NormalizingTransformer FitCore(IDataView input)
    {
        var parameters = new NormalizingTransformer.ColumnParameters[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            var column = input.Schema[_columns[i].InputColumnName];
            var stats = column.Type.GetItemType() == NumberDataViewType.Single ? Gather<float>(input, column, _columns[i].MaximumExampleCount)
                : Gather<double>(input, column, _columns[i].MaximumExampleCount);
            parameters[i] = stats.ToParameters(_columns[i]);
        }
        return new NormalizingTransformer(Environment, _columns.Select(c => (c.OutputColumnName, c.InputColumnName)).ToArray(), parameters);
    }

    private sealed class SlotStats(int n)
    {
        public readonly double[] Min = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        public readonly double[] Max = Enumerable.Repeat(double.NegativeInfinity, n).ToArray();
        public readonly double[] Mean = new double[n];
        public readonly double[] M2 = new double[n];
        public readonly long[] Count = new long[n];

        public void Add(int i, double x)
        {
            if (double.IsNaN(x)) return;
            if (x < Min[i]) Min[i] = x;
            if (x > Max[i]) Max[i] = x;
            // Welford's update keeps the variance accurate for large counts.
            long c = ++Count[i];
            double delta = x - Mean[i];
            Mean[i] += delta / c;
            M2[i] += delta * (x - Mean[i]);
        }

        public NormalizingTransformer.ColumnParameters ToParameters(ColumnOptions options)
        {
            int n = Min.Length;
            var offset = new double[n];
            var scale = new double[n];
            for (int i = 0; i < n; i++)
            {
                if (Count[i] == 0) { scale[i] = 1; continue; }
                if (options.Mode == NormalizationMode.MinMax)
                {
                    if (options.EnsureZeroUntouched)
                    {
                        double m = Math.Max(Math.Abs(Min[i]), Math.Abs(Max[i]));
                        scale[i] = m > 0 ? 1 / m : 1;
                    }
                    else
                    {
                        offset[i] = Min[i];
                        scale[i] = Max[i] > Min[i] ? 1 / (Max[i] - Min[i]) : 1;
                    }
                }
                else
                {
                    // Population variance, as ML.NET uses for normalization.
                    double variance = M2[i] / Count[i];
                    if (options.UseCdf || !options.EnsureZeroUntouched)
                    {
                        offset[i] = Mean[i];
                        scale[i] = variance > 0 ? 1 / Math.Sqrt(variance) : 1;
                    }
                    else
                    {
                        double rms = Math.Sqrt(Mean[i] * Mean[i] + variance);
                        scale[i] = rms > 0 ? 1 / rms : 1;
                    }
                }
            }
            return new NormalizingTransformer.ColumnParameters(offset, scale, options.UseCdf);
        }
    }

    private static SlotStats Gather<T>(IDataView data, DataViewSchema.Column column, long maxRows) where T : IConvertible
    {
        int n = column.Type.GetValueCount();
        var stats = new SlotStats(n);
        using var cursor = data.GetRowCursor([column]);
        long rows = 0;
        if (column.Type is VectorDataViewType)
        {
            var g = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> v = default;
            while (rows++ < maxRows && cursor.MoveNext())
            {
                g(ref v);
                if (v.Length != n) throw new InvalidOperationException($"Row {cursor.Position} of column '{column.Name}' has {v.Length} values; the type says {n}.");
                int i = 0;
                foreach (var x in v.DenseValues()) stats.Add(i++, x.ToDouble(null));
            }
        }
        else
        {
            var g = cursor.GetGetter<T>(column);
            T x = default!;
            while (rows++ < maxRows && cursor.MoveNext())
            {
                g(ref x);
                stats.Add(0, x.ToDouble(null));
            }
        }
        return stats;
    }
}
