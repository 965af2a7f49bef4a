using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Corruptions;

/// <summary>
/// Applies a corruption — or, per row, one drawn from a set of (corruption, severity) choices —
/// to image columns (<see cref="ImageDataViewType"/>) or pixel-vector columns
/// (<c>Vector&lt;Single, C, H, W&gt;</c> planar with C = 1 or 3, or <c>Vector&lt;Single, H, W&gt;</c> gray).
/// Every random draw of a row comes from a generator seeded by (context seed, transform seed,
/// column, row id), so a row's output does not depend on how or how often the view is read.
/// </summary>
[ModelLoader(LoaderSignature)]
public sealed class CorruptionTransformer : OneToOneTransformerBase
{
    /// <summary>Loader signature in model files.</summary>
    public const string LoaderSignature = "CorruptionTransform";
    private static readonly VersionInfo Version = new("CORRUPTN", 0x00010001, 0x00010001, 0x00010001, "Mtl.Transforms", LoaderSignature);

    private readonly Corruption[] _corruptions;
    private readonly int[] _severities;

    /// <summary>Creates the transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="corruptions">Corruption names; one name = always that one, several = one drawn per row.</param>
    /// <param name="severities">Severities; one = always that one, several = one drawn per row (0 = clean). Capped at each corruption's maximum.</param>
    /// <param name="contextSeed">The context's seed.</param>
    /// <param name="seed">The transform's seed.</param>
    /// <param name="settings">Table choice and size scaling.</param>
    /// <param name="pixelScale">Vector values v map to pixels in [0, 1] as v·scale + offset: 1 for [0, 1] data, 255 for byte-range data, σ for (x − μ)/σ-normalized data.</param>
    /// <param name="pixelOffset">The offset of that map: 0, or μ for normalized data.</param>
    /// <param name="columns">(output, input) column pairs.</param>
    public CorruptionTransformer(IHostEnvironment environment, IReadOnlyList<string> corruptions, IReadOnlyList<int> severities,
        int contextSeed, int seed, CorruptionSettings settings, float pixelScale, float pixelOffset,
        params (string outputColumnName, string inputColumnName)[] columns)
        : base(environment, "Corruption", columns)
    {
        ArgumentNullException.ThrowIfNull(corruptions);
        ArgumentNullException.ThrowIfNull(severities);
        if (corruptions.Count == 0) throw new ArgumentException("A corruption transform needs at least one corruption name.", nameof(corruptions));
        if (severities.Count == 0) throw new ArgumentException("A corruption transform needs at least one severity.", nameof(severities));
        _corruptions = corruptions.Select(CorruptionRegistry.Get).ToArray();
        int max = _corruptions.Max(c => c.MaxSeverity);
        foreach (int s in severities)
            if (s < 0 || s > max)
                throw new ArgumentOutOfRangeException(nameof(severities), s, $"Severity {s} is outside 0 (clean) … {max} for {string.Join(", ", corruptions)}.");
        if (_corruptions.Length == 1 && severities.Count == 1 && severities[0] > _corruptions[0].MaxSeverity)
            throw new ArgumentOutOfRangeException(nameof(severities), severities[0], $"Corruption '{_corruptions[0].Name}' has severities 0 … {_corruptions[0].MaxSeverity}.");
        if (!float.IsFinite(pixelScale) || pixelScale == 0 || !float.IsFinite(pixelOffset))
            throw new ArgumentOutOfRangeException(nameof(pixelScale), $"Pixel map v·{pixelScale} + {pixelOffset}: the scale must be finite and non-zero, the offset finite (1 and 0 for [0, 1] data, 255 and 0 for byte-range data, σ and μ for normalized data).");
        _ = settings.Resolve(1, 1); // validates the table value
        _severities = [.. severities];
        ContextSeed = contextSeed;
        Seed = seed;
        Settings = settings;
        PixelScale = pixelScale;
        PixelOffset = pixelOffset;
    }

