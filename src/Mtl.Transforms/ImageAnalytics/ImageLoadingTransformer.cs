using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>
/// Loads images (or their raw bytes) from files named by a text column, relative to an optional
/// folder. ML.NET's <c>ImageLoadingTransformer</c>: output <see cref="ImageDataViewType"/>
/// (any size), or <c>Vector&lt;Byte&gt;</c> for raw bytes.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class ImageLoadingTransformer : OneToOneTransformerBase
{
    /// <summary>Loader signature in model files.</summary>
    public const string LoaderSignature = "ImageLoaderTransform";
    private static readonly VersionInfo Version = new("IMGLOADR", 0x00010001, 0x00010001, 0x00010001, "Mtl.Transforms", LoaderSignature);

    private long _skipped;

    /// <summary>Creates the transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="imageFolder">Folder the paths are relative to (null = as given).</param>
    /// <param name="rawBytes">True: output the file bytes as <c>Vector&lt;Byte&gt;</c>; false: decode to <see cref="MLImage"/>.</param>
    /// <param name="onError">Throw on an unreadable file, or skip the row.</param>
    /// <param name="columns">(output, input) column pairs.</param>
    public ImageLoadingTransformer(IHostEnvironment environment, string? imageFolder, bool rawBytes, ImageErrorHandling onError,
        params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, rawBytes ? "LoadRawImageBytes" : "LoadImages", columns)
    {
        ImageFolder = imageFolder;
        RawBytes = rawBytes;
        OnError = onError;
    }

    /// <summary>Folder the paths are relative to (null = as given).</summary>
    public string? ImageFolder { get; }

    /// <summary>Whether the output is the raw file bytes.</summary>
    public bool RawBytes { get; }

    /// <summary>What happens to a row whose file cannot be read.</summary>
    public ImageErrorHandling OnError { get; }

    /// <summary>Rows dropped so far because their file could not be read (every read of the view counts).</summary>
    public long SkippedRowCount => Interlocked.Read(ref _skipped);

    /// <inheritdoc />
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        if (inputColumn.Type is not TextDataViewType)
            throw InputTypeMismatch(pairIndex, "String (a file path)", inputColumn.Type);
        return RawBytes ? new VectorDataViewType(NumberDataViewType.Byte) : new ImageDataViewType();
    }

    /// <summary>The full path of a row's file.</summary>
    /// <param name="value">The path as stored in the column.</param>
    public string ResolvePath(ReadOnlySpan<char> value)
    {
        string path = value.ToString();
        if (path.Length == 0)
            throw new InvalidDataException($"{Name}: a row has an empty image path. Fill the path column or filter such rows out.");
        return ImageFolder is null ? path : Path.Combine(ImageFolder, path);
    }

    /// <inheritdoc />
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var source = input.GetGetter<ReadOnlyMemory<char>>(inputColumn);
        ReadOnlyMemory<char> text = default;
        bool skip = OnError == ImageErrorHandling.SkipRow;
        if (RawBytes)
        {
            // The skip filter and the consumer both read the row: read the file once per row.
            long bytesPosition = -1;
            byte[] data = [];
            ValueGetter<VBuffer<byte>> bytes = (ref VBuffer<byte> dst) =>
            {
                if (input.Position != bytesPosition)
                {
                    source(ref text);
                    string path = ResolvePath(text.Span);
                    try
                    {
                        data = File.ReadAllBytes(path);
                    }
                    catch (Exception e) when (skip && e is IOException or UnauthorizedAccessException)
                    {
                        data = []; // the skip filter drops empty rows
                    }
                    catch (FileNotFoundException e)
                    {
                        throw new FileNotFoundException($"{Name}: image file '{path}' does not exist (column '{inputColumn.Name}'). Check the path and the image folder.", path, e);
                    }
                    bytesPosition = input.Position;
                }
                var editor = VBufferEditor.Create(ref dst, data.Length);
                data.CopyTo(editor.Values);
                dst = editor.Commit();
            };
            return bytes;
        }
        // The skip filter and the consumer both read the image: decode once per row.
        long cachedPosition = -1;
        MLImage? cached = null;
        ValueGetter<MLImage> image = (ref MLImage dst) =>
        {
            if (input.Position != cachedPosition)
            {
                source(ref text);
                string path = ResolvePath(text.Span);
                try
                {
                    cached = MLImage.CreateFromFile(path);
                }
                catch (Exception e) when (skip && e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    cached = null; // the skip filter drops rows without an image
                }
                cachedPosition = input.Position;
            }
            dst = cached!;
        };
        return image;
    }

    /// <inheritdoc />
    public override IDataView Transform(IDataView input)
    {
        var mapped = base.Transform(input);
        if (OnError != ImageErrorHandling.SkipRow) return mapped;
        var outputs = ColumnPairs.Select(p => mapped.Schema[p.outputColumnName]).ToArray();
        var inputs = ColumnPairs.Select(p => mapped.Schema[p.inputColumnName]).ToArray();
        return new FilterDataView(mapped, outputs.Concat(inputs), row => MakeKeepPredicate(row, outputs, inputs));
    }

    private Func<bool> MakeKeepPredicate(DataViewRow row, DataViewSchema.Column[] outputs, DataViewSchema.Column[] inputs)
    {
        var checks = new Func<bool>[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            var pathGetter = row.GetGetter<ReadOnlyMemory<char>>(inputs[i]);
            if (RawBytes)
            {
                var getter = row.GetGetter<VBuffer<byte>>(outputs[i]);
                checks[i] = () => { VBuffer<byte> v = default; getter(ref v); return v.Length > 0; };
            }
            else
            {
                var getter = row.GetGetter<MLImage>(outputs[i]);
                checks[i] = () => { MLImage v = null!; getter(ref v); return v is not null; };
            }
            var check = checks[i];
            checks[i] = () =>
            {
                if (check()) return true;
                ReadOnlyMemory<char> p = default;
                pathGetter(ref p);
                Interlocked.Increment(ref _skipped);
                Environment.WriteLog(ChannelMessageKind.Warning, Name, $"Skipped row {row.Position}: image file '{ResolvePath(p.Span)}' could not be read.");
                return false;
            };
        }
        return () =>
        {
            foreach (var c in checks) if (!c()) return false;
            return true;
        };
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        ctx.SaveStringOrNull(ImageFolder);
        ctx.Writer.Write(RawBytes);
        ctx.Writer.Write((int)OnError);
    }

    /// <summary>Loads a saved transformer.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="ctx">The load context.</param>
    public static ImageLoadingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        string? folder = ctx.LoadStringOrNull();
        bool raw = ctx.Reader.ReadBoolean();
        var onError = (ImageErrorHandling)ctx.Reader.ReadInt32();
        return new ImageLoadingTransformer(env, folder, raw, onError, columns);
    }
}

/// <summary>Estimator of <see cref="ImageLoadingTransformer"/> (no training).</summary>
public sealed class ImageLoadingEstimator : TrivialOneToOneEstimator<ImageLoadingTransformer>
{
    /// <summary>Wraps a transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="transformer">The transformer.</param>
    public ImageLoadingEstimator(IHostEnvironment environment, ImageLoadingTransformer transformer) : base(environment, transformer) { }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var result = inputSchema.ToList();
        foreach (var (output, input) in Transformer.ColumnPairs)
        {
            var column = SchemaExceptions.FindColumn(inputSchema, input);
            if (column.ItemType is not TextDataViewType || column.Kind != SchemaShape.Column.VectorKind.Scalar)
                throw SchemaExceptions.Mismatch(nameof(inputSchema), "Input", input, "String (a file path)", column.GetTypeString());
            result.Add(Transformer.RawBytes
                ? new SchemaShape.Column(output, SchemaShape.Column.VectorKind.VariableVector, NumberDataViewType.Byte, false)
                : new SchemaShape.Column(output, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(), false));
        }
        return new SchemaShape(result);
    }
}
