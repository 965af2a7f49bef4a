using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>
/// Resizes images to a fixed size (ML.NET's <c>ImageResizingTransformer</c>) with stb_image_resize:
/// <see cref="ImageResizingEstimator.ResizingKind.Fill"/> stretches, <c>IsoPad</c> keeps the aspect
/// ratio and pads with black, <c>IsoCrop</c> keeps the aspect ratio and crops at the anchor.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class ImageResizingTransformer : OneToOneTransformerBase<MLImage, MLImage>
{
    /// <summary>Loader signature in model files.</summary>
    public const string LoaderSignature = "ImageScalerTransform";
    private static readonly VersionInfo Version = new("IMGSCALF", 0x00010001, 0x00010001, 0x00010001, "Mtl.Transforms", LoaderSignature);

    /// <summary>Creates the transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="imageWidth">Target width.</param>
    /// <param name="imageHeight">Target height.</param>
    /// <param name="resizing">How the aspect ratio is handled.</param>
    /// <param name="cropAnchor">Where to crop (IsoCrop) or place the image (IsoPad).</param>
    /// <param name="columns">(output, input) column pairs.</param>
    public ImageResizingTransformer(IHostEnvironment environment, int imageWidth, int imageHeight,
        ImageResizingEstimator.ResizingKind resizing, ImageResizingEstimator.Anchor cropAnchor,
        params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, "ResizeImages", columns)
    {
        if (imageWidth < 1 || imageHeight < 1)
            throw new ArgumentOutOfRangeException(nameof(imageWidth), $"ResizeImages: target size {imageWidth}×{imageHeight} must be at least 1×1.");
        if (!Enum.IsDefined(resizing)) throw new ArgumentOutOfRangeException(nameof(resizing), resizing, "Unknown resizing kind.");
        if (!Enum.IsDefined(cropAnchor)) throw new ArgumentOutOfRangeException(nameof(cropAnchor), cropAnchor, "Unknown anchor.");
        ImageWidth = imageWidth;
        ImageHeight = imageHeight;
        Resizing = resizing;
        CropAnchor = cropAnchor;
    }

    /// <summary>Target width.</summary>
    public int ImageWidth { get; }
    /// <summary>Target height.</summary>
    public int ImageHeight { get; }
    /// <summary>Aspect-ratio handling.</summary>
    public ImageResizingEstimator.ResizingKind Resizing { get; }
    /// <summary>Crop / placement anchor.</summary>
    public ImageResizingEstimator.Anchor CropAnchor { get; }

    /// <inheritdoc />
    protected override DataViewType GetOutputTypeCore(int pairIndex, DataViewSchema.Column inputColumn) => new ImageDataViewType(ImageHeight, ImageWidth);

    /// <inheritdoc />
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        if (inputColumn.ItemType is not ImageDataViewType || inputColumn.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw SchemaExceptions.Mismatch("inputSchema", "Input", inputColumn.Name, "Image", inputColumn.GetTypeString());
        return new SchemaShape.Column(ColumnPairs[pairIndex].outputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(ImageHeight, ImageWidth), false);
    }

    /// <inheritdoc />
    protected override void Map(int pairIndex, in MLImage source, ref MLImage destination, in RowInfo row)
    {
        if (source is null) throw new InvalidDataException($"ResizeImages: row {row.Position} of column '{ColumnPairs[pairIndex].inputColumnName}' holds no image.");
        destination = Resize(source, ImageWidth, ImageHeight, Resizing, CropAnchor);
    }

    /// <summary>Resizes one image the way the transformer does.</summary>
    /// <param name="image">The image.</param>
    /// <param name="width">Target width.</param>
    /// <param name="height">Target height.</param>
    /// <param name="resizing">Aspect-ratio handling.</param>
    /// <param name="anchor">Crop / placement anchor.</param>
    public static MLImage Resize(MLImage image, int width, int height, ImageResizingEstimator.ResizingKind resizing, ImageResizingEstimator.Anchor anchor)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (resizing == ImageResizingEstimator.ResizingKind.Fill || (image.Width * height == image.Height * width))
            return image.Resize(width, height);
        double sx = (double)width / image.Width, sy = (double)height / image.Height;
        // IsoPad fits the whole image inside (smaller factor); IsoCrop covers the target (larger factor).
        double s = resizing == ImageResizingEstimator.ResizingKind.IsoPad ? Math.Min(sx, sy) : Math.Max(sx, sy);
        int w = Math.Max(1, (int)Math.Round(image.Width * s)), h = Math.Max(1, (int)Math.Round(image.Height * s));
        if (resizing == ImageResizingEstimator.ResizingKind.IsoPad)
        {
            w = Math.Min(w, width); h = Math.Min(h, height);
            using var scaled = image.Resize(w, h);
            var (x, y) = Place(width - w, height - h, anchor);
            return scaled.Pad(width, height, x, y);
        }
        w = Math.Max(w, width); h = Math.Max(h, height);
        using var covered = image.Resize(w, h);
        var (cx, cy) = Place(w - width, h - height, anchor);
        return covered.Crop(cx, cy, width, height);
    }

    /// <summary>Offset of the kept (or placed) window given the slack on each axis.</summary>
    private static (int X, int Y) Place(int slackX, int slackY, ImageResizingEstimator.Anchor anchor) => anchor switch
    {
        ImageResizingEstimator.Anchor.Left => (0, slackY / 2),
        ImageResizingEstimator.Anchor.Right => (slackX, slackY / 2),
        ImageResizingEstimator.Anchor.Top => (slackX / 2, 0),
        ImageResizingEstimator.Anchor.Bottom => (slackX / 2, slackY),
        _ => (slackX / 2, slackY / 2),
    };

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        ctx.Writer.Write(ImageWidth);
        ctx.Writer.Write(ImageHeight);
        ctx.Writer.Write((byte)Resizing);
        ctx.Writer.Write((byte)CropAnchor);
    }

    /// <summary>Loads a saved transformer.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="ctx">The load context.</param>
    public static ImageResizingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        int w = ctx.Reader.ReadInt32(), h = ctx.Reader.ReadInt32();
        var resizing = (ImageResizingEstimator.ResizingKind)ctx.Reader.ReadByte();
        var anchor = (ImageResizingEstimator.Anchor)ctx.Reader.ReadByte();
        return new ImageResizingTransformer(env, w, h, resizing, anchor, columns);
    }
}

/// <summary>Estimator of <see cref="ImageResizingTransformer"/> (no training).</summary>
public sealed class ImageResizingEstimator : TrivialOneToOneEstimator<ImageResizingTransformer>
{
    /// <summary>How the aspect ratio is handled.</summary>
    public enum ResizingKind : byte
    {
        /// <summary>Scale to fit inside, keeping the aspect ratio, and pad with black.</summary>
        IsoPad = 0,
        /// <summary>Scale to cover, keeping the aspect ratio, and crop at the anchor.</summary>
        IsoCrop = 1,
        /// <summary>Stretch to the target size.</summary>
        Fill = 2,
    }

    /// <summary>Where the crop window (or the padded image) sits.</summary>
    public enum Anchor : byte
    {
        /// <summary>Right edge.</summary>
        Right = 0,
        /// <summary>Left edge.</summary>
        Left = 1,
        /// <summary>Top edge.</summary>
        Top = 2,
        /// <summary>Bottom edge.</summary>
        Bottom = 3,
        /// <summary>Centre.</summary>
        Center = 4,
    }

    /// <summary>Wraps a transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="transformer">The transformer.</param>
    public ImageResizingEstimator(IHostEnvironment environment, ImageResizingTransformer transformer) : base(environment, transformer) { }
}