    /// <summary>The corruptions (names as registered).</summary>
    public IReadOnlyList<string> Corruptions => _corruptions.Select(c => c.Name).ToArray();

    /// <summary>The severities.</summary>
    public IReadOnlyList<int> Severities => _severities;

    /// <summary>The context's seed captured at construction.</summary>
    public int ContextSeed { get; }

    /// <summary>The transform's seed.</summary>
    public int Seed { get; }

    /// <summary>Table choice and size scaling.</summary>
    public CorruptionSettings Settings { get; }

    /// <summary>Vector values v are pixels v·<see cref="PixelScale"/> + <see cref="PixelOffset"/> in [0, 1].</summary>
    public float PixelScale { get; }

    /// <summary>See <see cref="PixelScale"/>.</summary>
    public float PixelOffset { get; }

    /// <summary>
    /// The (corruption, severity) a row gets, and the generator for its pixels. With a single
    /// choice nothing is drawn for the choice itself.
    /// </summary>
    /// <param name="pairIndex">Column pair index.</param>
    /// <param name="rowId">The row's id.</param>
    /// <param name="random">The row's generator, positioned after the choice.</param>
    public (Corruption Corruption, int Severity) Choose(int pairIndex, DataViewRowId rowId, out CorruptionRandom random)
    {
        ulong transformKey = (ulong)(uint)Seed ^ ((ulong)pairIndex * 0x9E3779B97F4A7C15UL);
        long rowKey = (long)(rowId.Low ^ CorruptionRandom.Mix(rowId.High));
        random = CorruptionRandom.ForRow((ulong)(uint)ContextSeed, transformKey, rowKey);
        var corruption = _corruptions.Length == 1 ? _corruptions[0] : _corruptions[random.NextInt(_corruptions.Length)];
        int severity = _severities.Length == 1 ? _severities[0] : _severities[random.NextInt(_severities.Length)];
        return (corruption, Math.Min(severity, corruption.MaxSeverity));
    }

    /// <summary>Channels, height and width of a supported vector type; false when not supported.</summary>
    /// <param name="type">The column type.</param>
    /// <param name="shape">(C, H, W).</param>
    public static bool TryGetImageShape(DataViewType type, out (int Channels, int Height, int Width) shape)
    {
        shape = default;
        if (type is not VectorDataViewType v || v.ItemType != NumberDataViewType.Single || !v.IsKnownSize) return false;
        var d = v.Dimensions;
        if (d.Length == 3 && (d[0] == 1 || d[0] == 3)) { shape = (d[0], d[1], d[2]); return true; }
        if (d.Length == 2) { shape = (1, d[0], d[1]); return true; }
        return false;
    }

    private const string Expected = "Image, Vector<Single, C, H, W> (C = 1 or 3, planar) or Vector<Single, H, W>";

    /// <inheritdoc />
    protected override DataViewType GetOutputType(int pairIndex, DataViewSchema.Column inputColumn)
    {
        if (inputColumn.Type is ImageDataViewType || TryGetImageShape(inputColumn.Type, out _)) return inputColumn.Type;
        throw InputTypeMismatch(pairIndex, Expected, inputColumn.Type);
    }

    /// <inheritdoc />
    public override SchemaShape.Column GetOutputShape(int pairIndex, SchemaShape.Column inputColumn)
    {
        bool image = inputColumn.ItemType is ImageDataViewType && inputColumn.Kind == SchemaShape.Column.VectorKind.Scalar;
        bool vector = inputColumn.ItemType == NumberDataViewType.Single && inputColumn.Kind == SchemaShape.Column.VectorKind.Vector;
        if (!image && !vector) throw InputTypeMismatch(pairIndex, Expected, inputColumn.ItemType);
        return new SchemaShape.Column(ColumnPairs[pairIndex].outputColumnName, inputColumn.Kind, inputColumn.ItemType, false);
    }

