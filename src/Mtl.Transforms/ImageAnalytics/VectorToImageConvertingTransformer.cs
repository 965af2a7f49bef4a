using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>
/// Turns pixel vectors back into images (ML.NET's <c>VectorToImageConvertingTransformer</c>):
/// each pixel is round(value · scale − offset) clamped to 0–255; colors not present take their
/// default. Output is RGB (RGBA when alpha is present).
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class VectorToImageConvertingTransformer : OneToOneTransformerBase
{
    /// <summary>Loader signature in model files.</summary>
    public const string LoaderSignature = "VectorToImageConverter";
    private static readonly VersionInfo Version = new("VECTOIMG", 0x00010001, 0x00010001, 0x00010001, "Mtl.Transforms", LoaderSignature);

    private readonly int[] _planes;

    /// <summary>Creates the transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="imageHeight">Output height.</param>
    /// <param name="imageWidth">Output width.</param>
    /// <param name="colorsPresent">Colors held by the vector.</param>
    /// <param name="orderOfColors">Their order.</param>
    /// <param name="interleavedColors">H, W, C (true) or C, H, W (false) layout.</param>
    /// <param name="scaleImage">Multiplies each value first.</param>
    /// <param name="offsetImage">Subtracted second.</param>
    /// <param name="defaultAlpha">Alpha when absent.</param>
    /// <param name="defaultRed">Red when absent.</param>
    /// <param name="defaultGreen">Green when absent.</param>
    /// <param name="defaultBlue">Blue when absent.</param>
    /// <param name="columns">(output, input) column pairs.</param>
    public VectorToImageConvertingTransformer(IHostEnvironment environment, int imageHeight, int imageWidth,
        ImagePixelExtractingEstimator.ColorBits colorsPresent, ImagePixelExtractingEstimator.ColorsOrder orderOfColors, bool interleavedColors,
        float scaleImage, float offsetImage, int defaultAlpha, int defaultRed, int defaultGreen, int defaultBlue,
        params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, "ConvertToImage", columns)
    {
        if (imageHeight < 1 || imageWidth < 1) throw new ArgumentOutOfRangeException(nameof(imageHeight), $"ConvertToImage: size {imageHeight}×{imageWidth} must be at least 1×1.");
        if (colorsPresent == 0 || (colorsPresent & ~ImagePixelExtractingEstimator.ColorBits.All) != 0)
            throw new ArgumentOutOfRangeException(nameof(colorsPresent), colorsPresent, "ConvertToImage needs at least one of Alpha, Red, Green, Blue.");
        if (!float.IsFinite(scaleImage) || scaleImage == 0 || !float.IsFinite(offsetImage))
            throw new ArgumentOutOfRangeException(nameof(scaleImage), "ConvertToImage: scale must be finite and non-zero, offset finite.");
        ImageHeight = imageHeight;
        ImageWidth = imageWidth;
        ColorsPresent = colorsPresent;
        OrderOfColors = orderOfColors;
        InterleavedColors = interleavedColors;
        ScaleImage = scaleImage;
        OffsetImage = offsetImage;
        Defaults = [defaultAlpha, defaultRed, defaultGreen, defaultBlue];
        _planes = ImagePixelExtractingEstimator.PlaneOrder(orderOfColors, colorsPresent);
    }

    /// <summary>Output height.</summary>
    public int ImageHeight { get; }
    /// <summary>Output width.</summary>
    public int ImageWidth { get; }
    /// <summary>Colors held by the vector.</summary>
    public ImagePixelExtractingEstimator.ColorBits ColorsPresent { get; }
    /// <summary>Their order.</summary>
    public ImagePixelExtractingEstimator.ColorsOrder OrderOfColors { get; }
    /// <summary>Interleaved layout.</summary>
    public bool InterleavedColors { get; }
    /// <summary>Scale (first).</summary>
    public float ScaleImage { get; }
    /// <summary>Offset (second, subtracted).</summary>
    public float OffsetImage { get; }
    /// <summary>Default alpha, red, green, blue.</summary>
    public IReadOnlyList<int> Defaults { get; }

    /// <inheritdoc />
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        int expected = _planes.Length * ImageHeight * ImageWidth;
        if (inputColumn.Type is not VectorDataViewType v || (v.ItemType != NumberDataViewType.Single && v.ItemType != NumberDataViewType.Byte))
            throw InputTypeMismatch(pairIndex, $"Vector<Single> or Vector<Byte> of {expected} values", inputColumn.Type);
        if (v.IsKnownSize && v.Size != expected)
            throw InputTypeMismatch(pairIndex, $"a vector of {_planes.Length}×{ImageHeight}×{ImageWidth} = {expected} values", inputColumn.Type);
        return new ImageDataViewType(ImageHeight, ImageWidth);
    }

    /// <inheritdoc />
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        if (inputColumn.Kind == SchemaShape.Column.VectorKind.Scalar || (inputColumn.ItemType != NumberDataViewType.Single && inputColumn.ItemType != NumberDataViewType.Byte))
            throw InputTypeMismatch(pairIndex, "Vector<Single> or Vector<Byte>", inputColumn.ItemType);
        return new SchemaShape.Column(ColumnPairs[pairIndex].outputColumnName, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(ImageHeight, ImageWidth), false);
    }

    /// <inheritdoc />
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var item = ((VectorDataViewType)inputColumn.Type).ItemType;
        return item == NumberDataViewType.Single ? MakeImageGetter<float>(input, inputColumn, v => v) : MakeImageGetter<byte>(input, inputColumn, v => v);
    }

    private ValueGetter<MLImage> MakeImageGetter<T>(DataViewRow input, DataViewSchema.Column column, Func<T, float> toFloat)
    {
        var source = input.GetGetter<VBuffer<T>>(column);
        VBuffer<T> vector = default;
        int n = ImageHeight * ImageWidth, planes = _planes.Length;
        bool alpha = (ColorsPresent & ImagePixelExtractingEstimator.ColorBits.Alpha) != 0;
        int channels = alpha ? 4 : 3;
        return (ref MLImage dst) =>
        {
            source(ref vector);
            if (vector.Length != planes * n)
                throw new InvalidDataException($"ConvertToImage: row {input.Position} of column '{column.Name}' has {vector.Length} values; a {planes}×{ImageHeight}×{ImageWidth} image needs {planes * n}.");
            var values = new T[vector.Length];
            vector.CopyTo(values);
            var pixels = new byte[n * channels];
            Span<int> colour = stackalloc int[4];
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < 4; c++) colour[c] = Defaults[c];
                for (int p = 0; p < planes; p++)
                {
                    float v = toFloat(values[InterleavedColors ? i * planes + p : p * n + i]);
                    colour[_planes[p]] = (int)Math.Round(v * ScaleImage - OffsetImage);
                }
                pixels[i * channels] = (byte)Math.Clamp(colour[1], 0, 255);
                pixels[i * channels + 1] = (byte)Math.Clamp(colour[2], 0, 255);
                pixels[i * channels + 2] = (byte)Math.Clamp(colour[3], 0, 255);
                if (alpha) pixels[i * channels + 3] = (byte)Math.Clamp(colour[0], 0, 255);
            }
            dst = new MLImage(ImageWidth, ImageHeight, alpha ? MLPixelFormat.Rgba32 : MLPixelFormat.Rgb24, pixels);
        };
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        ctx.Writer.Write(ImageHeight);
        ctx.Writer.Write(ImageWidth);
        ctx.Writer.Write((byte)ColorsPresent);
        ctx.Writer.Write((byte)OrderOfColors);
        ctx.Writer.Write(InterleavedColors);
        ctx.Writer.Write(ScaleImage);
        ctx.Writer.Write(OffsetImage);
        foreach (int d in Defaults) ctx.Writer.Write(d);
    }

    /// <summary>Loads a saved transformer.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="ctx">The load context.</param>
    public static VectorToImageConvertingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        var r = ctx.Reader;
        int h = r.ReadInt32(), w = r.ReadInt32();
        var colors = (ImagePixelExtractingEstimator.ColorBits)r.ReadByte();
        var order = (ImagePixelExtractingEstimator.ColorsOrder)r.ReadByte();
        bool interleaved = r.ReadBoolean();
        float scale = r.ReadSingle(), offset = r.ReadSingle();
        int a = r.ReadInt32(), red = r.ReadInt32(), g = r.ReadInt32(), b = r.ReadInt32();
        return new VectorToImageConvertingTransformer(env, h, w, colors, order, interleaved, scale, offset, a, red, g, b, columns);
    }
}

/// <summary>Estimator of <see cref="VectorToImageConvertingTransformer"/> (no training).</summary>
public sealed class VectorToImageConvertingEstimator : TrivialOneToOneEstimator<VectorToImageConvertingTransformer>
{
    /// <summary>Wraps a transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="transformer">The transformer.</param>
    public VectorToImageConvertingEstimator(IHostEnvironment environment, VectorToImageConvertingTransformer transformer) : base(environment, transformer) { }
}
