using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.ML.Tests;

/// <summary>A minimal one-column transform written on the public base: y = factor * x.</summary>
[ModelLoader(LoaderSignature)]
public sealed class ScaleTransformer : OneToOneTransformerBase<float, float>
{
    public const string LoaderSignature = "TestScaleTransformer";
    public static VersionInfo Version { get; set; } = new("TSTSCALE", 0x00010002, 0x00010001, 0x00010001, "Mtl.ML.Tests", LoaderSignature);
    public static long Calls;
    public float Factor { get; }

    public ScaleTransformer(IHostEnvironment env, float factor, params (string outputColumnName, string inputColumnName)[] columns)
        : base(env, nameof(ScaleTransformer), columns) => Factor = factor;

    protected override DataViewType GetOutputTypeCore(int pairIndex, DataViewSchema.Column inputColumn) => NumberDataViewType.Single;

    protected override void Map(int pairIndex, in float source, ref float destination, in RowInfo row)
    {
        Interlocked.Increment(ref Calls);
        destination = Factor * source;
    }

    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(Version);
        SaveColumns(ctx);
        ctx.Writer.Write(Factor);
    }

    public static ScaleTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(new VersionInfo("TSTSCALE", 0x00010002, 0x00010001, 0x00010001, "Mtl.ML.Tests", LoaderSignature));
        var columns = LoadColumns(ctx);
        return new ScaleTransformer(env, ctx.Reader.ReadSingle(), columns);
    }
}

[TestClass]
public sealed class LazinessTests
{
    [TestMethod]
    public void TransformOverAHugeViewTouchesOnlyTheRowsRead()
    {
        var ctx = new MLContext(1);
        var source = new CountingDataView(1_000_000_000_000);
        var scaled = new ScaleTransformer(ctx, 3f, ("X3", "X")).Transform(source);
        Assert.AreEqual(1_000_000_000_000L, scaled.GetRowCount());

        var firstFive = TestUtil.Column<float>(ctx.Data.TakeRows(scaled, 5), "X3");
        CollectionAssert.AreEqual(new[] { 0f, 3f, 6f, 9f, 12f }, firstFive);
        Assert.AreEqual(5L, source.RowsVisited);
        Assert.AreEqual(5L, source.ValuesComputed, "only X of the five rows read may be computed, never Y");
    }

    [TestMethod]
    public void InactiveOutputColumnsAreNotComputed()
    {
        var ctx = new MLContext(1);
        var source = new CountingDataView(10);
        var scaled = new ScaleTransformer(ctx, 2f, ("X2", "X"), ("Y2", "Y")).Transform(source);
        long before = Interlocked.Read(ref ScaleTransformer.Calls);
        using (var cursor = scaled.GetRowCursor([scaled.Schema["Y"]]))
        {
            Assert.IsFalse(cursor.IsColumnActive(scaled.Schema["X2"]));
            Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(scaled.Schema["X2"]));
            while (cursor.MoveNext()) { }
        }
        Assert.AreEqual(before, Interlocked.Read(ref ScaleTransformer.Calls));
        Assert.AreEqual(0L, source.ValuesComputed, "Y was active but never read");
    }

    [TestMethod]
    public void ShuffledSplitReadsLazily()
    {
        var ctx = new MLContext(1);
        var source = new CountingDataView(1_000_000_000);
        var split = ctx.Data.TrainTestSplit(source, 0.5, seed: 1);
        var ten = TestUtil.Column<float>(ctx.Data.TakeRows(split.TestSet, 10), "X");
        Assert.AreEqual(10, ten.Length);
        Assert.IsTrue(source.RowsVisited < 100, $"visited {source.RowsVisited} rows to find 10 test rows");
    }
}
