using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms;

/// <summary>
/// The corruption steps: one method per corruption, <see cref="Corrupt(string, string, string?, int, int?, CorruptionTable)"/>
/// by name, and <see cref="RandomCorruption"/>. Each works on image columns and on
/// <c>Vector&lt;Single, C, H, W&gt;</c> columns; output column first, input defaults to it.
/// Reach it as <c>mlContext.Corruptions</c> (the one entry point: ML.NET keeps a <see cref="TransformsCatalog"/>'s
/// context internal, so only a catalog on the context itself can follow <see cref="Mtl.SeedPolicy"/>).
/// </summary>
public sealed class CorruptionsCatalog
{
    private readonly MLContext _context;

    internal CorruptionsCatalog(MLContext context) => _context = context;

    /// <summary>A step from options.</summary>
    /// <param name="options">The options.</param>
    public CorruptionEstimator Corrupt(CorruptionEstimator.Options options) => new(_context, options);

    /// <summary>The corruption named <paramref name="corruptionName"/> at a fixed severity.</summary>
    /// <param name="corruptionName">A registered name, e.g. <c>gaussian_noise</c>.</param>
    /// <param name="outputColumnName">Column to create.</param>
    /// <param name="inputColumnName">Image or pixel-vector column (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="severity">0 (clean) … 5 (1 for the fixed MNIST-C corruptions).</param>
    /// <param name="seed">Seed of the step (null = from the context's seed, see <see cref="Mtl.SeedPolicy"/>).</param>
    /// <param name="table">Parameter table (Auto: CIFAR-C up to 64 px, ImageNet-C above).</param>
    public CorruptionEstimator Corrupt(string corruptionName, string outputColumnName, string? inputColumnName = null, int severity = 1,
        int? seed = null, CorruptionTable table = CorruptionTable.Auto)
    {
        ArgumentNullException.ThrowIfNull(corruptionName);
        return Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName, Corruptions = [corruptionName],
            Severities = [severity], Seed = seed, Table = table,
        });
    }

    /// <summary>
    /// Per row, one corruption and one severity drawn uniformly from the given sets (the transfer
    /// study's fine-tuning protocol). Defaults: the 15 common corruptions, severities 1–5.
    /// </summary>
    /// <param name="outputColumnName">Column to create.</param>
    /// <param name="inputColumnName">Image or pixel-vector column (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="corruptions">Names to draw from (null = the 15 common).</param>
    /// <param name="severities">Severities to draw from (null = 1–5; include 0 to keep some rows clean).</param>
    /// <param name="seed">Seed of the step (null = from the context's seed, see <see cref="Mtl.SeedPolicy"/>).</param>
    /// <param name="table">Parameter table.</param>
    public CorruptionEstimator RandomCorruption(string outputColumnName, string? inputColumnName = null, IEnumerable<string>? corruptions = null,
        IEnumerable<int>? severities = null, int? seed = null, CorruptionTable table = CorruptionTable.Auto)
        => Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = outputColumnName, InputColumnName = inputColumnName,
            Corruptions = (corruptions ?? CorruptionRegistry.Common).ToArray(),
            Severities = (severities ?? [1, 2, 3, 4, 5]).ToArray(), Seed = seed, Table = table,
        });

