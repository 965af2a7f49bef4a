using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Datasets.Tests;

/// <summary>
/// Loads through <c>mlContext.Data</c> are lazy like ML.NET's own loaders: missing files fail at the load,
/// nothing is read before the first cursor, damaged files fail at that first read.
/// </summary>
[TestClass]
public sealed class CatalogLazinessTests
{
    private static void WriteTestFiles(TempFolder folder, byte[] labels)
    {
        var pixels = new byte[labels.Length * 784];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 7 % 251);
        folder.WriteBytes("t10k-images-idx3-ubyte", TempFolder.Idx([labels.Length, 28, 28], pixels));
        folder.WriteBytes("t10k-labels-idx1-ubyte", TempFolder.Idx([labels.Length], labels));
    }

    private static List<uint> LeftKeys(IDataView view) => ColumnValues.Read<uint>(view, MultiTaskDatasets.LeftColumnName);

    [TestMethod]
    public void NothingIsReadBeforeTheFirstCursor()
    {
        using var temp = new TempFolder();
        WriteTestFiles(temp, [1, 2, 3, 4]);
        var view = new MLContext(seed: 1).Data.LoadMultiFashion(DatasetSplit.Test, fashionDirectory: temp.Path);

        // Replace the labels after the load: the view must see the new ones, so it had not read the file.
        WriteTestFiles(temp, [5, 6, 7, 8, 9]);

        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), view.Schema[MultiTaskDatasets.LeftColumnName].Type);
        CollectionAssert.AreEqual(new uint[] { 6, 7, 8, 9, 10 }, LeftKeys(view));
        Assert.AreEqual(5L, view.GetRowCount());
    }

    [TestMethod]
    public void AMissingFileFailsAtTheLoadNamingIt()
    {
        using var temp = new TempFolder();
        WriteTestFiles(temp, [1, 2]);
        File.Delete(temp.File("t10k-labels-idx1-ubyte"));
        var data = new MLContext(seed: 1).Data;

        var multi = Assert.ThrowsExactly<FileNotFoundException>(() => data.LoadMultiFashion(DatasetSplit.Test, fashionDirectory: temp.Path));
        var attributes = Assert.ThrowsExactly<FileNotFoundException>(() => data.LoadFashionAttributes(DatasetSplit.Test, fashionDirectory: temp.Path));

        foreach (var e in new[] { multi, attributes })
        {
            StringAssert.Contains(e.Message, "t10k-labels-idx1-ubyte");
            StringAssert.Contains(e.Message, temp.Path);
        }
    }

    [TestMethod]
    public void AMissingDigitFileFailsAtTheLoadNamingIt()
    {
        using var temp = new TempFolder();
        temp.WriteText("0.json", "[]");

        var e = Assert.ThrowsExactly<FileNotFoundException>(
            () => new MLContext(seed: 1).Data.LoadMultiMnist(DatasetSplit.Test, mnistDirectory: temp.Path));

        StringAssert.Contains(e.Message, "1.json");
        StringAssert.Contains(e.Message, "scripts/bootstrap.sh");
    }

    [TestMethod]
    public void ADamagedFileFailsAtTheFirstReadNamingIt()
    {
        using var temp = new TempFolder();
        WriteTestFiles(temp, [1, 2, 3]);
        var full = File.ReadAllBytes(temp.File("t10k-images-idx3-ubyte"));
        temp.WriteBytes("t10k-images-idx3-ubyte", full[..(full.Length - 100)]);

        var view = new MLContext(seed: 1).Data.LoadMultiFashion(DatasetSplit.Test, fashionDirectory: temp.Path);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => view.GetRowCursor(view.Schema));
        StringAssert.Contains(e.Message, "t10k-images-idx3-ubyte");
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void AttributesThroughTheCatalogEqualTheBuildersView()
    {
        var fromCatalog = new MLContext(seed: 1).Data.LoadFashionAttributes(DatasetSplit.Test);
        var fromBuilder = MultiTaskDatasets.CreateFashionAttributes(DatasetSplit.Test).AsDataView();

        CollectionAssert.AreEqual(fromBuilder.Schema.Select(c => (c.Name, c.Type)).ToArray(), fromCatalog.Schema.Select(c => (c.Name, c.Type)).ToArray());
        Assert.AreEqual(fromBuilder.GetRowCount(), fromCatalog.GetRowCount());
        foreach (var name in new[] { MultiTaskDatasets.ClassColumnName, MultiTaskDatasets.CoarseColumnName, MultiTaskDatasets.UpperBodyColumnName })
            CollectionAssert.AreEqual(ColumnValues.Read<uint>(fromBuilder, name), ColumnValues.Read<uint>(fromCatalog, name), name);
    }
}
