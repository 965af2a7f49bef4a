using System.Reflection;

namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>Maps keys back to their values using the column's <see cref="AnnotationUtils.Kinds.KeyValues"/> (key 0 or out of range → default value, NaN for floats).</summary>
[ModelLoader(LoaderSignature)]
public sealed class KeyToValueMappingTransformer : OneToOneTransformerBase
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "KeyToValueTransform";
    private static readonly VersionInfo Version = new("KEY2VALT", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    /// <summary>Maps each input key column to its values.</summary>
    public KeyToValueMappingTransformer(IHostEnvironment env, params (string outputColumnName, string inputColumnName)[] columns)
        : base(env, nameof(KeyToValueMappingTransformer), columns) { }

    private VectorDataViewType KeyValuesType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        if (inputColumn.Type.GetItemType() is not KeyDataViewType)
            throw InputTypeMismatch(pairIndex, "a key type or vector of keys", inputColumn.Type);
        var kv = inputColumn.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues);
        if (kv is null || kv.Value.Type is not VectorDataViewType vt || !inputColumn.HasKeyValues())
            throw SchemaExceptions.Mismatch("inputSchema", "Input", inputColumn.Name, "a key column with KeyValues annotations (e.g. from MapValueToKey)", $"{inputColumn.Type} without key values");
        return vt;
    }

    /// <inheritdoc/>
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        var item = KeyValuesType(pairIndex, inputColumn).ItemType;
        return inputColumn.Type is VectorDataViewType v ? new VectorDataViewType(item, v.Dimensions) : item;
    }

    /// <inheritdoc/>
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        if (!inputColumn.IsKey)
            throw InputTypeMismatch(pairIndex, "a key type or vector of keys", inputColumn.ItemType);
        if (!inputColumn.Annotations.TryFindColumn(AnnotationUtils.Kinds.KeyValues, out var kv))
            throw SchemaExceptions.Mismatch("inputSchema", "Input", inputColumn.Name, "a key column with KeyValues annotations", inputColumn.GetTypeString());
        return new SchemaShape.Column(ColumnPairs[pairIndex].outputColumnName, inputColumn.Kind, kv.ItemType, false);
    }

    /// <inheritdoc/>
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var item = KeyValuesType(pairIndex, inputColumn).ItemType;
        var method = typeof(KeyToValueMappingTransformer).GetMethod(nameof(MakeTypedGetter), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(inputColumn.Type.GetItemType().RawType, item.RawType);
        return (Delegate)method.Invoke(null, [input, inputColumn])!;
    }

    private static Delegate MakeTypedGetter<TKey, TValue>(DataViewRow input, DataViewSchema.Column column)
    {
        VBuffer<TValue> keyValues = default;
        column.GetKeyValues(ref keyValues);
        var values = keyValues.DenseValues().ToArray();
        TValue missing = typeof(TValue) == typeof(float) ? (TValue)(object)float.NaN
            : typeof(TValue) == typeof(double) ? (TValue)(object)double.NaN : default!;
        TValue Lookup(TKey key)
        {
            ulong k = KeyDataViewType.ToUInt64(key);
            return k >= 1 && k <= (ulong)values.Length ? values[k - 1] : missing;
        }
        if (column.Type is VectorDataViewType)
        {
            var g = input.GetGetter<VBuffer<TKey>>(column);
            VBuffer<TKey> src = default;
            ValueGetter<VBuffer<TValue>> vector = (ref VBuffer<TValue> dst) =>
            {
                g(ref src);
                var editor = VBufferEditor.Create(ref dst, src.Length);
                int i = 0;
                foreach (var key in src.DenseValues()) editor.Values[i++] = Lookup(key);
                dst = editor.Commit();
            };
            return vector;
        }
        var sg = input.GetGetter<TKey>(column);
        TKey value = default!;
        ValueGetter<TValue> scalar = (ref TValue dst) =>
        {
            sg(ref value);
            dst = Lookup(value);
        };
        return scalar;
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
    }

    /// <summary>Loads a saved transformer.</summary>
    public static KeyToValueMappingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        return new KeyToValueMappingTransformer(env, LoadColumns(ctx));
    }
}

/// <summary>Estimator for <see cref="KeyToValueMappingTransformer"/> (<c>MapKeyToValue</c>).</summary>
public sealed class KeyToValueMappingEstimator : TrivialOneToOneEstimator<KeyToValueMappingTransformer>
{
    /// <summary>Maps keys of <paramref name="inputColumnName"/> (default: the output name) back to values.</summary>
    public KeyToValueMappingEstimator(IHostEnvironment env, string outputColumnName, string? inputColumnName = null)
        : base(env, new KeyToValueMappingTransformer(env, (outputColumnName, inputColumnName ?? outputColumnName))) { }

    /// <summary>Maps keys back to values for several columns.</summary>
    public KeyToValueMappingEstimator(IHostEnvironment env, params (string outputColumnName, string inputColumnName)[] columns)
        : base(env, new KeyToValueMappingTransformer(env, columns)) { }
}
