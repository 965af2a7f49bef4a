using System.Reflection;

namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>Equality for column values (text compares characters, floats treat NaN as missing elsewhere).</summary>
internal sealed class ValueComparer<T> : IEqualityComparer<T>
{
    public static readonly IEqualityComparer<T> Instance = typeof(T) == typeof(ReadOnlyMemory<char>)
        ? (IEqualityComparer<T>)(object)new TextComparer()
        : EqualityComparer<T>.Default;

    public bool Equals(T? x, T? y) => Instance.Equals(x, y);
    public int GetHashCode(T obj) => Instance.GetHashCode(obj!);

    private sealed class TextComparer : IEqualityComparer<ReadOnlyMemory<char>>
    {
        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);
        public int GetHashCode(ReadOnlyMemory<char> obj) => string.GetHashCode(obj.Span);
    }
}

/// <summary>The learned dictionary of one column: value → key (1-based).</summary>
internal abstract class TermMap
{
    public abstract PrimitiveDataViewType ItemType { get; }
    public abstract int Count { get; }
    public abstract void Write(BinaryWriter writer);
    public abstract Delegate MakeKeyGetter(DataViewRow input, DataViewSchema.Column column);
    public abstract DataViewSchema.Annotations MakeAnnotations(bool asText);

    public static TermMap Create(PrimitiveDataViewType itemType, IEnumerable<object> values) =>
        (TermMap)Activator.CreateInstance(typeof(TermMap<>).MakeGenericType(itemType.RawType), itemType, values)!;

    public static bool IsMissing<T>(T value) => value switch
    {
        float f => float.IsNaN(f),
        double d => double.IsNaN(d),
        ReadOnlyMemory<char> t => t.IsEmpty,
        _ => false,
    };
}

internal sealed class TermMap<T> : TermMap where T : notnull
{
    private readonly T[] _terms;
    private readonly Dictionary<T, uint> _keys;

    public TermMap(PrimitiveDataViewType itemType, IEnumerable<object> values)
    {
        ItemType = itemType;
        _terms = values.Cast<T>().ToArray();
        _keys = new Dictionary<T, uint>(ValueComparer<T>.Instance);
        for (int i = 0; i < _terms.Length; i++) _keys[_terms[i]] = (uint)(i + 1);
    }

    public override PrimitiveDataViewType ItemType { get; }
    public override int Count => _terms.Length;

    public uint KeyOf(T value) => _keys.TryGetValue(value, out uint k) ? k : 0;

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_terms.Length);
        var vector = new VBuffer<T>(_terms.Length, _terms);
        DataViewTypeCodec.WriteValue(writer, new VectorDataViewType(ItemType, _terms.Length), vector);
    }

    public override Delegate MakeKeyGetter(DataViewRow input, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var g = input.GetGetter<VBuffer<T>>(column);
            VBuffer<T> src = default;
            ValueGetter<VBuffer<uint>> vector = (ref VBuffer<uint> dst) =>
            {
                g(ref src);
                var editor = VBufferEditor.Create(ref dst, src.Length);
                int i = 0;
                foreach (var v in src.DenseValues()) editor.Values[i++] = KeyOf(v);
                dst = editor.Commit();
            };
            return vector;
        }
        var sg = input.GetGetter<T>(column);
        T value = default!;
        ValueGetter<uint> scalar = (ref uint dst) =>
        {
            sg(ref value);
            dst = KeyOf(value);
        };
        return scalar;
    }

    public override DataViewSchema.Annotations MakeAnnotations(bool asText)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (asText && ItemType is not TextDataViewType)
        {
            var text = _terms.Select(t => (t?.ToString() ?? "").AsMemory()).ToArray();
            builder.AddKeyValues(text.Length, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> dst) => new VBuffer<ReadOnlyMemory<char>>(text.Length, text).CopyTo(ref dst));
        }
        else
            builder.AddKeyValues(_terms.Length, ItemType, (ref VBuffer<T> dst) => new VBuffer<T>(_terms.Length, _terms).CopyTo(ref dst));
        return builder.ToAnnotations();
    }
}

