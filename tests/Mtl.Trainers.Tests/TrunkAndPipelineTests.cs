using Mtl.Datasets;
using Microsoft.ML;
using Microsoft.ML.Data;
using TorchSharp;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;
using Mtl.Transforms;
using Mtl.Transforms.Corruptions;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

[TestClass]
public class TrunkAndPipelineTests
{
    private static IDataView SmallMultiFashion(int rows) =>
        new MLContext(1).Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView(), rows);

    private static MultiHeadNetworkTrainer.Options ImageOptions(TrunkSpec trunk) => new()
    {
        FeatureColumnName = MultiTaskDatasets.ImageColumnName,
        Tasks = { new TaskDefinition(MultiTaskDatasets.LeftColumnName), new TaskDefinition(MultiTaskDatasets.RightColumnName) },
        Trunk = trunk,
        BatchSize = 64,
        MaxEpoch = 2,
        Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 2e-3 },
        Seed = 1,
    };

    [TestMethod]
    public void TheSmallResNetTrunkTrainsAndSavesWithBatchNormBuffers()
    {
        var ml = new MLContext(1);
        IDataView data = SmallMultiFashion(256);
        var trainer = ml.MultiTask().Trainers.MultiHead(ImageOptions(TrunkSpec.ResNet()));
        using var model = trainer.Fit(data);
        var epochs = model.TrainingReport!.Epochs;
        Assert.IsTrue(epochs[^1].Tasks.Sum(t => t.TrainLoss) < epochs[0].Tasks.Sum(t => t.TrainLoss));
        Assert.IsTrue(model.Network.state_dict().Keys.Any(k => k.EndsWith("running_mean", StringComparison.Ordinal)));
        // Eval-mode batch norm (running statistics) in both: ONNX Runtime matches TorchSharp.
        Assert.AreEqual(256 * 10, AssertTheReloadedZipScoresLikeTheModel(ml, model, data));
    }

    /// <summary>
    /// Saves <paramref name="model"/> into a zip in memory, loads it back and holds the reloaded Left.Score values to the
    /// fitted ones (ONNX Runtime vs TorchSharp, ≤ 1e-5); returns how many values were compared.
    /// </summary>
    private static int AssertTheReloadedZipScoresLikeTheModel(MLContext ml, ITransformer model, IDataView data)
    {
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        ITransformer loaded = ZipRoundTrip.SaveAndLoad(ml, model, data.Schema);
        float[] Scores(ITransformer t) => ml.Data.CreateEnumerable<LeftScore>(t.Transform(data), reuseRowObject: false).SelectMany(r => r.Score).ToArray();
        float[] fitted = Scores(model), reloaded = Scores(loaded);
        Assert.AreEqual(fitted.Length, reloaded.Length);
        for (int i = 0; i < fitted.Length; i++) Assert.AreEqual(fitted[i], reloaded[i], 1e-5f, $"value {i}");
        (loaded as IDisposable)?.Dispose();
        return fitted.Length;
    }

    private sealed class LeftScore
    {
        [ColumnName("Left.Score"), VectorType(10)]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>A user trunk: flatten → linear 784 → 32 → ReLU, in its own forward (no ONNX exporter knows this type).</summary>
    private sealed class UserTrunk : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear fc = nn.Linear(784, 32);

        public UserTrunk() : base(nameof(UserTrunk)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            using var flat = x.flatten(1);
            using var h = fc.call(flat);
            return h.relu();
        }
    }

    [TestMethod]
    public void ACustomTrunkTrainsButItsSaveFailsNamingTheModuleTypeAndTheWeightsStillSave()
    {
        var ml = new MLContext(1);
        IDataView data = SmallMultiFashion(256);
        var trainer = ml.MultiTask().Trainers.MultiHead(ImageOptions(TrunkSpec.Custom(_ => new UserTrunk(), 32)));
        using var model = trainer.Fit(data);
        Assert.AreEqual(32, model.Network.EmbeddingSize);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, data.Schema, new MemoryStream()));
        StringAssert.Contains(e.Message, nameof(UserTrunk));
        StringAssert.Contains(e.Message, "SaveTorchSharpWeights");
        StringAssert.Contains(e.Message, "OnnxExporters.Register");

        // The TorchSharp state dict is the way out: Module.load of the same architecture reads it back.
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "weights.dat");
        model.SaveTorchSharpWeights(path);
        var tasks = model.Tasks.ToList();
        using var rebuilt = new SharedBottomNetwork(TrunkSpec.Custom(_ => new UserTrunk(), 32), model.RowShape, tasks);
        rebuilt.load(path);
        using var scope = NewDisposeScope();
        var original = model.Network.state_dict();
        foreach ((string name, Tensor value) in rebuilt.state_dict())
            Assert.IsTrue(value.eq(original[name]).all().item<bool>(), $"weight {name} differs after Module.load");
    }

    [TestMethod]
    public void ACustomTrunkOfExportableLayersSavesAndMatchesOnnxRuntime()
    {
        var ml = new MLContext(1);
        IDataView data = SmallMultiFashion(128);
        var options = ImageOptions(TrunkSpec.Custom(_ => nn.Sequential(nn.Flatten(), nn.Linear(784, 24), nn.LeakyReLU(0.1), nn.Dropout(0.2)), 24));
        options.MaxEpoch = 1;
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(data);
        Assert.AreEqual(128 * 10, AssertTheReloadedZipScoresLikeTheModel(ml, model, data));
    }

    [TestMethod]
    public void AskingForAGpuWhereThereIsNoneFailsClearlyWithoutFallbackAndWarnsWithIt()
    {
        if (cuda.is_available()) Assert.Inconclusive("This machine has CUDA; the no-GPU paths cannot be exercised here.");
        var strict = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = false };
        var e = Assert.ThrowsExactly<NotSupportedException>(() => strict.MultiTask().Trainers.MultiHead(ImageOptions(TrunkSpec.MultiLeNet())).Fit(SmallMultiFashion(8)));
        StringAssert.Contains(e.Message, "GpuDeviceId");
        StringAssert.Contains(e.Message, "TorchSharp-cuda");
        StringAssert.Contains(e.Message, "FallbackToCpu");

        var lenient = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = true };
        var warnings = new List<string>();
        lenient.Log += (_, args) => { if (args.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) lock (warnings) warnings.Add(args.Message); };
        var options = ImageOptions(TrunkSpec.MultiLeNet());
        options.MaxEpoch = 1;
        using var model = lenient.MultiTask().Trainers.MultiHead(options).Fit(SmallMultiFashion(16));
        Assert.AreEqual(DeviceType.CPU, model.Device.type);
        Assert.IsTrue(warnings.Any(w => w.Contains("FallbackToCpu") && w.Contains("CPU")), "expected a fallback warning; got: " + string.Join(" | ", warnings));
    }

    private sealed class ImageRow
    {
        [VectorType(1, 28, 28)]
        public float[] Image { get; set; } = Array.Empty<float>();

        [VectorType(1, 28, 28)]
        public float[] Noisy { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void CorruptionsRunInAPipelineOnMultiFashionImagesDeterministically()
    {
        var ml = new MLContext(5);
        MultiImageSet set = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1);
        IDataView data = ml.Data.TakeRows(set.AsDataView(), 32);
        var estimator = ml.Corruptions.Corrupt(new CorruptionEstimator.Options
        {
            OutputColumnName = "Noisy",
            InputColumnName = MultiTaskDatasets.ImageColumnName,
            Corruptions = new[] { "gaussian_noise" },
            Severities = new[] { 5 },
            PixelScale = set.Normalization.Std,
            PixelOffset = set.Normalization.Mean,
        });
        IDataView corrupted = estimator.Fit(data).Transform(data);
        var first = ml.Data.CreateEnumerable<ImageRow>(corrupted, reuseRowObject: false).ToList();
        var second = ml.Data.CreateEnumerable<ImageRow>(corrupted, reuseRowObject: false).ToList();
        Assert.AreEqual(32, first.Count);
        for (int i = 0; i < first.Count; i++)
        {
            CollectionAssert.AreEqual(first[i].Noisy, second[i].Noisy, $"row {i} changed between reads");
            // Back in pixel space the corrupted image stays in [0, 1] and differs from the clean one.
            float[] pixels = first[i].Noisy.Select(v => v * set.Normalization.Std + set.Normalization.Mean).ToArray();
            Assert.IsTrue(pixels.All(p => p >= -1e-5f && p <= 1 + 1e-5f), $"row {i} leaves [0, 1]");
            double meanAbsDiff = first[i].Image.Zip(first[i].Noisy, (a, b) => Math.Abs(a - b)).Average();
            Assert.IsTrue(meanAbsDiff > 0.05, $"row {i}: severity-5 noise changed the image by only {meanAbsDiff}");
        }
        Assert.IsFalse(first[0].Noisy.SequenceEqual(first[1].Noisy));
    }
}
