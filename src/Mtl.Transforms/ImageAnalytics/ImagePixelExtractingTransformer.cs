using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>
/// Extracts the pixels of fixed-size images into a vector (ML.NET's
/// <c>ImagePixelExtractingTransformer</c>): planar <c>Vector&lt;Single, C, H, W&gt;</c> or interleaved
/// <c>Vector&lt;Single, H, W, C&gt;</c>, each value (pixel − offset) · scale; or raw bytes.
/// Gray images give the same value for red, green and blue; images without alpha give 255.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class ImagePixelExtractingTransformer : OneToOneTransformerBase
{
    /// <summary>Loader signature in model files.</summary>
    public const string LoaderSignature = "ImagePixelExtractor";
    private static readonly VersionInfo Version = new("IMGPXEXT", 0x00010001, 0x00010001, 0x00010001, "Mtl.Transforms", LoaderSignature);

    /// <summary>Creates the transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="colorsToExtract">Which colors become planes.</param>
    /// <param name="orderOfExtraction">Plane order.</param>
    /// <param name="interleavePixelColors">True: H, W, C layout; false: C, H, W.</param>
    /// <param name="offsetImage">Subtracted from each pixel value first.</param>
    /// <param name="scaleImage">Multiplies the offset value.</param>
    /// <param name="outputAsFloatArray">Single values (true) or raw bytes (false; offset and scale ignored).</param>
    /// <param name="columns">(output, input) column pairs.</param>
    public ImagePixelExtractingTransformer(IHostEnvironment environment, ImagePixelExtractingEstimator.ColorBits colorsToExtract,
        ImagePixelExtractingEstimator.ColorsOrder orderOfExtraction, bool interleavePixelColors, float offsetImage, float scaleImage,
        bool outputAsFloatArray, params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, "ExtractPixels", columns)
    {
        if (colorsToExtract == 0 || (colorsToExtract & ~ImagePixelExtractingEstimator.ColorBits.All) != 0)
            throw new ArgumentOutOfRangeException(nameof(colorsToExtract), colorsToExtract, "ExtractPixels needs at least one of Alpha, Red, Green, Blue.");
        if (!Enum.IsDefined(orderOfExtraction)) throw new ArgumentOutOfRangeException(nameof(orderOfExtraction), orderOfExtraction, "Unknown color order.");
        if (!float.IsFinite(offsetImage) || !float.IsFinite(scaleImage) || scaleImage == 0)
            throw new ArgumentOutOfRangeException(nameof(scaleImage), $"ExtractPixels: offset {offsetImage} and scale {scaleImage} must be finite and the scale non-zero.");
        ColorsToExtract = colorsToExtract;
        OrderOfExtraction = orderOfExtraction;
        InterleavePixelColors = interleavePixelColors;
        OffsetImage = offsetImage;
        ScaleImage = scaleImage;
        OutputAsFloatArray = outputAsFloatArray;
        Planes = ImagePixelExtractingEstimator.PlaneOrder(orderOfExtraction, colorsToExtract);
    }

    /// <summary>Extracted colors.</summary>
    public ImagePixelExtractingEstimator.ColorBits ColorsToExtract { get; }
    /// <summary>Plane order.</summary>
    public ImagePixelExtractingEstimator.ColorsOrder OrderOfExtraction { get; }
    /// <summary>H, W, C (true) or C, H, W (false).</summary>
    public bool InterleavePixelColors { get; }
    /// <summary>Offset subtracted first.</summary>
    public float OffsetImage { get; }
    /// <summary>Scale applied second.</summary>
    public float ScaleImage { get; }
    /// <summary>Single (true) or Byte (false) output.</summary>
    public bool OutputAsFloatArray { get; }
    /// <summary>The color of each output plane, in order (0 = alpha, 1 = red, 2 = green, 3 = blue).</summary>
    public IReadOnlyList<int> Planes { get; }

    private VectorDataViewType OutputType(int height, int width)
    {
        PrimitiveDataViewType item = OutputAsFloatArray ? NumberDataViewType.Single : NumberDataViewType.Byte;
        return InterleavePixelColors ? new VectorDataViewType(item, height, width, Planes.Count) : new VectorDataViewType(item, Planes.Count, height, width);
    }

    /// <inheritdoc />
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        if (inputColumn.Type is not ImageDataViewType image)
            throw InputTypeMismatch(pairIndex, "Image", inputColumn.Type);
        if (!image.IsKnownSize)
            throw InputTypeMismatch(pairIndex, "Image of a known size (add ResizeImages before ExtractPixels)", inputColumn.Type);
        return OutputType(image.Height, image.Width);
    }

    /// <inheritdoc />
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        if (inputColumn.ItemType is not ImageDataViewType || inputColumn.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw InputTypeMismatch(pairIndex, "Image", inputColumn.ItemType);
        return new SchemaShape.Column(ColumnPairs[pairIndex].outputColumnName, SchemaShape.Column.VectorKind.Vector,
            OutputAsFloatArray ? NumberDataViewType.Single : NumberDataViewType.Byte, false);
    }

    /// <inheritdoc />
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var type = (ImageDataViewType)inputColumn.Type;
        var source = input.GetGetter<MLImage>(inputColumn);
        MLImage image = null!;
        string columnName = inputColumn.Name;
        if (OutputAsFloatArray)
        {
            ValueGetter<VBuffer<float>> floats = (ref VBuffer<float> dst) =>
            {
                source(ref image);
                Check(image, type, columnName, input.Position);
                var editor = VBufferEditor.Create(ref dst, Planes.Count * type.Height * type.Width);
                Extract(image, editor.Values, v => (v - OffsetImage) * ScaleImage);
                dst = editor.Commit();
            };
            return floats;
        }
        ValueGetter<VBuffer<byte>> bytes = (ref VBuffer<byte> dst) =>
        {
            source(ref image);
            Check(image, type, columnName, input.Position);
            var editor = VBufferEditor.Create(ref dst, Planes.Count * type.Height * type.Width);
            Extract<byte>(image, editor.Values, v => (byte)v);
            dst = editor.Commit();
        };
        return bytes;
    }

    private static void Check(MLImage image, ImageDataViewType type, string column, long row)
    {
        if (image is null) throw new InvalidDataException($"ExtractPixels: row {row} of column '{column}' holds no image.");
        if (image.Width != type.Width || image.Height != type.Height)
            throw new InvalidDataException($"ExtractPixels: row {row} of column '{column}' holds a {image.Width}×{image.Height} image; the column type says {type.Width}×{type.Height}.");
    }

    /// <summary>Writes the planes of one image into <paramref name="destination"/> through <paramref name="convert"/>.</summary>
    private void Extract<T>(MLImage image, Span<T> destination, Func<float, T> convert)
    {
        int n = image.Width * image.Height, stride = image.Channels, planes = Planes.Count;
        var px = image.Pixels;
        for (int p = 0; p < planes; p++)
        {
            int color = Planes[p];
            for (int i = 0; i < n; i++)
            {
                byte v = color switch
                {
                    0 => stride == 4 ? px[i * 4 + 3] : (byte)255,
                    _ => stride == 1 ? px[i] : px[i * stride + color - 1],
                };
                destination[InterleavePixelColors ? i * planes + p : p * n + i] = convert(v);
            }
        }
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        ctx.Writer.Write((byte)ColorsToExtract);
        ctx.Writer.Write((byte)OrderOfExtraction);
        ctx.Writer.Write(InterleavePixelColors);
        ctx.Writer.Write(OffsetImage);
        ctx.Writer.Write(ScaleImage);
        ctx.Writer.Write(OutputAsFloatArray);
    }

    /// <summary>Loads a saved transformer.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="ctx">The load context.</param>
    public static ImagePixelExtractingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        var colors = (ImagePixelExtractingEstimator.ColorBits)ctx.Reader.ReadByte();
        var order = (ImagePixelExtractingEstimator.ColorsOrder)ctx.Reader.ReadByte();
        bool interleave = ctx.Reader.ReadBoolean();
        float offset = ctx.Reader.ReadSingle(), scale = ctx.Reader.ReadSingle();
        bool asFloat = ctx.Reader.ReadBoolean();
        return new ImagePixelExtractingTransformer(env, colors, order, interleave, offset, scale, asFloat, columns);
    }
}

