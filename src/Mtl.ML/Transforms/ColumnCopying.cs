namespace Mtl.ML.Transforms;

using Mtl.ML.Data;

/// <summary>Copies columns under new names (annotations included).</summary>
[ModelLoader(LoaderSignature)]
public sealed class ColumnCopyingTransformer : OneToOneTransformerBase
{
    /// <summary>The loader signature.</summary>
    public const string LoaderSignature = "CopyTransform";
    private static readonly VersionInfo Version = new("COPYCOLS", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", LoaderSignature);

    /// <summary>Copies each input column to its output column.</summary>
    public ColumnCopyingTransformer(IHostEnvironment env, params (string outputColumnName, string inputColumnName)[] columns)
        : base(env, nameof(ColumnCopyingTransformer), columns) { }

    /// <inheritdoc/>
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn) => inputColumn.Type;

    /// <inheritdoc/>
    protected override DataViewSchema.Annotations GetOutputAnnotations(int pairIndex, DataViewSchema.Column inputColumn) => inputColumn.Annotations;

    /// <inheritdoc/>
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn) =>
        new(ColumnPairs[pairIndex].outputColumnName, inputColumn.Kind, inputColumn.ItemType, inputColumn.IsKey, inputColumn.Annotations);

    /// <inheritdoc/>
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var method = typeof(ColumnCopyingTransformer).GetMethod(nameof(CopyGetter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(inputColumn.Type.RawType);
        return (Delegate)method.Invoke(null, [input, inputColumn])!;
    }

    private static ValueGetter<T> CopyGetter<T>(DataViewRow input, DataViewSchema.Column column)
    {
        var getter = input.GetGetter<T>(column);
        var copy = ValueCopier.For<T>();
        T temp = default!;
        // Copy so that writing into the output never aliases the input's buffers.
        return (ref T value) =>
        {
            getter(ref temp);
            copy(in temp, ref value);
        };
    }

    /// <inheritdoc/>
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
    }

    /// <summary>Loads a saved transformer.</summary>
    public static ColumnCopyingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        return new ColumnCopyingTransformer(env, LoadColumns(ctx));
    }
}

/// <summary>Estimator for <see cref="ColumnCopyingTransformer"/>.</summary>
public sealed class ColumnCopyingEstimator : TrivialOneToOneEstimator<ColumnCopyingTransformer>
{
    /// <summary>Copies <paramref name="inputColumnName"/> to <paramref name="outputColumnName"/>.</summary>
    public ColumnCopyingEstimator(IHostEnvironment env, string outputColumnName, string inputColumnName)
        : this(env, (outputColumnName, inputColumnName)) { }

    /// <summary>Copies each pair.</summary>
    public ColumnCopyingEstimator(IHostEnvironment env, params (string outputColumnName, string inputColumnName)[] columns)
        : base(env, new ColumnCopyingTransformer(env, columns)) { }
}
