using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>Module.save/load in TorchSharp's state-dict format: exact bytes, round trips, and clear errors on bad files.</summary>
[TestClass]
public sealed class SerializationTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "mtl-torch-serialization-" + Guid.NewGuid().ToString("N"));

    public SerializationTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(directory, name);

    private static Sequential SmallNet(long seed)
    {
        manual_seed(seed);
        return nn.Sequential(
            ("conv", nn.Conv2d(1, 3, 3, padding: 1)), ("bn", nn.BatchNorm2d(3)), ("act", nn.ReLU()),
            ("flat", nn.Flatten()), ("fc", nn.Linear(3 * 4 * 4, 2)));
    }

    /// <summary>A few training-mode passes so the batch-norm buffers hold values other than their defaults.</summary>
    private static void WarmUp(Sequential net)
    {
        using var scope = NewDisposeScope();
        using var guard = no_grad();
        for (int i = 0; i < 3; i++) net.call(randn(new long[] { 5, 1, 4, 4 }) * 3 + 1);
    }

    /// <summary>The raw element bytes, to compare tensors bit for bit (NaN payloads and signed zeros included).</summary>
    private static byte[] Bytes(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray<float>().AsSpan()).ToArray(),
        ScalarType.Float64 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray<double>().AsSpan()).ToArray(),
        ScalarType.Int64 => System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.ToArray<long>().AsSpan()).ToArray(),
        _ => throw new NotSupportedException(t.dtype.ToString()),
    };

    private static Dictionary<string, byte[]> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => Bytes(kv.Value));

    private static void AssertSameState(Dictionary<string, byte[]> expected, nn.Module module)
    {
        Dictionary<string, byte[]> actual = Snapshot(module);
        CollectionAssert.AreEqual(expected.Keys.ToArray(), actual.Keys.ToArray());
        foreach (var (key, bytes) in expected) CollectionAssert.AreEqual(bytes, actual[key], key);
    }

    [TestMethod]
    public void FileBytesFollowTorchSharpsLayout()
    {
        using var scope = NewDisposeScope();
        using Linear layer = nn.Linear(2, 1);
        layer.load_state_dict(new() { ["weight"] = tensor(new float[] { 1.5f, -2f }, new long[] { 1, 2 }), ["bias"] = tensor(new float[] { 0.25f }) });
        using var stream = new MemoryStream();
        layer.save(stream);

        var expected = new List<byte> { 2 };                       // LEB128 entry count
        expected.AddRange(new byte[] { 6 }.Concat("weight"u8.ToArray())); // BinaryWriter string: length, UTF-8
        expected.AddRange(new byte[] { 6, 2, 1, 2 });               // Float32 = 6, two dimensions: 1, 2
        expected.AddRange(BitConverter.GetBytes(1.5f).Concat(BitConverter.GetBytes(-2f)));
        expected.AddRange(new byte[] { 4 }.Concat("bias"u8.ToArray()));
        expected.AddRange(new byte[] { 6, 1, 1 });
        expected.AddRange(BitConverter.GetBytes(0.25f));
        CollectionAssert.AreEqual(expected.ToArray(), stream.ToArray());
    }

    [TestMethod]
    public void DimensionsOf128OrMoreUseMultiByteLeb128()
    {
        using Linear wide = nn.Linear(200, 1, hasBias: false);
        using var stream = new MemoryStream();
        wide.save(stream);
        byte[] bytes = stream.ToArray();
        // count, "weight", dtype 6, rank 2, dims 1 and 200 = 0xC8 0x01.
        CollectionAssert.AreEqual(new byte[] { 6, 2, 1, 0xC8, 0x01 }, bytes.Skip(1 + 7).Take(5).ToArray());
        Assert.HasCount(1 + 7 + 5 + 200 * 4, bytes);
    }

    [TestMethod]
    public void SaveThenLoadRestoresParametersAndBuffersBitExactly()
    {
        string path = PathOf("net.bin");
        using Sequential original = SmallNet(1);
        WarmUp(original);
        Dictionary<string, byte[]> saved = Snapshot(original);
        Assert.AreEqual(3L, original.state_dict()["bn.num_batches_tracked"].item<long>());
        original.save(path);
        CollectionAssert.AreEqual(new[] { "net.bin" }, Directory.GetFiles(directory).Select(Path.GetFileName).ToArray(), "no temporary file is left behind");

        using Sequential restored = SmallNet(2);
        Assert.IsFalse(restored.state_dict()["fc.weight"].equal(original.state_dict()["fc.weight"]));
        restored.load(path);
        AssertSameState(saved, restored);

        using var scope = NewDisposeScope();
        original.eval();
        restored.eval();
        Tensor x = randn(new long[] { 2, 1, 4, 4 });
        Assert.IsTrue(original.call(x).equal(restored.call(x)));
    }

    [TestMethod]
    public void KeysOf128BytesOrMoreRoundTrip()
    {
        string longName = "encoder_" + new string('x', 150) + "_é"; // non-ASCII: the length prefix counts UTF-8 bytes
        using var scope = NewDisposeScope();
        using Sequential original = nn.Sequential((longName, nn.Linear(2, 2)));
        using var stream = new MemoryStream();
        original.save(stream);
        byte[] bytes = stream.ToArray();
        int keyBytes = System.Text.Encoding.UTF8.GetByteCount(longName + ".weight");
        CollectionAssert.AreEqual(new byte[] { (byte)(keyBytes & 0x7F | 0x80), (byte)(keyBytes >> 7) }, bytes[1..3]);
        stream.Position = 0;
        using Sequential restored = nn.Sequential((longName, nn.Linear(2, 2)));
        restored.load(stream);
        Assert.IsTrue(restored.get_parameter(longName + ".weight").equal(original.get_parameter(longName + ".weight")));
    }

    [TestMethod]
    public void StreamRoundTripLeavesTheStreamOpen()
    {
        using Sequential original = SmallNet(3);
        WarmUp(original);
        using var stream = new MemoryStream();
        original.save(stream);
        stream.WriteByte(0); // still open
        stream.SetLength(stream.Length - 1);
        stream.Position = 0;
        using Sequential restored = SmallNet(4);
        restored.load(stream);
        AssertSameState(Snapshot(original), restored);
    }

    [TestMethod]
    public void WrongShapeIsAClearErrorNamingFileKeyAndShapesAndLoadsNothing()
    {
        string path = PathOf("linear3.bin");
        using (Linear three = nn.Linear(3, 2)) three.save(path);
        using Linear four = nn.Linear(4, 2);
        Dictionary<string, byte[]> before = Snapshot(four);
        var e = Assert.ThrowsExactly<ArgumentException>(() => four.load(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "'weight'");
        StringAssert.Contains(e.Message, "[2, 3]");
        StringAssert.Contains(e.Message, "[2, 4]");
        AssertSameState(before, four); // the bias matched but must not have been copied
    }

    [TestMethod]
    public void WrongElementTypeOrArchitectureIsAClearError()
    {
        string path = PathOf("double.bin");
        using (Linear wide = nn.Linear(3, 2, dtype: ScalarType.Float64)) wide.save(path);
        using Linear single = nn.Linear(3, 2);
        var e = Assert.ThrowsExactly<ArgumentException>(() => single.load(path));
        StringAssert.Contains(e.Message, "Float64");
        StringAssert.Contains(e.Message, "Float32");

        using Sequential net = SmallNet(5);
        e = Assert.ThrowsExactly<ArgumentException>(() => net.load(path));
        StringAssert.Contains(e.Message, "missing keys");
        StringAssert.Contains(e.Message, "'conv.weight'");
        StringAssert.Contains(e.Message, "unexpected keys");
    }

    [TestMethod]
    public void NonStrictLoadTakesOnlyMatchingKeys()
    {
        string path = PathOf("fc-only.bin");
        using Sequential source = SmallNet(6);
        using (Sequential fcOnly = nn.Sequential(("fc", nn.Linear(3 * 4 * 4, 2))))
        {
            fcOnly.load_state_dict(new() { ["fc.weight"] = source.state_dict()["fc.weight"], ["fc.bias"] = source.state_dict()["fc.bias"] });
            fcOnly.save(path);
        }
        using Sequential target = SmallNet(7);
        byte[] convBefore = Bytes(target.state_dict()["conv.weight"]);
        target.load(path, strict: false);
        Assert.IsTrue(target.state_dict()["fc.weight"].equal(source.state_dict()["fc.weight"]));
        CollectionAssert.AreEqual(convBefore, Bytes(target.state_dict()["conv.weight"]));
    }

    [TestMethod]
    public void TruncatedFileIsAClearErrorAndLoadsNothing()
    {
        string good = PathOf("good.bin");
        using Sequential original = SmallNet(8);
        original.save(good);
        byte[] bytes = File.ReadAllBytes(good);
        using Sequential target = SmallNet(9);
        Dictionary<string, byte[]> before = Snapshot(target);
        foreach (int length in new[] { 0, 1, 5, bytes.Length / 2, bytes.Length - 1 })
        {
            string cut = PathOf($"cut-{length}.bin");
            File.WriteAllBytes(cut, bytes[..length]);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => target.load(cut), $"cut at {length}");
            StringAssert.Contains(e.Message, cut);
            if (length >= 5) StringAssert.Contains(e.Message, "truncated");
            AssertSameState(before, target);
        }
    }

    [TestMethod]
    public void RandomBytesOrAnotherFileTypeIsAClearError()
    {
        using Sequential target = SmallNet(10);
        Dictionary<string, byte[]> before = Snapshot(target);
        var random = new Random(17);
        for (int trial = 0; trial < 20; trial++)
        {
            var noise = new byte[random.Next(1, 4000)];
            random.NextBytes(noise);
            string path = PathOf($"noise-{trial}.bin");
            File.WriteAllBytes(path, noise);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => target.load(path), $"trial {trial}");
            StringAssert.Contains(e.Message, path);
        }
        string text = PathOf("notes.txt");
        File.WriteAllText(text, "These are not weights.\n");
        Assert.ThrowsExactly<InvalidDataException>(() => target.load(text));
        string extra = PathOf("trailing.bin");
        using (var stream = new MemoryStream())
        {
            target.save(stream);
            stream.Write(new byte[] { 1, 2, 3 });
            File.WriteAllBytes(extra, stream.ToArray());
        }
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => target.load(extra)).Message, "3 unexpected bytes");
        AssertSameState(before, target);
        Assert.ThrowsExactly<FileNotFoundException>(() => target.load(PathOf("absent.bin")));
    }
}