/// <summary>Maps values to keys (1-based; 0 for values not seen in training and for missing values such as NaN or empty text).</summary>
[ModelLoader(LoaderSignature)]
public sealed class ValueToKeyMappingTransformer : OneToOneTransformerBase
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "TermTransform";
    private static readonly VersionInfo Version = new("TERMTRNF", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    private readonly TermMap[] _maps;
    private readonly bool[] _textAnnotations;

    internal ValueToKeyMappingTransformer(IHostEnvironment env, (string outputColumnName, string inputColumnName)[] columns, TermMap[] maps, bool[] textAnnotations)
        : base(env, nameof(ValueToKeyMappingTransformer), columns)
    {
        _maps = maps;
        _textAnnotations = textAnnotations;
    }

    /// <summary>The number of keys learned for each column pair.</summary>
    public IReadOnlyList<int> KeyCounts => _maps.Select(m => m.Count).ToArray();

    /// <inheritdoc/>
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        var map = _maps[pairIndex];
        if (inputColumn.Type.GetItemType() != map.ItemType)
            throw InputTypeMismatch(pairIndex, $"{map.ItemType} or a vector of it (the type seen in training)", inputColumn.Type);
        var key = new KeyDataViewType(typeof(uint), map.Count);
        return inputColumn.Type is VectorDataViewType v ? new VectorDataViewType(key, v.Dimensions) : key;
    }

    /// <inheritdoc/>
    protected override DataViewSchema.Annotations GetOutputAnnotations(int pairIndex, DataViewSchema.Column inputColumn) =>
        _maps[pairIndex].MakeAnnotations(_textAnnotations[pairIndex]);

    /// <inheritdoc/>
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        return _maps[pairIndex].MakeKeyGetter(input, inputColumn);
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        for (int i = 0; i < _maps.Length; i++)
        {
            DataViewTypeCodec.Write(ctx.Writer, _maps[i].ItemType);
            ctx.Writer.Write(_textAnnotations[i]);
            _maps[i].Write(ctx.Writer);
        }
    }

    /// <summary>Loads a saved transformer.</summary>
    public static ValueToKeyMappingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        var maps = new TermMap[columns.Length];
        var text = new bool[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            var itemType = DataViewTypeCodec.Read(ctx.Reader) as PrimitiveDataViewType
                ?? throw new InvalidDataException($"Component '{ctx.Directory}' of {ctx.Source} has a non-primitive key item type. The file is damaged.");
            text[i] = ctx.Reader.ReadBoolean();
            int count = ctx.Reader.ReadInt32();
            var values = DataViewTypeCodec.ReadValue(ctx.Reader, new VectorDataViewType(itemType, Math.Max(count, 1)));
            maps[i] = TermMap.Create(itemType, Unbox(values));
        }
        return new ValueToKeyMappingTransformer(env, columns, maps, text);
    }

    private static IEnumerable<object> Unbox(object vector)
    {
        var dense = vector.GetType().GetMethod(nameof(VBuffer<int>.DenseValues))!.Invoke(vector, null)!;
        foreach (var item in (System.Collections.IEnumerable)dense) yield return item!;
    }
}

/// <summary>Learns the keys of columns (<c>MapValueToKey</c>).</summary>
public sealed class ValueToKeyMappingEstimator : EstimatorBase<ValueToKeyMappingTransformer>
{
    /// <summary>The order in which keys are assigned.</summary>
    public enum KeyOrdinality
    {
        /// <summary>In the order values are first seen.</summary>
        ByOccurrence = 0,
        /// <summary>In sorted order of the values.</summary>
        ByValue = 1,
    }

    /// <summary>Default values of the options.</summary>
    public static class Defaults
    {
        /// <summary>The maximum number of keys per column.</summary>
        public const int MaximumNumberOfKeys = 1000000;
        /// <summary>The key order.</summary>
        public const KeyOrdinality Ordinality = KeyOrdinality.ByOccurrence;
        /// <summary>Whether key values are stored as text.</summary>
        public const bool AddKeyValueAnnotationsAsText = false;
    }

    private readonly (string outputColumnName, string inputColumnName)[] _columns;
    private readonly int _maximumNumberOfKeys;
    private readonly KeyOrdinality _ordinality;
    private readonly bool _asText;
    private readonly IDataView? _keyData;

    /// <summary>Learns keys for <paramref name="inputColumnName"/> (default: the output name) into <paramref name="outputColumnName"/>.</summary>
    public ValueToKeyMappingEstimator(IHostEnvironment env, string outputColumnName, string? inputColumnName = null,
        int maximumNumberOfKeys = Defaults.MaximumNumberOfKeys, KeyOrdinality keyOrdinality = Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = Defaults.AddKeyValueAnnotationsAsText, IDataView? keyData = null)
        : this(env, [(outputColumnName, inputColumnName ?? outputColumnName)], maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData) { }

