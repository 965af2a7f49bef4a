using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.AutoTrain;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>Which packages the generated console app references follows the assemblies of the model's transformers.</summary>
[TestClass]
public sealed class AppPackagesTests
{
    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    [TestMethod]
    public void AChainThatLoadsImages_NeedsImageAnalytics_WithSkiaSharpAtTheServedVersion()
    {
        var ml = new MLContext(seed: 1);
        IDataView rows = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "a.png" } });
        ITransformer chain = ml.Transforms.LoadImages("Image", null, "Path").Append(ml.Transforms.ResizeImages("Image", 8, 8)).Fit(rows);

        string[] packages = ModelSchemaReader.Packages("images.zip", chain).Select(p => $"{p.Id} {p.Version}").ToArray();

        CollectionAssert.AreEqual(new[] { "Microsoft.ML 6.0.0", "Microsoft.ML.ImageAnalytics 6.0.0", "SkiaSharp 3.119.4",
            "SkiaSharp.NativeAssets.Linux.NoDependencies 3.119.4" }, packages);
    }

    [TestMethod]
    public void PlainMlNetTransforms_NeedMicrosoftMlOnly()
    {
        var ml = new MLContext(seed: 1);
        IDataView rows = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "a" } });
        ITransformer chain = ml.Transforms.Categorical.OneHotEncoding("Code", "Path").Append(ml.Transforms.Concatenate("Features", "Code")).Fit(rows);

        CollectionAssert.AreEqual(new[] { "Microsoft.ML" }, ModelSchemaReader.Packages("plain.zip", chain).Select(p => p.Id).ToArray());
    }

    [TestMethod]
    public void ATransformerFromAnotherAssembly_IsRefusedByName()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ModelSchemaReader.Packages("custom.zip", new ForeignTransformer()));
        StringAssert.Contains(e.Message, "'Mtl.Analysis.Tests'");
        StringAssert.Contains(e.Message, "custom.zip");
    }

    // Only its assembly matters here.
    private sealed class ForeignTransformer : ITransformer
    {
        public bool IsRowToRowMapper => false;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IDataView Transform(IDataView input) => input;
        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    }
}
