using Mtl.Datasets.Idx;

namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class IdxReaderTests
{
    private static readonly byte[] s_imageData = Enumerable.Range(0, 2 * 3 * 4).Select(i => (byte)(i * 10)).ToArray();

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ReadsRawAndGzipIdentically(bool compressed)
    {
        using var temp = new TempFolder();
        var bytes = TempFolder.Idx([2, 3, 4], s_imageData);
        var path = temp.WriteBytes("images", compressed ? TempFolder.Gzip(bytes) : bytes);

        var array = IdxReader.ReadImages(path);

        CollectionAssert.AreEqual(new[] { 2, 3, 4 }, array.Dimensions.ToArray());
        CollectionAssert.AreEqual(s_imageData, array.Data);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void WrongMagicNumberIsReported(bool compressed)
    {
        using var temp = new TempFolder();
        var bytes = TempFolder.Idx([2, 3, 4], s_imageData);
        bytes[0] = 0x12; // e.g. a text or HTML file saved under the IDX name
        var path = temp.WriteBytes("bad-magic", compressed ? TempFolder.Gzip(bytes) : bytes);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "wrong magic number");
        StringAssert.Contains(e.Message, "0x12000803");
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void TruncatedDataIsReported(bool compressed)
    {
        using var temp = new TempFolder();
        var bytes = TempFolder.Idx([2, 3, 4], s_imageData);
        var cut = bytes[..^5];
        var path = temp.WriteBytes("short", compressed ? TempFolder.Gzip(cut) : cut);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "truncated");
        StringAssert.Contains(e.Message, "need 24 data bytes, found 19");
    }

    [TestMethod]
    public void TruncatedHeaderIsReported()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("header", TempFolder.Idx([2, 3, 4], s_imageData)[..9]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "truncated in its header");
    }

    [TestMethod]
    public void FileShorterThanMagicIsReported()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("tiny", [0, 0]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "too short for the 4-byte magic number");
    }

    [TestMethod]
    public void CutGzipStreamIsReportedAsDamaged()
    {
        using var temp = new TempFolder();
        var big = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray();
        var gz = TempFolder.Gzip(TempFolder.Idx([5000], big));
        var path = temp.WriteBytes("cut.gz", gz[..(gz.Length / 2)]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, path);
        Assert.IsTrue(e.Message.Contains("truncated") || e.Message.Contains("damaged"), e.Message);
    }

    [TestMethod]
    public void TrailingBytesAreReported()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("long", [.. TempFolder.Idx([2, 3, 4], s_imageData), 1, 2, 3]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "bytes after the 24 data bytes");
    }

    [TestMethod]
    public void NonByteDataTypeIsReported()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("floats", TempFolder.Idx([6], new byte[24], type: 0x0D));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.Read(path));

        StringAssert.Contains(e.Message, "data type 0x0D");
    }

    [TestMethod]
    public void ImageReaderRejectsLabelFile()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("labels", TempFolder.Idx([3], [1, 2, 3]));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadImages(path));

        StringAssert.Contains(e.Message, "needs 3 (count, rows, columns)");
    }

    [TestMethod]
    public void LabelOutOfRangeIsReportedWithItsIndex()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("labels", TempFolder.Idx([4], [0, 9, 10, 3]));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxReader.ReadLabels(path, 10));

        StringAssert.Contains(e.Message, "label 10 at index 2 is out of range; expected 0..9");
    }

    [TestMethod]
    public void LabelsInRangeAreReturned()
    {
        using var temp = new TempFolder();
        var path = temp.WriteBytes("labels", TempFolder.Gzip(TempFolder.Idx([4], [0, 9, 5, 3])));

        CollectionAssert.AreEqual(new byte[] { 0, 9, 5, 3 }, IdxReader.ReadLabels(path, 10));
    }

    [TestMethod]
    public void MissingFileIsReported()
    {
        using var temp = new TempFolder();
        var path = temp.File("absent");

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.AreEqual(path, e.FileName);
    }
}
