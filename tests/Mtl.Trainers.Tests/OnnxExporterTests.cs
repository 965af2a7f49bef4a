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
        var ml = new MLContext(1);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        var trainer = ml.MultiTask().Trainers.MultiHead(Options(TrunkSpec.Custom(_ => nn.Sequential(nn.Flatten(), nn.Linear(784, 12), nn.ReLU(), new Doubler()), 12)));
        IDataView data = Data(ml);
        using var model = trainer.Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = ml.Model.Load(stream, out _);
        var a = ml.Data.CreateEnumerable<SavedModelParityTests.ScoredNoEmbedding>(model.Transform(data), reuseRowObject: false).ToList();
        var b = ml.Data.CreateEnumerable<SavedModelParityTests.ScoredNoEmbedding>(loaded.Transform(data), reuseRowObject: false).ToList();
        for (int i = 0; i < a.Count; i++) Assert.AreEqual(a[i].MassScore, b[i].MassScore, 1e-5f, $"row {i}");
        (loaded as IDisposable)?.Dispose();
    }
}
