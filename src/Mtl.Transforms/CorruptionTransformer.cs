using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.DataView;

namespace Mtl.Transforms;

/// <summary>
/// Applies a corruption — or, per row, one drawn from a set of (corruption, severity) choices — to
/// image columns (<see cref="ImageDataViewType"/>, <see cref="MLImage"/> values) or pixel-vector
/// columns (<c>Vector&lt;Single, C, H, W&gt;</c> planar with C = 1 or 3, or <c>Vector&lt;Single, H, W&gt;</c>).
/// Lazy: a row is corrupted when its output getter is called. Every draw of a row comes from a
/// generator seeded by (step seed, column pair, row id), so a row's output does not
/// depend on which rows are read, how often, or in what order.
/// </summary>
/// <remarks>
/// A corruption step is augmentation, not part of a model: <see cref="ICanSaveModel.Save"/> throws
/// <see cref="NotSupportedException"/>. Append it with <see cref="TransformerScope.Training"/>
/// (<see cref="CorruptionsCatalogExtensions.Augment"/>) and save
/// <c>model.GetModelFor(TransformerScope.Scoring)</c>, or corrupt inside training with the trainer's
/// <c>Options.Augmentation</c>.
/// </remarks>
public sealed class CorruptionTransformer : ITransformer
{
    /// <summary>The message of the <see cref="NotSupportedException"/> thrown when a corruption step is saved.</summary>
    public const string SaveNotSupportedMessage =
        "A corruption step cannot be saved in an ML.NET model: ML.NET keeps its model-save plumbing internal, and corruptions are "
        + "augmentation, not scoring. Either (1) corrupt during training with MultiHeadNetworkTrainer.Options.Augmentation "
        + "(corruptions drawn fresh each epoch, never saved), or (2) append the step with TransformerScope.Training "
        + "(pipeline.Augment(...) or Append(step, TransformerScope.Training)) and save model.GetModelFor(TransformerScope.Scoring).";

    private readonly (string OutputColumnName, string InputColumnName)[] _columns;

    /// <summary>Creates the transformer.</summary>
    /// <param name="choices">The (corruption, severity) choices: one = always it; several = one drawn per row.</param>
    /// <param name="seed">The step's seed (<see cref="Mtl.SeedPolicy"/>); a row's draws depend on it, the column pair and the row id only.</param>
    /// <param name="pixelScale">Vector values v map to pixels in [0, 1] as v·scale + offset: 1 for [0, 1] data, 255 for byte-range data, σ for (x − μ)/σ-normalized data.</param>
    /// <param name="pixelOffset">The offset of that map: 0, or μ for normalized data.</param>
    /// <param name="columns">(output, input) column pairs, at least one.</param>
    public CorruptionTransformer(IEnumerable<ImageCorruption> choices, int seed, float pixelScale, float pixelOffset,
        params (string OutputColumnName, string InputColumnName)[] columns)
    {
        Sampler = new CorruptionSampler(choices);
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0) throw new ArgumentException("A corruption step needs at least one (output, input) column pair.", nameof(columns));
        foreach (var (output, input) in columns)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(output, nameof(columns));
            ArgumentException.ThrowIfNullOrWhiteSpace(input, nameof(columns));
        }
        if (!float.IsFinite(pixelScale) || pixelScale == 0 || !float.IsFinite(pixelOffset))
            throw new ArgumentOutOfRangeException(nameof(pixelScale), $"Pixel map v·{pixelScale} + {pixelOffset}: the scale must be finite and non-zero, the offset finite (1 and 0 for [0, 1] data, 255 and 0 for byte-range data, σ and μ for normalized data).");
        _columns = [.. columns];
        Seed = seed;
        PixelScale = pixelScale;
        PixelOffset = pixelOffset;
    }

    /// <summary>The per-row sampler over the choices.</summary>
    public CorruptionSampler Sampler { get; }

    /// <summary>The (corruption, severity) choices.</summary>
    public IReadOnlyList<ImageCorruption> Choices => Sampler.Choices;

    /// <summary>The (output, input) column pairs.</summary>
    public IReadOnlyList<(string OutputColumnName, string InputColumnName)> Columns => _columns;

    /// <summary>The step's seed.</summary>
    public int Seed { get; }

    /// <summary>Vector values v are pixels v·<see cref="PixelScale"/> + <see cref="PixelOffset"/> in [0, 1].</summary>
    public float PixelScale { get; }

    /// <summary>See <see cref="PixelScale"/>.</summary>
    public float PixelOffset { get; }

    /// <summary>Whether every pair corrupts its column in place (needed for training-only augmentation).</summary>
    public bool IsInPlace => _columns.All(p => p.OutputColumnName == p.InputColumnName);

    /// <summary>True: the step maps rows one to one.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The generator of a row's draws for one column pair: depends on (seed, pair, row id) only.</summary>
    /// <param name="pairIndex">Column pair index.</param>
    /// <param name="rowId">The row's id.</param>
    public CorruptionRandom RandomFor(int pairIndex, DataViewRowId rowId)
    {
        ulong stepKey = (ulong)(uint)Seed ^ ((ulong)pairIndex * 0x9E3779B97F4A7C15UL);
        ulong rowKey = rowId.Low ^ CorruptionRandom.Mix(rowId.High);
        // The first key is 0 (it once carried a context key) so that a given seed keeps the draws it always gave.
        return new CorruptionRandom(CorruptionRandom.Combine(0UL, stepKey, rowKey));
    }

    /// <summary>The input schema plus the corrupted columns (same types and annotations as their inputs).</summary>
    /// <param name="inputSchema">The input schema.</param>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or of an unsupported type (the message names it).</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => new CorruptionBinding(this, inputSchema).OutputSchema;

    /// <summary>The row-to-row mapper over <paramref name="inputSchema"/>.</summary>
    /// <param name="inputSchema">The input schema.</param>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new CorruptionRowMapper(new CorruptionBinding(this, inputSchema));

    /// <summary>The lazy corrupted view of <paramref name="input"/>.</summary>
    /// <param name="input">The data.</param>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new CorruptedDataView(new CorruptionBinding(this, input.Schema), input);
    }

    /// <summary>Always throws: corruption steps are not part of saved models (see <see cref="SaveNotSupportedMessage"/>).</summary>
    /// <param name="ctx">The save context.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(SaveNotSupportedMessage);
}
