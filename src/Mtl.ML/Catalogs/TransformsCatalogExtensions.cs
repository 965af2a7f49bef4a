namespace Mtl.ML;

using Mtl.ML.Data;
using Mtl.ML.Transforms;

/// <summary>Column operations on <see cref="TransformsCatalog"/>: copy, concatenate, select, drop.</summary>
public static class TransformExtensionsCatalog
{
    /// <summary>Copies <paramref name="inputColumnName"/> to <paramref name="outputColumnName"/>.</summary>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, string outputColumnName, string inputColumnName) =>
        new(catalog.Environment, outputColumnName, inputColumnName);

    /// <summary>Copies several columns.</summary>
    public static ColumnCopyingEstimator CopyColumns(this TransformsCatalog catalog, params InputOutputColumnPair[] columns) =>
        new(catalog.Environment, InputOutputColumnPair.ToTuples(columns));

    /// <summary>Concatenates <paramref name="inputColumnNames"/> (same item type) into vector <paramref name="outputColumnName"/>.</summary>
    public static ColumnConcatenatingEstimator Concatenate(this TransformsCatalog catalog, string outputColumnName, params string[] inputColumnNames) =>
        new(catalog.Environment, outputColumnName, inputColumnNames);

    /// <summary>Drops the named columns.</summary>
    public static ColumnSelectingEstimator DropColumns(this TransformsCatalog catalog, params string[] columnNames) =>
        new(catalog.Environment, null, columnNames);

    /// <summary>Keeps only the named columns, in the given order; hidden columns are dropped unless <paramref name="keepHidden"/>.</summary>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, string[] columnNames, bool keepHidden) =>
        new(catalog.Environment, columnNames, null, keepHidden);

    /// <summary>Keeps only the named columns, in the given order.</summary>
    public static ColumnSelectingEstimator SelectColumns(this TransformsCatalog catalog, params string[] columnNames) =>
        new(catalog.Environment, columnNames, null, false);
}

/// <summary>Key conversions on <see cref="TransformsCatalog.ConversionTransforms"/>.</summary>
public static class ConversionsExtensionsCatalog
{
    /// <summary>Learns a dictionary of the values of <paramref name="inputColumnName"/> and maps them to 1-based keys (0 = unseen/missing).</summary>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName,
        string? inputColumnName = null, int maximumNumberOfKeys = ValueToKeyMappingEstimator.Defaults.MaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = ValueToKeyMappingEstimator.Defaults.AddKeyValueAnnotationsAsText, IDataView? keyData = null) =>
        new(catalog.Environment, outputColumnName, inputColumnName, maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);

    /// <summary>Maps keys for several columns.</summary>
    public static ValueToKeyMappingEstimator MapValueToKey(this TransformsCatalog.ConversionTransforms catalog, InputOutputColumnPair[] columns,
        int maximumNumberOfKeys = ValueToKeyMappingEstimator.Defaults.MaximumNumberOfKeys,
        ValueToKeyMappingEstimator.KeyOrdinality keyOrdinality = ValueToKeyMappingEstimator.Defaults.Ordinality,
        bool addKeyValueAnnotationsAsText = ValueToKeyMappingEstimator.Defaults.AddKeyValueAnnotationsAsText, IDataView? keyData = null) =>
        new(catalog.Environment, InputOutputColumnPair.ToTuples(columns), maximumNumberOfKeys, keyOrdinality, addKeyValueAnnotationsAsText, keyData);

    /// <summary>Maps keys of <paramref name="inputColumnName"/> back to their values.</summary>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, string outputColumnName, string? inputColumnName = null) =>
        new(catalog.Environment, outputColumnName, inputColumnName);

    /// <summary>Maps keys back to values for several columns.</summary>
    public static KeyToValueMappingEstimator MapKeyToValue(this TransformsCatalog.ConversionTransforms catalog, params InputOutputColumnPair[] columns) =>
        new(catalog.Environment, InputOutputColumnPair.ToTuples(columns));
}

/// <summary>Normalizers on <see cref="TransformsCatalog"/>.</summary>
public static class NormalizationCatalog
{
    /// <summary>Scales by the observed range: to [0, 1] via (x - min)/(max - min), or with <paramref name="fixZero"/> to [-1, 1] via x / max|x|.</summary>
    public static NormalizingEstimator NormalizeMinMax(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        long maximumExampleCount = 1000000000, bool fixZero = true) =>
        new(catalog.Environment, new NormalizingEstimator.ColumnOptions(outputColumnName, inputColumnName ?? outputColumnName,
            NormalizingEstimator.NormalizationMode.MinMax, maximumExampleCount, fixZero));

    /// <summary>
    /// Standardizes: (x - mean)/stddev, or with <paramref name="fixZero"/> x / sqrt(mean² + variance); with <paramref name="useCdf"/>
    /// the output is the normal CDF of (x - mean)/stddev.
    /// </summary>
    public static NormalizingEstimator NormalizeMeanVariance(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        long maximumExampleCount = 1000000000, bool fixZero = true, bool useCdf = false) =>
        new(catalog.Environment, new NormalizingEstimator.ColumnOptions(outputColumnName, inputColumnName ?? outputColumnName,
            NormalizingEstimator.NormalizationMode.MeanVariance, maximumExampleCount, fixZero, useCdf));
}

/// <summary>Custom mappings on <see cref="TransformsCatalog"/>.</summary>
public static class CustomMappingCatalog
{
    /// <summary>
    /// Adds the members of <typeparamref name="TOutputSchema"/> as columns computed by <paramref name="mapAction"/> from the columns
    /// of <typeparamref name="TInputSchema"/>. Give <paramref name="contractName"/> (and a matching factory) to save the model.
    /// </summary>
    public static CustomMappingEstimator<TInputSchema, TOutputSchema> CustomMapping<TInputSchema, TOutputSchema>(this TransformsCatalog catalog,
        Action<TInputSchema, TOutputSchema> mapAction, string? contractName, SchemaDefinition? inputSchemaDefinition = null,
        SchemaDefinition? outputSchemaDefinition = null)
        where TInputSchema : class, new() where TOutputSchema : class, new() =>
        new(catalog.Environment, mapAction, contractName, inputSchemaDefinition, outputSchemaDefinition);
}