#pragma warning disable CS1573 // The shared parameters are documented once, on Corrupt.
    /// <summary>Gaussian noise (see <see cref="Corrupt(string, string, string?, int, int?, CorruptionTable)"/> for the parameters).</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator GaussianNoise(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("gaussian_noise", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Shot (Poisson) noise.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator ShotNoise(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("shot_noise", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Impulse (salt-and-pepper) noise.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator ImpulseNoise(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("impulse_noise", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Speckle (multiplicative) noise.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator SpeckleNoise(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("speckle_noise", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Gaussian blur.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator GaussianBlur(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("gaussian_blur", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Defocus blur.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator DefocusBlur(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("defocus_blur", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Glass blur.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator GlassBlur(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("glass_blur", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Motion blur.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator MotionBlur(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("motion_blur", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Zoom blur.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator ZoomBlur(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("zoom_blur", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Snow.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Snow(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("snow", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Frost (procedural frost layer).</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Frost(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("frost", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Fog.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Fog(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("fog", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Spatter (water at 1–3, mud at 4–5).</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Spatter(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("spatter", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Brightness.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Brightness(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("brightness", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Contrast.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Contrast(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("contrast", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Saturate.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Saturate(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("saturate", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Elastic transform.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator ElasticTransform(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("elastic_transform", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>Pixelate.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Pixelate(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("pixelate", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>JPEG compression (a real JPEG encoder at the table's quality).</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator JpegCompression(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null, CorruptionTable table = CorruptionTable.Auto) => Corrupt("jpeg_compression", outputColumnName, inputColumnName, severity, seed, table);
    /// <summary>MNIST-C shear.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Shear(string outputColumnName, string? inputColumnName = null, int severity = 2, int? seed = null) => Corrupt("shear", outputColumnName, inputColumnName, severity, seed);
    /// <summary>MNIST-C scale (shrink).</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Scale(string outputColumnName, string? inputColumnName = null, int severity = 3, int? seed = null) => Corrupt("scale", outputColumnName, inputColumnName, severity, seed);
    /// <summary>MNIST-C rotate.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Rotate(string outputColumnName, string? inputColumnName = null, int severity = 2, int? seed = null) => Corrupt("rotate", outputColumnName, inputColumnName, severity, seed);
    /// <summary>MNIST-C translate.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Translate(string outputColumnName, string? inputColumnName = null, int severity = 3, int? seed = null) => Corrupt("translate", outputColumnName, inputColumnName, severity, seed);
    /// <summary>MNIST-C quantize.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Quantize(string outputColumnName, string? inputColumnName = null, int severity = 1, int? seed = null) => Corrupt("quantize", outputColumnName, inputColumnName, severity, seed);
    /// <summary>MNIST-C stripe.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Stripe(string outputColumnName, string? inputColumnName = null, int? seed = null) => Corrupt("stripe", outputColumnName, inputColumnName, 1, seed);
    /// <summary>MNIST-C inverse.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Inverse(string outputColumnName, string? inputColumnName = null, int? seed = null) => Corrupt("inverse", outputColumnName, inputColumnName, 1, seed);
    /// <summary>MNIST-C line.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Line(string outputColumnName, string? inputColumnName = null, int? seed = null) => Corrupt("line", outputColumnName, inputColumnName, 1, seed);
    /// <summary>MNIST-C dotted line.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator DottedLine(string outputColumnName, string? inputColumnName = null, int? seed = null) => Corrupt("dotted_line", outputColumnName, inputColumnName, 1, seed);
    /// <summary>MNIST-C zigzag.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator Zigzag(string outputColumnName, string? inputColumnName = null, int? seed = null) => Corrupt("zigzag", outputColumnName, inputColumnName, 1, seed);
    /// <summary>MNIST-C Canny edge map.</summary>
    /// <param name="outputColumnName">Column to create.</param>
    public CorruptionEstimator CannyEdges(string outputColumnName, string? inputColumnName = null, int? seed = null) => Corrupt("canny_edges", outputColumnName, inputColumnName, 1, seed);
#pragma warning restore CS1573
}

/// <summary>Entry points: <c>mlContext.Corruptions</c> and training-only augmentation.</summary>
public static class CorruptionsCatalogExtensions
{
    // One catalog per context (the same instance on every call, as ML.NET's own catalogs).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MLContext, CorruptionsCatalog> Catalogs = new();

    /// <summary>The corruption catalog bound to a context.</summary>
    /// <param name="context">The context.</param>
    extension(MLContext context)
    {
        /// <summary>
        /// The corruption steps: <c>mlContext.Corruptions.GaussianNoise(...)</c> etc. A step's draws depend on its seed and
        /// the row id only; a step without a seed takes one from the context's seed (<see cref="Mtl.SeedPolicy"/>), so the
        /// same context seed gives the same corrupted rows wherever the step sits in a pipeline.
        /// </summary>
        public CorruptionsCatalog Corruptions => Catalogs.GetValue(context ?? throw new ArgumentNullException(nameof(context)), c => new CorruptionsCatalog(c));
    }

    /// <summary>
    /// Appends a corruption step that runs only while training (<see cref="TransformerScope.Training"/>):
    /// evaluation, prediction engines and <c>model.GetModelFor(TransformerScope.Scoring)</c> leave it out.
    /// The step must corrupt its column in place, so the later steps find the same column with or without it.
    /// </summary>
    /// <param name="start">The pipeline so far.</param>
    /// <param name="augmentation">An in-place corruption step.</param>
    public static EstimatorChain<CorruptionTransformer> Augment(this IEstimator<ITransformer> start, CorruptionEstimator augmentation)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(augmentation);
        if (!augmentation.IsInPlace)
            throw new ArgumentException("A training-only augmentation must corrupt its column in place (output column = input column); otherwise prediction, which skips it, would lack the output column.", nameof(augmentation));
        // ML.NET's Append extends an existing chain or starts one.
        return start.Append(augmentation, TransformerScope.Training);
    }
}
