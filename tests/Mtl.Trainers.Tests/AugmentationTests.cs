using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Data;
using Mtl.Trainers.Network;
using Mtl.Transforms.Corruptions;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>Options.Augmentation: corruptions drawn fresh per epoch from (seed, epoch, row), inside training only.</summary>
[TestClass]
public class AugmentationTests
{
    private static IDataView Images(int rows) =>
        new MLContext(1).Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView(), rows);

    private sealed class FlatRow
    {
        [Microsoft.ML.Data.VectorType(4)]
        public float[] Features { get; set; } = new float[4];
    }

    [TestMethod]
    public void TheAugmenterRefusesFlatRowsAndDataReadWithoutAHostCopy()
    {
        var sampler = new CorruptionSampler(new[] { new ImageCorruption("gaussian_noise", 1) });
        var tasks = new[] { new TaskDefinition("Left") { ClassCount = 10 } };
        IDataView flatView = new MLContext(1).Data.LoadFromEnumerable(new[] { new FlatRow() });
        using (MaterializedData flat = MaterializedData.Read(flatView, "Features", tasks, withLabels: false, "test", keepHostFeatures: true))
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new EpochAugmenter(sampler, flat, 1f, 0f, seed: 1)).Message,
                "the feature rows are shaped (4)");
        using MaterializedData images = MaterializedData.Read(Images(2), MultiTaskDatasets.ImageColumnName, tasks, withLabels: false, "test", keepHostFeatures: false);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => new EpochAugmenter(sampler, images, 1f, 0f, seed: 1)).Message,
            "without a host copy");
    }

    [TestMethod]
    public void EachEpochGetsFreshDrawsThatEqualTheCorruptionLibraryAppliedInPixelSpace()
    {
        IDataView data = Images(6);
        var tasks = new[] { new TaskDefinition(MultiTaskDatasets.LeftColumnName) { ClassCount = 10 } };
        using MaterializedData m = MaterializedData.Read(data, MultiTaskDatasets.ImageColumnName, tasks, withLabels: false, "test", keepHostFeatures: true);
        var sampler = new CorruptionSampler(ImageCorruption.Suite(new[] { "gaussian_noise", "shot_noise" }, new[] { 3, 5 }));
        const float scale = 0.5f, offset = 0.25f;
        var augmenter = new EpochAugmenter(sampler, m, scale, offset, seed: 42);
        using var scope = NewDisposeScope();
        float[] epoch1 = augmenter.Features(1).data<float>().ToArray();
        float[] again = augmenter.Features(1).data<float>().ToArray();
        float[] epoch2 = augmenter.Features(2).data<float>().ToArray();
        CollectionAssert.AreEqual(epoch1, again, "the same (seed, epoch) must give the same images");
        Assert.IsFalse(epoch1.SequenceEqual(epoch2), "a new epoch must draw new corruptions");
        Assert.IsFalse(epoch1.SequenceEqual(m.HostFeatures!), "the images must change");

        // Row 4 of epoch 2 by hand: to pixels, the sampler's draw for (42, 2, 4), back.
        float[] expected = m.HostFeatures!.AsSpan(4 * 784, 784).ToArray().Select(v => v * scale + offset).ToArray();
        sampler.Apply(expected, 1, 28, 28, CorruptionRandom.Combine(42, 2, 4));
        for (int i = 0; i < 784; i++) Assert.AreEqual((expected[i] - offset) / scale, epoch2[4 * 784 + i], 1e-6f, $"pixel {i}");
        // The clean copy is untouched.
        CollectionAssert.AreEqual(m.Features.data<float>().ToArray(), m.HostFeatures);
    }

    [TestMethod]
    public void AugmentedTrainingIsRepeatableAndDiffersFromCleanTraining()
    {
        MultiImageSet set = MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1);
        IDataView data = new MLContext(1).Data.TakeRows(set.AsDataView(), 128);
        double[] Run(bool augment)
        {
            var options = new MultiHeadNetworkTrainer.Options
            {
                FeatureColumnName = MultiTaskDatasets.ImageColumnName,
                Tasks = { new TaskDefinition(MultiTaskDatasets.LeftColumnName), new TaskDefinition(MultiTaskDatasets.RightColumnName) },
                Trunk = TrunkSpec.Mlp(32), BatchSize = 32, MaxEpoch = 2, Seed = 3,
                Augmentation = augment ? new CorruptionSampler(new[] { new ImageCorruption("gaussian_noise", 5) }) : null,
                AugmentationPixelScale = set.Normalization.Std, AugmentationPixelOffset = set.Normalization.Mean,
            };
            var trainer = new MLContext(1).MultiTask().Trainers.MultiHead(options);
            using var model = trainer.Fit(data);
            return model.TrainingReport!.Epochs.SelectMany(e => e.Tasks.Select(t => t.TrainLoss)).ToArray();
        }
        double[] a = Run(true), b = Run(true), clean = Run(false);
        CollectionAssert.AreEqual(a, b);
        Assert.IsFalse(a.SequenceEqual(clean));
    }

    [TestMethod]
    public void AugmentationOnFlatFeaturesFailsAtFitNamingTheColumn()
    {
        IDataView data = new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options { RowCount = 8, FeatureCount = 4, TaskCount = 1, TaskNames = new[] { "A" }, Seed = 1 }).AsDataView();
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
            Tasks = { new TaskDefinition("A", kind: TaskKind.Regression) },
            Trunk = TrunkSpec.Mlp(4), MaxEpoch = 1,
            Augmentation = new CorruptionSampler(new[] { new ImageCorruption("gaussian_noise", 1) }),
        };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(data));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "(C, H, W)");
    }
}
