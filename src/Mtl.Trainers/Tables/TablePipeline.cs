using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Mtl.Trainers.Tables;

/// <summary>
/// A multi-task model for a table, fitted by <see cref="TablePipeline.Fit"/>: one chain of ML.NET transforms (label
/// preparation, numeric, categorical and text featurisation) followed by the multi-head network. The chain takes the
/// rows as <see cref="TablePipeline.CreateLoader"/> loads them from the file, so a saved zip takes raw rows.
/// </summary>
/// <param name="Model">The whole chain, preprocessing and network; what goes into the zip.</param>
/// <param name="Network">The chain's last transformer (tasks, class names, training report).</param>
public sealed record TableModel(TransformerChain<MultiHeadNetworkTransformer> Model, MultiHeadNetworkTransformer Network);

/// <summary>
/// Turns a <see cref="TableSchema"/> into ML.NET: the <see cref="TextLoader"/> that reads the file's raw rows, the
/// preprocessing in front of the trainer, and the fit with a validation split for early stopping.
/// </summary>
public static class TablePipeline
{
    /// <summary>Share of the training rows held out as the trainer's validation set (early stopping, best epoch).</summary>
    public const double ValidationFraction = 0.2;

    /// <summary>
    /// The loader of the table's raw rows: numeric features and regression labels as <c>Single</c> (missing → NaN), every
    /// other loaded column as text; ignored columns are not loaded.
    /// </summary>
    /// <exception cref="InvalidOperationException">The schema is an image folder's, which has no text file (use <see cref="Load"/>).</exception>
    public static TextLoader CreateLoader(MLContext ml, TableSchema schema)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        if (schema.IsImageFolder)
            throw new InvalidOperationException($"'{schema.Path}' is an image folder, not a text file; load its rows with TablePipeline.Load.");
        return ml.Data.CreateTextLoader(new TextLoader.Options
        {
            Separators = [schema.Separator],
            HasHeader = schema.HasHeader,
            AllowQuoting = true,
            MissingRealsAsNaNs = true,
            Columns = schema.Columns.Where(c => c.Purpose != ColumnPurpose.Ignore)
                .Select(c => new TextLoader.Column(c.Name, c.LoadsAsNumber ? DataKind.Single : DataKind.String, c.Index)).ToArray(),
        });
    }

    /// <summary>
    /// The raw rows of <paramref name="path"/> (the schema's own data, or a test file or folder like it): a table through
    /// <see cref="CreateLoader"/>; an image folder as rows of (image path, class), the path absolute.
    /// </summary>
    public static IDataView Load(MLContext ml, TableSchema schema, string path)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(path);
        if (!schema.IsImageFolder) return CreateLoader(ml, schema).Load(path);
        IReadOnlyList<(string Path, string Class)> rows = path == schema.Path ? schema.FolderRows! : ImageData.FolderRows(path);
        SchemaDefinition definition = SchemaDefinition.Create(typeof(FolderRow));
        definition[nameof(FolderRow.ImagePath)].ColumnName = schema.Columns[0].Name;
        definition[nameof(FolderRow.Label)].ColumnName = schema.Labels[0].Name;
        return ml.Data.LoadFromEnumerable(rows.Select(r => new FolderRow { ImagePath = r.Path, Label = r.Class }).ToList(), definition);
    }

    /// <summary>
    /// The preprocessing in front of the trainer, as one estimator chain. Labels: multiclass text → key over the values of
    /// <paramref name="training"/> (a missing or unseen value is key 0, "not labelled"); binary → a two-value key (false,
    /// true; anything else key 0); regression stays <c>Single</c> with NaN for missing. Features: numbers with missing values
    /// replaced by the mean and normalised to mean 0, variance 1; categories one-hot (an unseen value is all zeros); free text
    /// through FeaturizeText; all concatenated into <paramref name="featureColumnName"/>. Images (<see cref="TableSchema.Images"/>):
    /// LoadImages (relative paths from <see cref="ImageSet.Folder"/>), ResizeImages to the set's square side (centre crop),
    /// grey when the set is grey, and ExtractPixels scaled to [0, 1], planar, shaped (channels, side, side) for a conv trunk.
    /// </summary>
    /// <exception cref="InvalidDataException">A label has no labelled rows in <paramref name="training"/>, or a binary label not two values.</exception>
    public static IEstimator<ITransformer> CreatePreprocessing(MLContext ml, TableSchema schema, IDataView training, string featureColumnName)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(training);
        IEstimator<ITransformer> chain = new EstimatorChain<ITransformer>();
        foreach (TableColumn label in schema.Labels)
        {
            if (label.Kind == TaskKind.Regression) continue;
            string[] values = TrainingValues(training, label.Name);
            if (values.Length == 0)
                throw new InvalidDataException($"The label column '{label.Name}' has no labelled rows among the training rows of '{schema.Path}'; " +
                    "hold out fewer rows for the test (--test-fraction), or fill in more of the column.");
            if (label.Kind == TaskKind.Binary)
            {
                if (values.Length != 2)
                    throw new InvalidDataException($"The binary label column '{label.Name}' has {values.Length} value(s) among the training rows of " +
                        $"'{schema.Path}' ({string.Join(", ", values)}); it needs both of its two values there. Use more training rows.");
                (string no, string yes) = TableSchema.BinaryOrder(values[0], values[1]);
                values = [no, yes];
            }
            IDataView keys = ml.Data.LoadFromEnumerable(values.Select(v => new KeyValue { Value = v }));
            chain = chain.Append(ml.Transforms.Conversion.MapValueToKey(label.Name, label.Name, keyData: keys));
        }

        if (schema.Images is { } images) return chain.Append(ImagePreprocessing(ml, schema, images, featureColumnName));

        var parts = new List<string>();
        string[] numbers = Features(schema).Where(c => c.LoadsAsNumber).Select(c => c.Name).ToArray();
        if (numbers.Length > 0)
        {
            string numeric = UniqueName(schema, featureColumnName + ".Numbers");
            chain = chain.Append(ml.Transforms.Concatenate(numeric, numbers))
                .Append(ml.Transforms.ReplaceMissingValues(numeric))
                .Append(ml.Transforms.NormalizeMeanVariance(numeric));
            parts.Add(numeric);
        }
        foreach (TableColumn c in Features(schema).Where(c => !c.LoadsAsNumber))
        {
            string encoded = UniqueName(schema, $"{featureColumnName}.{c.Name}");
            chain = c.Values == ColumnValues.Text
                ? chain.Append(ml.Transforms.Text.FeaturizeText(encoded, c.Name))
                : chain.Append(ml.Transforms.Categorical.OneHotEncoding(encoded, c.Name));
            parts.Add(encoded);
        }
        if (parts.Count == 0)
            throw new InvalidDataException($"'{schema.Path}' has no feature columns left: every column is a label or ignored. Keep at least one input column.");
        return chain.Append(ml.Transforms.Concatenate(featureColumnName, parts.ToArray()));
    }

    /// <summary>
    /// Fits the preprocessing and the multi-head network on <paramref name="training"/> (raw rows from
    /// <see cref="CreateLoader"/>): <see cref="ValidationFraction"/> of it, drawn with <paramref name="seed"/>, is the
    /// validation set of early stopping; the settings come from <paramref name="config"/> through its one mapping to options.
    /// </summary>
    public static TableModel Fit(MLContext ml, TableSchema schema, IDataView training, TrainingConfig config, int seed, TrainingHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(config);
        string features = FeatureColumnName(schema);
        IEstimator<ITransformer> preprocessing = CreatePreprocessing(ml, schema, training, features);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(training, ValidationFraction, seed: seed);
        ITransformer prepared = preprocessing.Fit(split.TrainSet);
        MultiHeadNetworkTrainer.Options options = config.ToOptions(features, schema.Tasks(), prepared.Transform(split.TestSet));
        MultiHeadNetworkTransformer network = ml.MultiTask().Trainers.MultiHead(options).Fit(prepared.Transform(split.TrainSet), hooks ?? new TrainingHooks());
        var chain = new TransformerChain<ITransformer>(prepared).Append(network);
        return new TableModel(chain, network);
    }

    // Image path → MLImage → square side → (grey) → planar pixels in [0, 1]: the Vector<Single, C, S, S> a conv trunk reads.
    private static IEstimator<ITransformer> ImagePreprocessing(MLContext ml, TableSchema schema, ImageSet images, string featureColumnName)
    {
        string image = UniqueName(schema, featureColumnName + ".Image");
        IEstimator<ITransformer> chain = ml.Transforms.LoadImages(image, images.Folder, images.Column)
            .Append(ml.Transforms.ResizeImages(image, images.Side, images.Side, image, ImageResizingEstimator.ResizingKind.IsoCrop));
        if (images.Channels == 1) chain = chain.Append(ml.Transforms.ConvertToGrayscale(image));
        return chain.Append(ml.Transforms.ExtractPixels(featureColumnName, image,
            images.Channels == 1 ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
            interleavePixelColors: false, scaleImage: 1f / 255));
    }

    /// <summary>The feature column's name: "Features", or a variant when the table has a column of that name.</summary>
    public static string FeatureColumnName(TableSchema schema) => UniqueName(schema, "Features");

    private static IEnumerable<TableColumn> Features(TableSchema schema) => schema.Columns.Where(c => c.Purpose == ColumnPurpose.Feature);

    private static string UniqueName(TableSchema schema, string preferred)
    {
        string name = preferred;
        for (int i = 1; schema.Header.Contains(name, StringComparer.Ordinal); i++) name = $"{preferred}_{i}";
        return name;
    }

    // The distinct labelled values of a text label column, in ordinal order: the class names.
    private static string[] TrainingValues(IDataView data, string column)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ReadOnlyMemory<char> v in data.GetColumn<ReadOnlyMemory<char>>(column))
            if (!TableSchema.IsMissing(v.Span)) values.Add(v.ToString());
        return values.ToArray();
    }

    private sealed class KeyValue
    {
        public string Value { get; set; } = "";
    }

    private sealed class FolderRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