    /// <inheritdoc />
    protected override Delegate MakeGetter(DataViewRow input, int pairIndex, DataViewSchema.Column inputColumn, out Action? disposer)
    {
        disposer = null;
        var idGetter = input.GetIdGetter();
        DataViewRowId id = default;
        if (inputColumn.Type is ImageDataViewType)
        {
            var source = input.GetGetter<MLImage>(inputColumn);
            MLImage image = null!;
            ValueGetter<MLImage> images = (ref MLImage dst) =>
            {
                source(ref image);
                idGetter(ref id);
                if (image is null) throw new InvalidDataException($"Corruption: row {input.Position} of column '{inputColumn.Name}' holds no image.");
                var planar = image.ToPlanar();
                var (corruption, severity) = Choose(pairIndex, id, out var random);
                corruption.Apply(planar, severity, Settings, ref random);
                dst = WithAlphaOf(planar.ToMLImage(), image);
            };
            return images;
        }
        TryGetImageShape(inputColumn.Type, out var shape);
        var vectors = input.GetGetter<VBuffer<float>>(inputColumn);
        VBuffer<float> vector = default;
        var scratch = new PlanarImage(shape.Channels, shape.Height, shape.Width);
        float scale = PixelScale, offset = PixelOffset, inverse = 1f / PixelScale;
        ValueGetter<VBuffer<float>> result = (ref VBuffer<float> dst) =>
        {
            vectors(ref vector);
            idGetter(ref id);
            if (vector.Length != scratch.Data.Length)
                throw new InvalidDataException($"Corruption: row {input.Position} of column '{inputColumn.Name}' has {vector.Length} values; its type says {scratch.Data.Length}.");
            vector.CopyTo(scratch.Data);
            var d = scratch.Data;
            for (int i = 0; i < d.Length; i++) d[i] = d[i] * scale + offset;
            var (corruption, severity) = Choose(pairIndex, id, out var random);
            corruption.Apply(scratch, severity, Settings, ref random);
            var editor = VBufferEditor.Create(ref dst, d.Length);
            for (int i = 0; i < d.Length; i++) editor.Values[i] = (d[i] - offset) * inverse;
            dst = editor.Commit();
        };
        return result;
    }

    private static MLImage WithAlphaOf(MLImage corrupted, MLImage original)
    {
        if (original.PixelFormat != MLPixelFormat.Rgba32) return corrupted;
        var rgba = corrupted.ConvertTo(MLPixelFormat.Rgba32);
        var pixels = rgba.Pixels.ToArray();
        var alpha = original.Pixels;
        for (int i = 3; i < pixels.Length; i += 4) pixels[i] = alpha[i];
        return new MLImage(rgba.Width, rgba.Height, MLPixelFormat.Rgba32, pixels) { Tag = original.Tag };
    }

    /// <inheritdoc />
    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        ctx.Writer.Write(_corruptions.Length);
        foreach (var c in _corruptions) ctx.SaveNonEmptyString(c.Name);
        ctx.Writer.Write(_severities.Length);
        foreach (int s in _severities) ctx.Writer.Write(s);
        ctx.Writer.Write(ContextSeed);
        ctx.Writer.Write(Seed);
        ctx.Writer.Write((int)Settings.Table);
        ctx.Writer.Write(Settings.ScaleToImageSize);
        ctx.Writer.Write(PixelScale);
        ctx.Writer.Write(PixelOffset);
    }

    /// <summary>Loads a saved transformer; unknown corruption names (not registered) are a clear error.</summary>
    /// <param name="env">The environment.</param>
    /// <param name="ctx">The load context.</param>
    public static CorruptionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        var columns = LoadColumns(ctx);
        var r = ctx.Reader;
        int nc = r.ReadInt32();
        if (nc <= 0 || nc > 10_000) throw new InvalidDataException($"Corruption step '{ctx.Directory}' of {ctx.Source} declares {nc} corruptions. The file is damaged.");
        var names = new string[nc];
        for (int i = 0; i < nc; i++)
        {
            names[i] = ctx.LoadNonEmptyString();
            if (!CorruptionRegistry.TryGet(names[i], out _))
                throw new InvalidDataException($"Corruption step '{ctx.Directory}' of {ctx.Source} uses corruption '{names[i]}', which is not registered. Register it with CorruptionRegistry.Register before loading the model.");
        }
        int ns = r.ReadInt32();
        if (ns <= 0 || ns > 10_000) throw new InvalidDataException($"Corruption step '{ctx.Directory}' of {ctx.Source} declares {ns} severities. The file is damaged.");
        var severities = new int[ns];
        for (int i = 0; i < ns; i++) severities[i] = r.ReadInt32();
        int contextSeed = r.ReadInt32(), seed = r.ReadInt32();
        var settings = new CorruptionSettings((CorruptionTable)r.ReadInt32(), r.ReadBoolean());
        float pixelScale = r.ReadSingle(), pixelOffset = r.ReadSingle();
        return new CorruptionTransformer(env, names, severities, contextSeed, seed, settings, pixelScale, pixelOffset, columns);
    }
}

