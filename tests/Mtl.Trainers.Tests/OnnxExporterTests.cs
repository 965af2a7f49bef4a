using Microsoft.ML;
using Mtl.Trainers.Network;
using Mtl.Trainers.Onnx;
using Mtl.Trainers.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>The exporter registry: unknown layers fail at save naming their type; registered exporters make them savable.</summary>
[TestClass]
public class OnnxExporterTests
{
    private static IDataView Data(MLContext ml) => KindData.View(ml, 32, seed: 6);

    private static MultiHeadNetworkTrainer.Options Options(TrunkSpec trunk) => new()
    {
        FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = trunk, BatchSize = 16, MaxEpoch = 1, Seed = 3,
    };

    [TestMethod]
    public void ALayerWithoutAnExporterFailsAtSaveNotAtFit()
    {
        var ml = new MLContext(1);
        var trainer = ml.MultiTask().Trainers.MultiHead(Options(TrunkSpec.Custom(_ => nn.Sequential(nn.Flatten(), nn.Linear(784, 12), nn.GELU()), 12)));
        using var model = trainer.Fit(Data(ml)); // training works
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, Data(ml).Schema, new MemoryStream()));
        StringAssert.Contains(e.Message, "GELU");
        StringAssert.Contains(e.Message, "SaveTorchSharpWeights");
        // A prediction engine still works: without a graph for ONNX Runtime, single rows go through the network.
        var engine = ml.Model.CreatePredictionEngine<KindData.Row, KindScores>(model);
        KindData.Row row = KindData.Rows(4, seed: 6)[2];
        KindScores single = engine.Predict(row);
        KindScores batched = ml.Data.CreateEnumerable<KindScores>(model.Transform(KindData.View(ml, new[] { row })), reuseRowObject: false).Single();
        CollectionAssert.AreEqual(batched.ShapeScore, single.ShapeScore);
        Assert.AreEqual(batched.MassScore, single.MassScore);
    }

    /// <summary>A user layer: y = 2x, exported by a registered exporter.</summary>
    private sealed class Doubler : nn.Module<Tensor, Tensor>
    {
        public Doubler() : base(nameof(Doubler)) { }

        public override Tensor forward(Tensor x) => x * 2;
    }

    [TestMethod]
    public void ARegisteredExporterMakesAUserLayerSavable()
    {
        OnnxExporters.Register<Doubler>((_, graph, x) => graph.Node("Mul", new[] { x, graph.Initializer("two", tensor(2f)) }));
        // Add-only: neither the user's nor a built-in exporter can be replaced later in the process.
        Assert.ThrowsExactly<InvalidOperationException>(() => OnnxExporters.Register<Doubler>((_, _, x) => x));
        Assert.ThrowsExactly<InvalidOperationException>(() => OnnxExporters.Register<TorchSharp.Modules.Linear>((_, _, x) => x));
        var ml = new MLContext(1);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        var trainer = ml.MultiTask().Trainers.MultiHead(Options(TrunkSpec.Custom(_ => nn.Sequential(nn.Flatten(), nn.Linear(784, 12), nn.ReLU(), new Doubler()), 12)));
        IDataView data = Data(ml);
        using var model = trainer.Fit(data);
        ITransformer loaded = ZipRoundTrip.SaveAndLoad(ml, model, data.Schema);
        var a = ml.Data.CreateEnumerable<KindScores>(model.Transform(data), reuseRowObject: false).ToList();
        var b = ml.Data.CreateEnumerable<KindScores>(loaded.Transform(data), reuseRowObject: false).ToList();
        for (int i = 0; i < a.Count; i++) Assert.AreEqual(a[i].MassScore, b[i].MassScore, 1e-5f, $"row {i}");
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void LayerSettingsThatOnnxCannotExpressAreNamed()
    {
        string Fails(nn.Module module)
        {
            var graph = new OnnxGraphBuilder("test");
            string input = graph.Input("x", OnnxElementType.Float, 1, 1, 8, 8);
            return Assert.ThrowsExactly<NotSupportedException>(() => OnnxExporters.Export(module, graph, input)).Message;
        }
        StringAssert.Contains(Fails(nn.Conv2d(1, 2, 3, padding: 1, padding_mode: PaddingModes.Reflect)), "Conv2d with padding mode Reflect has no ONNX exporter");
        StringAssert.Contains(Fails(nn.Conv2d(1, 2, 3, padding: Padding.Same)), "give explicit padding sizes");
        StringAssert.Contains(Fails(nn.BatchNorm2d(1, track_running_stats: false)), "track_running_stats = false");
        StringAssert.Contains(Fails(nn.AdaptiveAvgPool2d(2)), "AdaptiveAvgPool2d to (2, 2) has no ONNX exporter");
        StringAssert.Contains(Fails(nn.Flatten(2)), "Flatten(2, -1) has no ONNX exporter");
    }
}
