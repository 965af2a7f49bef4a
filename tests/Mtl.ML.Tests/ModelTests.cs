using System.IO.Compression;
using Mtl.ML;
using Mtl.ML.Data;
using Mtl.ML.Transforms;

namespace Mtl.ML.Tests;

public sealed class RatioIn { public float A { get; set; } public float B { get; set; } }
public sealed class RatioOut { public float Ratio { get; set; } }

[CustomMappingFactoryAttribute("Ratio")]
public sealed class RatioFactory : CustomMappingFactory<RatioIn, RatioOut>
{
    public static void Map(RatioIn i, RatioOut o) => o.Ratio = i.A / i.B;
    public override Action<RatioIn, RatioOut> GetMapping() => Map;
}

/// <summary>A transformer whose signature no loader knows, or whose save fails.</summary>
public sealed class OrphanTransformer(IHostEnvironment env, bool failOnSave) : RowToRowTransformerBase(env, "Orphan")
{
    public override IRowMapper MakeRowMapper(DataViewSchema schema) =>
        new ColumnCopyingTransformer(Environment, ("Orphan", "A")).MakeRowMapper(schema);

    public override void Save(ModelSaveContext ctx)
    {
        if (failOnSave) throw new IOException("disk full (simulated)");
        ctx.SetVersionInfo(new VersionInfo("ORPHAN", 1, 1, 1, "Mtl.ML.Tests", "NoSuchLoaderAnywhere"));
    }
}

[TestClass]
public sealed class ModelTests
{
    private static IDataView Data(MLContext ctx) => ctx.Data.LoadFromEnumerable(new[]
    {
        new Pair { A = 1, B = 2, V = [0, 1], Color = "red" },
        new Pair { A = 3, B = 4, V = [2, 3], Color = "blue" },
        new Pair { A = 6, B = 8, V = [4, 5], Color = "red" },
    });

    private static ITransformer TrainModel(MLContext ctx, IDataView data) =>
        ctx.Transforms.Conversion.MapValueToKey("ColorKey", "Color")
            .Append(ctx.Transforms.NormalizeMinMax("AN", "A", fixZero: false))
            .Append(ctx.Transforms.CustomMapping<RatioIn, RatioOut>(RatioFactory.Map, "Ratio"))
            .Append(new TrivialOneToOneEstimator<ScaleTransformer>(ctx, new ScaleTransformer(ctx, 10, ("A10", "A"))))
            .Fit(data);

