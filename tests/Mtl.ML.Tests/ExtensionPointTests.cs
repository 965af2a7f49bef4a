using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.ML.Tests;

/// <summary>What another project would write to add its own catalog: mlContext.MultiTask().</summary>
public sealed class MultiTaskCatalog(IHostEnvironment env) : CatalogBase(env);

/// <summary>A sub-catalog hung off TransformsCatalog, like mlContext.Transforms.Corruptions.</summary>
public sealed class CorruptionsCatalog(IHostEnvironment env) : CatalogBase(env)
{
    public TrivialOneToOneEstimator<ScaleTransformer> Darken(string outputColumnName, string? inputColumnName = null) =>
        new(Environment, new ScaleTransformer(Environment, 0.5f, (outputColumnName, inputColumnName ?? outputColumnName)));
}

public static class TestCatalogExtensions
{
    public static MultiTaskCatalog MultiTask(this MLContext ctx) => new(ctx);

    extension(TransformsCatalog catalog)
    {
        public CorruptionsCatalog Corruptions => catalog.GetOrCreateSubCatalog(env => new CorruptionsCatalog(env));
    }
}

/// <summary>A mapper with several outputs from one input (the shape a multi-head scorer needs).</summary>
public sealed class MinMaxTransformer(IHostEnvironment env, string inputColumnName) : RowToRowTransformerBase(env, "MinMax")
{
    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(Environment, schema, inputColumnName);

    public override void Save(ModelSaveContext ctx)
    {
        ctx.SetVersionInfo(new VersionInfo("MINMAXTS", 1, 1, 1, "Mtl.ML.Tests", "TestMinMax"));
        ctx.SaveNonEmptyString(inputColumnName);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly DataViewSchema.Column _input;

        public Mapper(IHostEnvironment env, DataViewSchema schema, string inputColumnName) : base(env, schema)
        {
            _input = SchemaExceptions.FindColumn(schema, inputColumnName);
            if (_input.Type is not VectorDataViewType { ItemType: NumberDataViewType n } || n != NumberDataViewType.Single)
                throw SchemaExceptions.Mismatch("schema", "Input", inputColumnName, "Vector<Single>", _input.Type.ToString()!);
        }

        protected override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() =>
        [
            new("Min", NumberDataViewType.Single),
            new("Max", NumberDataViewType.Single),
        ];

        public override Func<int, bool> GetDependencies(Func<int, bool> activeOutput) =>
            col => col == _input.Index && (activeOutput(0) || activeOutput(1));

        protected override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var g = input.GetGetter<VBuffer<float>>(_input);
            VBuffer<float> v = default;
            ValueGetter<float> getter = (ref float dst) =>
            {
                g(ref v);
                var values = v.DenseValues();
                dst = iinfo == 0 ? values.Min() : values.Max();
            };
            return getter;
        }
    }
}

[TestClass]
public sealed class ExtensionPointTests
{
    [TestMethod]
    public void CatalogsCanBeExtendedFromOutside()
    {
        var ctx = new MLContext(7);
        Assert.AreSame(ctx, ctx.MultiTask().Environment);
        var corruptions = ctx.Transforms.Corruptions;
        Assert.AreSame(corruptions, ctx.Transforms.Corruptions, "a sub-catalog is created once");
        var data = ctx.Data.LoadFromEnumerable(new[] { new TransformTests.PredictIn { A = 4 } });
        var dark = ctx.Transforms.Corruptions.Darken("Dark", "A").Fit(data).Transform(data);
        CollectionAssert.AreEqual(new[] { 2f }, TestUtil.Column<float>(dark, "Dark"));
        Assert.AreEqual(7, ctx.Transforms.Environment.Seed);
    }

    [TestMethod]
    public void ContextSeedMakesRandomSourcesReproducible()
    {
        var a = new MLContext(11).Transforms.Environment.CreateRandom().Next();
        var b = new MLContext(11).Transforms.Environment.CreateRandom().Next();
        Assert.AreEqual(a, b);
    }

    [TestMethod]
    public void ManyOutputMapperComputesOnlyWhatIsRead()
    {
        var ctx = new MLContext(1);
        var data = ctx.Data.LoadFromEnumerable(TestUtil.Examples(4));
        var output = new MinMaxTransformer(ctx, "Features").Transform(data);
        CollectionAssert.AreEqual(new[] { 0f, 1f, 2f, 3f }, TestUtil.Column<float>(output, "Min"));
        CollectionAssert.AreEqual(new[] { 0f, 2f, 4f, 9f }, TestUtil.Column<float>(output, "Max"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MinMaxTransformer(ctx, "Category").Transform(data));
        StringAssert.Contains(e.Message, "'Category'");

        var mapper = new MinMaxTransformer(ctx, "Features").GetRowToRowMapper(data.Schema);
        var deps = mapper.GetDependencies([mapper.OutputSchema["Max"]]).Select(c => c.Name).ToArray();
        CollectionAssert.AreEqual(new[] { "Features" }, deps);
        Assert.AreEqual(0, mapper.GetDependencies([mapper.OutputSchema["Label"]]).Count(c => c.Name == "Features"));
    }

    [TestMethod]
    public void LogEventsCarrySourceKindAndMessage()
    {
        var ctx = new MLContext(1);
        var messages = new List<LoggingEventArgs>();
        ctx.Log += (_, e) => messages.Add(e);
        var data = ctx.Data.LoadFromEnumerable(TestUtil.Examples(8));
        ctx.Transforms.Conversion.MapValueToKey("Key", "Category").Fit(data);
        var log = messages.Single(m => m.Source == "ValueToKeyMappingEstimator");
        Assert.AreEqual(ChannelMessageKind.Info, log.Kind);
        StringAssert.Contains(log.RawMessage, "3 keys");
        StringAssert.Contains(log.Message, "Source=ValueToKeyMappingEstimator");
    }

    [TestMethod]
    public void CacheCheckpointCachesBeforeTheNextEstimator()
    {
        var ctx = new MLContext(1);
        var source = new CountingDataView(100);
        var pipeline = new ScaleEstimatorForTests(ctx).AppendCacheCheckpoint(ctx)
            .Append(ctx.Transforms.NormalizeMinMax("XN", "X2"))
            .Append(ctx.Transforms.NormalizeMeanVariance("XM", "X2"));
        long before = Interlocked.Read(ref ScaleTransformer.Calls);
        pipeline.Fit(source);
        // Two normalizers read X2 over 100 rows; the cache computes it once.
        Assert.AreEqual(100L, Interlocked.Read(ref ScaleTransformer.Calls) - before);
    }

    private sealed class ScaleEstimatorForTests(IHostEnvironment env)
        : TrivialOneToOneEstimator<ScaleTransformer>(env, new ScaleTransformer(env, 2, ("X2", "X")));

    [TestMethod]
    public void PreviewShowsRowsAndColumns()
    {
        var ctx = new MLContext(1);
        var preview = ctx.Data.LoadFromEnumerable(TestUtil.Examples(5)).Preview(3);
        Assert.AreEqual(3, preview.RowView.Count);
        Assert.AreEqual("green", preview.RowView[1].Values.Single(v => v.Key == "Category").Value);
        CollectionAssert.AreEqual(new[] { 2f, 4f, 4f }, (float[])preview.ColumnView.Single(c => c.Column.Name == "Features").Values[2]);
        StringAssert.Contains(preview.ToString(), "Features: Vector<Single, 3>");
    }
}
