using System.Text;
using Mtl.Cli.Tests.Support;

namespace Mtl.Cli.Tests;

/// <summary>
/// <c>mtl train --data</c> on bad input, in process through <see cref="Program.Main"/>: exit code 1, one error line that
/// names the file, row or column and the fix, and no model folder or zip written.
/// </summary>
[TestClass]
public sealed class TableTrainErrorTests
{
    private TempFolder folder = null!;

    [TestInitialize]
    public void CreateFolder() => folder = new TempFolder("mtl-cli-tests-table-errors");

    [TestCleanup]
    public void DeleteFolder() => folder.Dispose();

    private string Out => folder.File("out");

    private string Table(string text)
    {
        string path = folder.File("table.csv");
        File.WriteAllText(path, text);
        return path;
    }

    // A small table: a feature, a class label and a number label; each test spoils one thing.
    private static string Rows(Func<int, string> row, string header = "a,kind,value")
    {
        var text = new StringBuilder(header + "\n");
        for (int i = 0; i < 30; i++) text.Append(row(i)).Append('\n');
        return text.ToString();
    }

    private ProcessResult Train(string data, params string[] labels) =>
        InProcessCli.Run(["train", "--data", data, .. labels.SelectMany(l => new[] { "--label", l }), "--out", Out, "--epochs", "1"]);

    private void AssertFailedCleanly(ProcessResult result, params string[] messageParts)
    {
        Assert.AreEqual(1, result.ExitCode, result.Transcript);
        StringAssert.StartsWith(result.StandardError, "error: ", result.Transcript);
        foreach (string part in messageParts)
            Assert.IsTrue(result.StandardError.Contains(part, StringComparison.Ordinal), $"the error does not say '{part}':\n{result.Transcript}");
        Assert.IsFalse(Directory.Exists(Out), "a failed run created the output folder");
    }

    [TestMethod]
    public void MissingFile_NamesIt()
    {
        string missing = folder.File("no-such.csv");
        AssertFailedCleanly(Train(missing, "kind"), $"The data file '{missing}' does not exist", "pass the path of a CSV or TSV file");
    }

    [TestMethod]
    public void BinaryFile_IsNotATable()
    {
        // The start of a PNG: a first "line" of text-like bytes, then NUL bytes.
        string path = folder.File("picture.csv");
        File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52]);
        AssertFailedCleanly(Train(path, "kind"), $"'{path}' is not a table: it holds binary data", "Pass a CSV or TSV file");
    }

    [TestMethod]
    public void EmptyFile_SaysSo()
    {
        string path = Table("");
        AssertFailedCleanly(Train(path, "kind"), $"'{path}' is empty", "header line and data rows");
    }

    [TestMethod]
    public void LabelNotInTheHeader_ListsTheColumns()
    {
        string path = Table(Rows(i => $"{i},c{i % 3},{i}"));
        AssertFailedCleanly(Train(path, "Kind"), $"The label column 'Kind' is not in the header of '{path}'", "its columns are: a, kind, value",
            "names are case-sensitive");
    }

    [TestMethod]
    public void LabelWithNoLabelledRows_NamesTheColumn()
    {
        string path = Table(Rows(i => $"{i},c{i % 3},{(i % 2 == 0 ? "NA" : "")}"));
        AssertFailedCleanly(Train(path, "kind", "value"), $"The label column 'value' of '{path}' has no labelled rows", "all 30 values are empty",
            "pick another --label");
    }

    [TestMethod]
    public void ConstantLabel_SaysThereIsNothingToLearn()
    {
        string path = Table(Rows(i => $"{i},same,{i}"));
        AssertFailedCleanly(Train(path, "kind"), "The label column 'kind'", "one value only ('same')", "nothing to learn");
    }

    [TestMethod]
    public void TextInARegressionLabel_NamesTheLineAndValue()
    {
        string path = Table(Rows(i => $"{i},c{i % 3},{(i == 4 ? "heavy" : i * 0.5)}"));
        // Line 6: the header is line 1, row i is line i + 2.
        AssertFailedCleanly(Train(path, "kind", "value:regression"), "The label column 'value'", "line 6 holds 'heavy', which is not a number",
            "--label value:multiclass");
    }

    [TestMethod]
    public void TextInANumericColumnOfTheTestFile_NamesTheFileLineAndColumn()
    {
        string train = Table(Rows(i => $"{i * 0.1},c{i % 3},{i * 0.5}"));
        string test = folder.File("test.csv");
        // Line 4 of the test file: 'a' is a number column in the training file; text there would load as a silent NaN.
        File.WriteAllText(test, Rows(i => $"{(i == 2 ? "lots" : (i * 0.1).ToString(System.Globalization.CultureInfo.InvariantCulture))},c{i % 3},{i * 0.5}"));
        ProcessResult result = InProcessCli.Run("train", "--data", train, "--test-data", test, "--label", "kind", "--label", "value", "--out", Out, "--epochs", "1");
        AssertFailedCleanly(result, $"The test file '{test}' line 4, column 'a': 'lots' is not a number", "Fix the value, or leave it empty");
    }

    [TestMethod]
    public void DuplicateLabel_IsRefused()
    {
        string path = Table(Rows(i => $"{i},c{i % 3},{i}"));
        AssertFailedCleanly(Train(path, "kind", "value", "kind:multiclass"), "--label 'kind' is given twice");
    }

    [TestMethod]
    public void RowWithTheWrongNumberOfFields_NamesTheLine()
    {
        string path = Table(Rows(i => i == 9 ? $"{i},c0" : $"{i},c{i % 3},{i}"));
        AssertFailedCleanly(Train(path, "kind"), $"'{path}' line 11 has 2 fields where the header has 3");
    }

    [TestMethod]
    public void BuiltInDatasetFlags_AreRefusedWithData()
    {
        string path = Table(Rows(i => $"{i},c{i % 3},{i}"));
        AssertFailedCleanly(InProcessCli.Run("train", "--data", path, "--label", "kind", "--model", folder.File("m.zip")), "--model belongs to the built-in datasets");
    }

    [TestMethod]
    public void TableFlagsWithoutData_AreRefused_NotIgnored()
    {
        AssertFailedCleanly(InProcessCli.Run("train", "--dataset", "multi-fashion", "--label", "Left", "--out", Out), "--label belongs to --data");
    }

    [TestMethod]
    public void BinaryLabelWithThreeValues_SuggestsMulticlass()
    {
        string path = Table(Rows(i => $"{i},c{i % 3},{i}"));
        AssertFailedCleanly(Train(path, "kind:binary"), "The label column 'kind'", "has 3 distinct values (c0, c1, c2)", "--label kind:multiclass");
    }
}
