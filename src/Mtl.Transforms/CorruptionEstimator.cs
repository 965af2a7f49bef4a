using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.DataView;

namespace Mtl.Transforms;

/// <summary>Estimator of <see cref="CorruptionTransformer"/>: nothing is learned; <see cref="Fit"/> checks the schema.</summary>
public sealed class CorruptionEstimator : IEstimator<CorruptionTransformer>
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
        /// <summary>Severities: one = always it; several = one drawn per row (0 = clean). Each is capped at a corruption's maximum.</summary>
        public int[] Severities = [1];
        /// <summary>Seed of the step (null = derived from the context's seed and the step's columns and corruptions, see <see cref="Mtl.SeedPolicy"/>).</summary>
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

    private readonly CorruptionTransformer _transformer;

    /// <summary>Creates the estimator; names, severities, columns and the pixel map are checked here.</summary>
    /// <param name="context">The context: a step without its own seed takes one from the context's seed (<see cref="Mtl.SeedPolicy"/>).</param>
    /// <param name="options">The options.</param>
    public CorruptionEstimator(MLContext context, Options options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutputColumnName, nameof(options.OutputColumnName));
        if (options.Corruptions is null || options.Corruptions.Length == 0)
            throw new ArgumentException("A corruption step needs at least one corruption name.", nameof(options));
        if (options.Severities is null || options.Severities.Length == 0)
            throw new ArgumentException("A corruption step needs at least one severity.", nameof(options));
        var settings = new CorruptionSettings(options.Table, options.ScaleToImageSize);
        var choices = ImageCorruption.Suite(options.Corruptions, options.Severities, settings);
        // Severities above every listed corruption's maximum are a mistake even though each is capped.
        int max = options.Corruptions.Max(n => CorruptionRegistry.Get(n).MaxSeverity);
        foreach (int s in options.Severities)
            if (s < 0 || s > max)
                throw new ArgumentOutOfRangeException(nameof(options), s, $"Severity {s} is outside 0 (clean) … {max} for {string.Join(", ", options.Corruptions)}.");
        // The seed policy: never the context's shared random state, so a step draws the same rows wherever it sits in a chain.
        string input = options.InputColumnName ?? options.OutputColumnName;
        string component = $"{nameof(CorruptionEstimator)}:{options.OutputColumnName}:{input}:{string.Join(',', options.Corruptions)}:{string.Join(',', options.Severities)}";
        int seed = Mtl.SeedPolicy.For(context, component, options.Seed);
        _transformer = new CorruptionTransformer(choices, seed, options.PixelScale, options.PixelOffset,
            (options.OutputColumnName, options.InputColumnName ?? options.OutputColumnName));
    }

    /// <summary>Whether every column pair corrupts its column in place (needed for training-only augmentation).</summary>
    public bool IsInPlace => _transformer.IsInPlace;

    /// <summary>Checks the input columns and returns the transformer (nothing to learn).</summary>
    /// <param name="input">The data.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of an unsupported type (the message names it).</exception>
    public CorruptionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _ = _transformer.GetOutputSchema(input.Schema);
        return _transformer;
    }

    /// <summary>The input shape plus the corrupted columns (each with its input column's type and annotations).</summary>
    /// <param name="inputSchema">The input shape.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of an unsupported type (the message names it).</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var shape = inputSchema;
        foreach (var (output, input) in _transformer.Columns)
        {
            var found = shape.Where(c => c.Name == input).ToArray();
            if (found.Length == 0)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Corruption step: input column '{input}' (for output '{output}') is not in the data. Columns present: {string.Join(", ", shape.Select(c => c.Name))}.");
            var column = found[0];
            bool image = column.ItemType is ImageDataViewType && column.Kind == SchemaShape.Column.VectorKind.Scalar;
            bool vector = column.ItemType == NumberDataViewType.Single && column.Kind == SchemaShape.Column.VectorKind.Vector;
            if (!image && !vector)
                throw new ArgumentOutOfRangeException(nameof(inputSchema),
                    $"Corruption step: input column '{input}' has type {column.Kind} of {column.ItemType}; expected {CorruptionColumn.Expected}.");
            // SchemaShape.Column cannot be constructed outside ML.NET; a column copy has exactly the output shape we need.
            shape = ShapeContext.Transforms.CopyColumns(output, input).GetOutputSchema(shape);
        }
        return shape;
    }

    private static readonly MLContext ShapeContext = new(seed: 0);
}