    /// <summary>Learns keys for several columns.</summary>
    public ValueToKeyMappingEstimator(IHostEnvironment env, (string outputColumnName, string inputColumnName)[] columns,
        int maximumNumberOfKeys = Defaults.MaximumNumberOfKeys, KeyOrdinality keyOrdinality = Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = Defaults.AddKeyValueAnnotationsAsText, IDataView? keyData = null) : base(env)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (maximumNumberOfKeys < 1) throw new ArgumentOutOfRangeException(nameof(maximumNumberOfKeys), "At least one key must be allowed.");
        _columns = columns.Select(c => (c.outputColumnName, string.IsNullOrEmpty(c.inputColumnName) ? c.outputColumnName : c.inputColumnName)).ToArray();
        _maximumNumberOfKeys = maximumNumberOfKeys;
        _ordinality = keyOrdinality;
        _asText = addKeyValueAnnotationsAsText;
        _keyData = keyData;
    }

    /// <inheritdoc/>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToList();
        foreach (var (output, input) in _columns)
        {
            var col = SchemaExceptions.FindColumn(inputSchema, input);
            if (col.ItemType is not PrimitiveDataViewType)
                throw SchemaExceptions.Mismatch("inputSchema", "Input", input, "a primitive type or vector of primitives", col.GetTypeString());
            var kv = new SchemaShape([new SchemaShape.Column(AnnotationUtils.Kinds.KeyValues, SchemaShape.Column.VectorKind.Vector,
                _asText ? TextDataViewType.Instance : col.ItemType, false)]);
            result.Add(new SchemaShape.Column(output, col.Kind, NumberDataViewType.UInt32, true, kv));
        }
        return new SchemaShape(result);
    }

    /// <inheritdoc/>
    protected override ValueToKeyMappingTransformer FitCore(IDataView input)
    {
        var source = _keyData ?? input;
        var maps = new TermMap[_columns.Length];
        for (int i = 0; i < _columns.Length; i++)
        {
            string name = _keyData is null ? _columns[i].inputColumnName : _keyData.Schema.Count == 1 ? _keyData.Schema[0].Name : _columns[i].inputColumnName;
            var column = SchemaExceptions.FindColumn(source.Schema, name, _keyData is null ? "Input" : "Key data", _keyData is null ? "input" : "keyData");
            var item = column.Type.GetItemType() as PrimitiveDataViewType
                ?? throw SchemaExceptions.Mismatch("input", "Input", name, "a primitive type or vector of primitives", column.Type.ToString()!);
            var method = typeof(ValueToKeyMappingEstimator).GetMethod(nameof(Collect), BindingFlags.NonPublic | BindingFlags.Instance)!.MakeGenericMethod(item.RawType);
            var values = (List<object>)method.Invoke(this, [source, column])!;
            if (values.Count == 0)
                throw new InvalidOperationException($"Column '{name}' has no non-missing values to build keys from. Check the data.");
            maps[i] = TermMap.Create(item, values);
            if (_keyData is not null && item != input.Schema[_columns[i].inputColumnName].Type.GetItemType())
                throw SchemaExceptions.Mismatch("keyData", "Key data", name, input.Schema[_columns[i].inputColumnName].Type.GetItemType().ToString()!, item.ToString()!);
        }
        Environment.WriteLog(ChannelMessageKind.Info, nameof(ValueToKeyMappingEstimator),
            $"Learned {string.Join(", ", _columns.Select((c, i) => $"{maps[i].Count} keys for '{c.outputColumnName}'"))}.");
        return new ValueToKeyMappingTransformer(Environment, _columns, maps, _columns.Select(_ => _asText).ToArray());
    }

    private List<object> Collect<T>(IDataView data, DataViewSchema.Column column)
    {
        var seen = new HashSet<T>(ValueComparer<T>.Instance);
        var order = new List<T>();
        using var cursor = data.GetRowCursor([column]);
        void Add(T v)
        {
            if (TermMap.IsMissing(v) || seen.Count >= _maximumNumberOfKeys) return;
            if (seen.Add(v)) order.Add(v);
        }
        if (column.Type is VectorDataViewType)
        {
            var g = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            while (cursor.MoveNext())
            {
                g(ref buffer);
                foreach (var v in buffer.DenseValues()) Add(CopyText(v));
            }
        }
        else
        {
            var g = cursor.GetGetter<T>(column);
            T value = default!;
            while (cursor.MoveNext())
            {
                g(ref value);
                Add(CopyText(value));
            }
        }
        if (_ordinality == KeyOrdinality.ByValue)
            order.Sort(typeof(T) == typeof(ReadOnlyMemory<char>)
                ? (Comparison<T>)(object)(Comparison<ReadOnlyMemory<char>>)((a, b) => a.Span.SequenceCompareTo(b.Span))
                : Comparer<T>.Default.Compare);
        return order.Cast<object>().ToList();
    }

    // Text values may point into buffers the source reuses; keep our own copy.
    private static T CopyText<T>(T value) => value is ReadOnlyMemory<char> text ? (T)(object)text.ToString().AsMemory() : value;
}