/// <summary>Estimator of <see cref="CorruptionTransformer"/> (no training).</summary>
public sealed class CorruptionEstimator : TrivialOneToOneEstimator<CorruptionTransformer>
{
    /// <summary>Options of a corruption step (the flattened catalog methods fill these).</summary>
    public sealed class Options
    {
        /// <summary>Output column.</summary>
        public string OutputColumnName = "";
        /// <summary>Input column (null = the output column, corrupted in place).</summary>
        public string? InputColumnName;
        /// <summary>Corruption names: one = always it; several = one drawn per row.</summary>
        public string[] Corruptions = [];
        /// <summary>Severities: one = always it; several = one drawn per row (0 = clean).</summary>
        public int[] Severities = [1];
        /// <summary>Seed of the step (null = drawn from the context).</summary>
        public int? Seed;
        /// <summary>Parameter table (Auto: CIFAR-C up to 64 px, ImageNet-C above).</summary>
        public CorruptionTable Table = CorruptionTable.Auto;
        /// <summary>Scale pixel-length parameters to the image size (see docs/corruptions.md).</summary>
        public bool ScaleToImageSize = true;
        /// <summary>
        /// Vector values v are pixels v·PixelScale + PixelOffset in [0, 1]: (1, 0) for [0, 1] data, (255, 0) for
        /// byte-range data, (σ, μ) for data normalized as (x − μ)/σ (e.g. the Multi-Fashion default). Image columns ignore it.
        /// </summary>
        public float PixelScale = 1f;
        /// <summary>See <see cref="PixelScale"/>.</summary>
        public float PixelOffset;
    }

    /// <summary>Creates the estimator from options.</summary>
    /// <param name="environment">The environment (its seed is the context seed).</param>
    /// <param name="options">The options.</param>
    public CorruptionEstimator(IHostEnvironment environment, Options options)
        : base(environment, Build(environment, options)) { }

    /// <summary>Wraps a transformer.</summary>
    /// <param name="environment">The environment.</param>
    /// <param name="transformer">The transformer.</param>
    public CorruptionEstimator(IHostEnvironment environment, CorruptionTransformer transformer) : base(environment, transformer) { }

    /// <summary>Whether every column pair corrupts its column in place (needed for training-only augmentation).</summary>
    public bool IsInPlace => Transformer.ColumnPairs.All(p => p.outputColumnName == p.inputColumnName);

    private static CorruptionTransformer Build(IHostEnvironment environment, Options options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.OutputColumnName);
        int contextSeed = environment.Seed ?? environment.CreateRandom().Next();
        int seed = environment.ResolveSeed(options.Seed);
        return new CorruptionTransformer(environment, options.Corruptions, options.Severities, contextSeed, seed,
            new CorruptionSettings(options.Table, options.ScaleToImageSize), options.PixelScale, options.PixelOffset,
            (options.OutputColumnName, options.InputColumnName ?? options.OutputColumnName));
    }
}
