using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl train --data</c> on bad image data, in process: exit code 1, one error line naming the file, row or folder and
/// the fix, found while the schema is read (before any training), and no output folder written.
/// </summary>
[TestClass]
public sealed class ImageTrainErrorTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-image-errors");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    private string Out => folder.File("out");

    private ProcessResult Train(string data, params string[] more) => InProcessCli.Run(["train", "--data", data, .. more, "--out", Out, "--epochs", "1"]);

    private void AssertFailedCleanly(ProcessResult result, params string[] messageParts)
    {
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        StringAssert.StartsWith(result.StandardError, "error: ", result.Transcript);
        foreach (string part in messageParts)
            Assert.IsTrue(result.StandardError.Contains(part, StringComparison.Ordinal), $"the error does not say '{part}':\n{result.Transcript}");
        Assert.IsFalse(Directory.Exists(Out), "a failed run created the output folder");
    }

    private string Table(string text)
    {
        string path = folder.File("images.csv");
        File.WriteAllText(path, text);
        return path;
    }

    private void Png(string relative, int pattern = 0) => SyntheticImages.WritePng(folder.File(relative), pattern, 0.9, new Random(pattern));

    [TestMethod]
    public void AnImagePathThatDoesNotExist_NamesTheLineAndColumn()
    {
        Png("img/a.png");
        Png("img/b.png", 1);
        AssertFailedCleanly(Train(Table("picture,kind\nimg/a.png,x\nimg/b.png,y\nimg/gone.png,x\n"), "--label", "kind"),
            "line 4, column 'picture'", "gone.png' does not exist", "relative path is read from the data's folder");
    }

    [TestMethod]
    public void AFileThatIsNotAnImage_IsRefusedBeforeTraining()
    {
        Png("img/a.png");
        File.WriteAllText(folder.File("img/notes.png"), "this is text, not a PNG");
        AssertFailedCleanly(Train(Table("picture,kind\nimg/a.png,x\nimg/notes.png,y\n"), "--label", "kind"),
            "line 3, column 'picture'", "notes.png' is not an image", "PNG, JPEG, BMP, GIF or WEBP");
    }

    [TestMethod]
    public void ARowWithoutAnImage_NamesTheLine()
    {
        Png("img/a.png");
        AssertFailedCleanly(Train(Table("picture,kind\nimg/a.png,x\n,y\nimg/a.png,y\n"), "--label", "kind"), "line 3", "'picture' is empty", "Every row needs an image");
    }

    [TestMethod]
    public void AnImageColumnBesideOtherFeatures_SaysWhichToIgnore()
    {
        Png("img/a.png");
        Png("img/b.png", 1);
        AssertFailedCleanly(Train(Table("picture,size,kind\nimg/a.png,1,x\nimg/b.png,2,y\n"), "--label", "kind"), "'picture'", "--ignore-cols size");
    }

    [TestMethod]
    public void ATestFileWithAMissingImage_NamesItsLine_AndWhereRelativePathsAreRead()
    {
        Png("img/a.png");
        Png("img/b.png", 1);
        string test = folder.File("test.csv");
        File.WriteAllText(test, "picture,kind\nimg/b.png,y\nimg/elsewhere.png,x\n");
        AssertFailedCleanly(Train(Table("picture,kind\nimg/a.png,x\nimg/b.png,y\n"), "--label", "kind", "--test-data", test),
            $"The test file '{test}' line 3, column 'picture'", "elsewhere.png' does not exist", "read from the training data's folder");
    }

    [TestMethod]
    public void AnEmptyFolder_HasNoClasses()
    {
        Directory.CreateDirectory(folder.File("empty"));
        AssertFailedCleanly(Train(folder.File("empty")), "has no class subfolders", "subfolder named after the class");
    }

    [TestMethod]
    public void AClassFolderWithoutImages_IsNamed()
    {
        Png("data/cats/1.png");
        Directory.CreateDirectory(folder.File("data/dogs"));
        File.WriteAllText(folder.File("data/dogs/readme.txt"), "no images yet");
        AssertFailedCleanly(Train(folder.File("data")), "dogs' has no images", "or remove the folder");
    }

    [TestMethod]
    public void AFolderWithOneClass_NeedsTwo()
    {
        Png("data/cats/1.png");
        Png("data/cats/2.png");
        AssertFailedCleanly(Train(folder.File("data")), "one class only ('cats')", "at least two class subfolders");
    }

    [TestMethod]
    public void ABrokenImageInAClassFolder_IsNamed()
    {
        Png("data/cats/1.png");
        Png("data/dogs/1.png", 1);
        File.WriteAllBytes(folder.File("data/dogs/2.jpg"), [0xFF, 0xD8, 0x00, 0x01]);
        AssertFailedCleanly(Train(folder.File("data")), "class 'dogs'", "2.jpg' is not an image");
    }

    [TestMethod]
    public void AFolderWithTwoLabels_PointsToAnImageTable()
    {
        Png("data/cats/1.png");
        Png("data/dogs/1.png", 1);
        AssertFailedCleanly(Train(folder.File("data"), "--label", "a", "--label", "b"), "one task", "image-path column");
    }
}