/// <summary>Estimator of <see cref="ImagePixelExtractingTransformer"/> (no training), and the color enums.</summary>
public sealed class ImagePixelExtractingEstimator : TrivialOneToOneEstimator<ImagePixelExtractingTransformer>
{
    /// <summary>Which colors are extracted.</summary>
    [Flags]
    public enum ColorBits : byte
    {
        /// <summary>Alpha.</summary>
        Alpha = 0x01,
        /// <summary>Red.</summary>
        Red = 0x02,
        /// <summary>Green.</summary>
        Green = 0x04,
        /// <summary>Blue.</summary>
        Blue = 0x08,
        /// <summary>Red, green and blue.</summary>
        Rgb = Red | Green | Blue,
        /// <summary>All four.</summary>
        All = Alpha | Red | Green | Blue,
    }

    /// <summary>The order of the extracted colors (absent colors are skipped).</summary>
    public enum ColorsOrder : byte
    {
        /// <summary>Alpha, red, green, blue.</summary>
        ARGB = 1,
        /// <summary>Alpha, red, blue, green.</summary>
        ARBG = 2,
        /// <summary>Alpha, blue, red, green.</summary>
        ABRG = 3,
        /// <summary>Alpha, blue, green, red.</summary>
        ABGR = 4,
        /// <summary>Alpha, green, red, blue.</summary>
        AGRB = 5,
        /// <summary>Alpha, green, blue, red.</summary>
        AGBR = 6,
    }

    /// <summary>The colors (0 = alpha, 1 = red, 2 = green, 3 = blue) of the planes, in order.</summary>
    /// <param name="order">Color order.</param>
    /// <param name="colors">Present colors.</param>
    public static int[] PlaneOrder(ColorsOrder order, ColorBits colors)
    {
        var result = new List<int>(4);
        foreach (char c in order.ToString())
        {
            var (bit, index) = c switch
            {
                'A' => (ColorBits.Alpha, 0),
                'R' => (ColorBits.Red, 1),
                'G' => (ColorBits.Green, 2),
                _ => (ColorBits.Blue, 3),
            };
            if ((colors & bit) != 0) result.Add(index);
        }
        return [.. result];
    }

    /// <summary>Wraps a transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="transformer">The transformer.</param>
    public ImagePixelExtractingEstimator(IHostEnvironment environment, ImagePixelExtractingTransformer transformer) : base(environment, transformer) { }
}
