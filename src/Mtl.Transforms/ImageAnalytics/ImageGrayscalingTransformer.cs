using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>
/// Converts images to gray (ML.NET's <c>ImageGrayscalingTransformer</c>): BT.601 luma, output
/// <see cref="MLPixelFormat.Gray8"/> images of the same size.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class ImageGrayscalingTransformer : OneToOneTransformerBase<MLImage, MLImage>
{
    /// <summary>Loader signature in model files.</summary>
    public const string LoaderSignature = "ImageGrayscaleTransform";
    private static readonly VersionInfo Version = new("IMGGRAYT", 0x00010001, 0x00010001, 0x00010001, "Mtl.Transforms", LoaderSignature);

    /// <summary>Creates the transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="columns">(output, input) column pairs.</param>
    public ImageGrayscalingTransformer(IHostEnvironment environment, params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, "ConvertToGrayscale", columns) { }

    /// <inheritdoc />
    protected override DataViewType GetOutputTypeCore(int pairIndex, DataViewSchema.Column inputColumn) => inputColumn.Type;

    /// <inheritdoc />
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        if (inputColumn.ItemType is not ImageDataViewType || inputColumn.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw SchemaExceptions.Mismatch("inputSchema", "Input", inputColumn.Name, "Image", inputColumn.GetTypeString());
        return new SchemaShape.Column(ColumnPairs[pairIndex].outputColumnName, SchemaShape.Column.VectorKind.Scalar, inputColumn.ItemType, false);
    }

    /// <inheritdoc />
    protected override void Map(int pairIndex, in MLImage source, ref MLImage destination, in RowInfo row)
    {
        if (source is null) throw new InvalidDataException($"ConvertToGrayscale: row {row.Position} of column '{ColumnPairs[pairIndex].inputColumnName}' holds no image.");
        destination = source.ConvertTo(MLPixelFormat.Gray8);
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
    }

    /// <summary>Loads a saved transformer.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="ctx">The load context.</param>
    public static ImageGrayscalingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        return new ImageGrayscalingTransformer(env, LoadColumns(ctx));
    }
}

/// <summary>Estimator of <see cref="ImageGrayscalingTransformer"/> (no training).</summary>
public sealed class ImageGrayscalingEstimator : TrivialOneToOneEstimator<ImageGrayscalingTransformer>
{
    /// <summary>Wraps a transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="transformer">The transformer.</param>
    public ImageGrayscalingEstimator(IHostEnvironment environment, ImageGrayscalingTransformer transformer) : base(environment, transformer) { }
}
