using Mtl.Datasets;
using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using Mtl.Trainers.Network;
using Mtl.Transforms;
using Mtl.Transforms.Corruptions;
using static Mtl.Torch.torch;

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
        LearningRate = 2e-3,
        Seed = 1,
    };

    [TestMethod]
    public void TheSmallResNetTrunkTrainsAndSavesWithBatchNormBuffers()
    {
        var ml = new MLContext(1);
        IDataView data = SmallMultiFashion(256);
        var trainer = ml.MultiTask().Trainers.MultiHead(ImageOptions(TrunkSpec.ResNet()));
        using var model = trainer.Fit(data);
        var epochs = trainer.LastReport!.Epochs;
        Assert.IsTrue(epochs[^1].Tasks.Sum(t => t.TrainLoss) < epochs[0].Tasks.Sum(t => t.TrainLoss));
        Assert.IsTrue(model.Network.state_dict().Keys.Any(k => k.EndsWith("running_mean", StringComparison.Ordinal)));
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = ml.Model.Load(stream, out _);
        float[] Scores(ITransformer t) => ml.Data.CreateEnumerable<LeftScore>(t.Transform(data), reuseRowObject: false).SelectMany(r => r.Score).ToArray();
        CollectionAssert.AreEqual(Scores(model), Scores(loaded));
        (loaded as IDisposable)?.Dispose();
    }

    private sealed class LeftScore
    {
        [ColumnName("Left.Score"), VectorType(10)]
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>A user trunk: flatten → linear 784 → 32 → ReLU.</summary>
    private sealed class UserTrunk : nn.Module<Tensor, Tensor>
    {
        private readonly Mtl.Torch.Modules.Linear fc = nn.Linear(784, 32);

        public UserTrunk() : base(nameof(UserTrunk)) => RegisterComponents();

        public override Tensor forward(Tensor x)
        {
            using var flat = x.flatten(1);
            using var h = fc.call(flat);
            return h.relu();
        }
    }

    [TestMethod]
    public void ACustomTrunkModuleTrainsButCannotBeSavedInAModelFile()
    {
        var ml = new MLContext(1);
        IDataView data = SmallMultiFashion(256);
        var trainer = ml.MultiTask().Trainers.MultiHead(ImageOptions(TrunkSpec.Custom(_ => new UserTrunk(), 32)));
        using var model = trainer.Fit(data);
        Assert.AreEqual(32, model.Network.RepresentationSize);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.Model.Save(model, data.Schema, new MemoryStream()));
        StringAssert.Contains(e.Message, "custom trunk");
    }

    [TestMethod]
    public void AskingForCudaWhereThereIsNoneFailsClearlyAtFit()
    {
        if (cuda.is_available()) Assert.Inconclusive("This machine has CUDA; the error path cannot be exercised.");
        var options = ImageOptions(TrunkSpec.MultiLeNet());
        options.Device = CUDA;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(SmallMultiFashion(8)));
        StringAssert.Contains(e.Message, "CUDA");
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
        var estimator = ml.Transforms.Corruptions.Corrupt(new CorruptionEstimator.Options
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