    private static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mtl-ml-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [TestMethod]
    public void ZipRoundTripGivesTheSameOutputs()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        var model = TrainModel(ctx, data);
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "model.zip");
            ctx.Model.Save(model, data.Schema, path);

            using (var zip = ZipFile.OpenRead(path))
            {
                var names = zip.Entries.Select(e => e.FullName).ToHashSet();
                Assert.IsTrue(names.Contains("TrainingInfo/Version.txt"));
                Assert.IsTrue(names.Contains("TransformerChain/Model.key"));
                for (int i = 0; i < 4; i++) Assert.IsTrue(names.Contains($"TransformerChain/Transform_{i:000}/Model.key"), $"step {i}");
                Assert.IsTrue(names.Contains("Schema/Model.key"));
            }
            Assert.AreEqual(1, Directory.GetFiles(dir).Length, "no temporary file may remain");

            var loaded = new MLContext(2).Model.Load(path, out var schema);
            CollectionAssert.AreEqual(data.Schema.Select(c => c.Name).ToArray(), schema.Select(c => c.Name).ToArray());
            Assert.AreEqual(data.Schema["V"].Type, schema["V"].Type);
            var before = model.Transform(data);
            var after = loaded.Transform(data);
            CollectionAssert.AreEqual(TestUtil.Column<uint>(before, "ColorKey"), TestUtil.Column<uint>(after, "ColorKey"));
            CollectionAssert.AreEqual(TestUtil.Column<float>(before, "AN"), TestUtil.Column<float>(after, "AN"));
            CollectionAssert.AreEqual(new[] { 0.5f, 0.75f, 0.75f }, TestUtil.Column<float>(after, "Ratio"));
            CollectionAssert.AreEqual(new[] { 10f, 30f, 60f }, TestUtil.Column<float>(after, "A10"));
            VBuffer<ReadOnlyMemory<char>> keys = default;
            after.Schema["ColorKey"].GetKeyValues(ref keys);
            CollectionAssert.AreEqual(new[] { "red", "blue" }, keys.DenseValues().Select(k => k.ToString()).ToArray());
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void StreamRoundTripKeepsScopes()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        var model = ctx.Transforms.CopyColumns("A2", "A").Append(ctx.Transforms.CopyColumns("B2", "B"), TransformerScope.Training).Fit(data);
        using var stream = new MemoryStream();
        ctx.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = (ITransformerChain)ctx.Model.Load(stream, out _);
        CollectionAssert.AreEqual(new[] { TransformerScope.Everything, TransformerScope.Training }, loaded.Scopes.ToArray());
        Assert.AreEqual(1, loaded.GetModelFor(TransformerScope.Scoring).Count());
    }

    [TestMethod]
    public void DamagedZipGivesAClearError()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        using var good = new MemoryStream();
        ctx.Model.Save(TrainModel(ctx, data), data.Schema, good);
        var bytes = good.ToArray();
        using var truncated = new MemoryStream(bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ctx.Model.Load(truncated, out _));
        StringAssert.Contains(e.Message, "damaged");
        using var garbage = new MemoryStream("this is not a zip file at all"u8.ToArray());
        Assert.ThrowsExactly<InvalidDataException>(() => ctx.Model.Load(garbage, out _));
        Assert.ThrowsExactly<FileNotFoundException>(() => ctx.Model.Load("/nonexistent/model.zip", out _));
    }

    [TestMethod]
    public void CorruptedBytesInsideEntriesGiveAClearError()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        using var good = new MemoryStream();
        ctx.Model.Save(TrainModel(ctx, data), data.Schema, good);
        var bytes = good.ToArray();
        int failures = 0;
        // Flip one byte at many places before the central directory: every load must fail cleanly or still work.
        for (int at = 40; at < bytes.Length * 2 / 3; at += 37)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[at] ^= 0x5A;
            try { ctx.Model.Load(new MemoryStream(damaged), out _); }
            catch (InvalidDataException) { failures++; }
        }
        Assert.IsTrue(failures > 0, "no corruption was detected at all");
    }

    [TestMethod]
    public void MissingEntryIsNamed()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        using var good = new MemoryStream();
        ctx.Model.Save(TrainModel(ctx, data), data.Schema, good);
        using var edited = new MemoryStream();
        good.Position = 0;
        using (var source = new ZipArchive(good, ZipArchiveMode.Read, true))
        using (var target = new ZipArchive(edited, ZipArchiveMode.Create, true))
        {
            foreach (var entry in source.Entries.Where(e => e.FullName != "TransformerChain/Transform_001/Model.key"))
            {
                using var from = entry.Open();
                using var to = target.CreateEntry(entry.FullName).Open();
                from.CopyTo(to);
            }
        }
        edited.Position = 0;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ctx.Model.Load(edited, out _));
        StringAssert.Contains(e.Message, "TransformerChain/Transform_001/Model.key");
    }

    [TestMethod]
    public void UnknownSignatureTellsWhatToDo()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        using var stream = new MemoryStream();
        ctx.Model.Save(new OrphanTransformer(ctx, failOnSave: false), data.Schema, stream);
        stream.Position = 0;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ctx.Model.Load(stream, out _));
        StringAssert.Contains(e.Message, "NoSuchLoaderAnywhere");
        StringAssert.Contains(e.Message, "RegisterAssembly");
    }

    [TestMethod]
    public void NewerVersionIsRejected()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        var saved = ScaleTransformer.Version;
        using var stream = new MemoryStream();
        try
        {
            ScaleTransformer.Version = saved with { VerWrittenCur = 0x00030001, VerReadableCur = 0x00030001 };
            ctx.Model.Save(new ScaleTransformer(ctx, 2, ("S", "A")), data.Schema, stream);
        }
        finally { ScaleTransformer.Version = saved; }
        stream.Position = 0;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ctx.Model.Load(stream, out _));
        StringAssert.Contains(e.Message, "newer version");
    }

    [TestMethod]
    public void FailedSaveLeavesTheOldFileIntact()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "model.zip");
            File.WriteAllText(path, "old");
            Assert.ThrowsExactly<IOException>(() => ctx.Model.Save(new OrphanTransformer(ctx, failOnSave: true), data.Schema, path));
            Assert.AreEqual("old", File.ReadAllText(path));
            Assert.AreEqual(1, Directory.GetFiles(dir).Length, "the temporary file must be removed");
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void SavingAnUnnamedCustomMappingExplainsTheContract()
    {
        var ctx = new MLContext(1);
        var data = Data(ctx);
        var model = ctx.Transforms.CustomMapping<RatioIn, RatioOut>(RatioFactory.Map, null).Fit(data);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ctx.Model.Save(model, data.Schema, new MemoryStream()));
        StringAssert.Contains(e.Message, "contract");
    }
}

/// <summary>A transformer loaded through the explicit registry (no attribute).</summary>
public sealed class RegisteredTransformer(IHostEnvironment env) : RowToRowTransformerBase(env, "Registered")
{
    public const string Signature = "ExplicitlyRegisteredForTests";
    public static readonly VersionInfo Version = new("REGISTRD", 1, 1, 1, "Mtl.ML.Tests", Signature);

    public override IRowMapper MakeRowMapper(DataViewSchema schema) =>
        new ColumnCopyingTransformer(Environment, ("Registered", "A")).MakeRowMapper(schema);

    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        ctx.SaveBinaryStream("TSModel", w => w.Write(42));
    }
}

[TestClass]
public sealed class ModelRegistryTests
{
    [TestMethod]
    public void ExplicitRegistrationAndNamedEntriesWork()
    {
        var ctx = new MLContext(1);
        ctx.ComponentCatalog.RegisterLoader(RegisteredTransformer.Signature, (env, lc) =>
        {
            lc.CheckAtModel(RegisteredTransformer.Version);
            int payload = 0;
            lc.LoadBinaryStream("TSModel", r => payload = r.ReadInt32());
            Assert.AreEqual(42, payload);
            var missing = Assert.ThrowsExactly<InvalidDataException>(() => lc.LoadBinaryStream("Absent", _ => { }));
            StringAssert.Contains(missing.Message, "Transform_000/Absent");
            return new RegisteredTransformer(env);
        });
        var data = ctx.Data.LoadFromEnumerable(new[] { new TransformTests.PredictIn { A = 5 } });
        using var stream = new MemoryStream();
        ctx.Model.Save(new RegisteredTransformer(ctx), data.Schema, stream);
        stream.Position = 0;
        var loaded = ctx.Model.Load(stream, out _);
        CollectionAssert.AreEqual(new[] { 5f }, TestUtil.Column<float>(loaded.Transform(data), "Registered"));
    }
}
