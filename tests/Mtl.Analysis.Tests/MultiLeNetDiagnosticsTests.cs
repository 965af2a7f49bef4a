using Mtl.Analysis.Curvature;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Objectives;
using Mtl.Trainers;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Analysis.Tests;

/// <summary>The primitives on the network the studies use: Kurin et al.'s MultiLeNet with two 10-class heads.</summary>
[TestClass]
public class MultiLeNetDiagnosticsTests
{
    [TestMethod]
    public void ConflictsSharpnessFisherAndNoiseScaleRunOnMultiLeNetWithBoundedValues()
    {
        manual_seed(60);
        var tasks = new[] { new TaskDefinition("Left") { ClassCount = 10 }, new TaskDefinition("Right") { ClassCount = 10 } };
        using var network = new SharedBottomNetwork(TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }, tasks);
        var objective = new NetworkObjective(network, tasks); // the trainer's own losses (cross-entropy here)
        using var scope = NewDisposeScope();
        using var generator = new Generator(61);
        var batch = new TaskBatch(rand(new long[] { 16, 1, 28, 28 }, generator: generator),
            new[] { randint(0, 10, new long[] { 16 }, generator: generator), randint(0, 10, new long[] { 16 }, generator: generator) });
        network.train();

        ConflictSample conflicts = GradientConflictSampler.Sample(objective, batch);
        Assert.AreEqual(8 + 2 * 28, conflicts.Pairs.Count);
        Assert.IsTrue(conflicts.Pairs.All(p => p.Similarity.Cosine is >= -1 and <= 1), "cosines in [−1, 1]");
        Assert.IsTrue(conflicts.Pairs.All(p => p.Similarity.Magnitude is > 0 and <= 1), "magnitude similarities in (0, 1]");
        Assert.IsTrue(conflicts.Pairs.All(p => p.Similarity.ConflictingRatio is >= 0 and <= 1));

        SharpnessReport sharpness = Sharpness.Measure(objective, batch, new PowerIterationOptions { MaxIterations = 10, Tolerance = 1e-3 });
        Assert.IsTrue(sharpness.Total.Dominant.Trace.Count is >= 1 and <= 10);
        Assert.IsTrue(double.IsFinite(sharpness.Total.Top));

        FisherTraceReport fisher = FisherTrace.Measure(objective, batch, 8);
        Assert.IsTrue(fisher.PerTask.All(v => v > 0) && fisher.Total > 0);
        NoiseScaleReport noise = GradientNoiseScale.Measure(objective, batch, 4);
        Assert.IsTrue(double.IsFinite(noise.Total.TraceSigma));
        Assert.IsTrue(network.training, "every diagnostic restores the training mode");
    }

    /// <summary>The same objective with its module hidden, so every diagnostic takes the one-row path.</summary>
    private sealed class RowByRow : IMultiTaskObjective
    {
        private readonly IMultiTaskObjective inner;

        public RowByRow(IMultiTaskObjective inner) => this.inner = inner;

        public IReadOnlyList<string> TaskNames => inner.TaskNames;
        public IReadOnlyList<Tensor> SharedParameters => inner.SharedParameters;
        public IReadOnlyList<Tensor> TaskParameters(int task) => inner.TaskParameters(task);
        public Tensor[] Losses(TaskBatch batch) => inner.Losses(batch);
        public IDisposable EvaluationMode() => inner.EvaluationMode();
    }

    [TestMethod]
    public void PerLayerDiagnosticsEqualTheOneRowPathOnMultiLeNetAndResNet()
    {
        foreach ((TrunkSpec trunk, long[] shape) in new[] { (TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }), (TrunkSpec.ResNet(), new long[] { 3, 28, 28 }) })
        {
            manual_seed(62);
            var tasks = new[] { new TaskDefinition("Left") { ClassCount = 10, HeadHiddenSizes = new[] { 16 } }, new TaskDefinition("Right") { ClassCount = 10 } };
            using var network = new SharedBottomNetwork(trunk, shape, tasks);
            var layered = new NetworkObjective(network, tasks);
            Assert.AreSame(network, layered.Module);
            var rowByRow = new RowByRow(layered);
            Assert.IsNull(((IMultiTaskObjective)rowByRow).Module);
            using var scope = NewDisposeScope();
            using var generator = new Generator(63);
            var batch = new TaskBatch(rand(new long[] { 12 }.Concat(shape).ToArray(), generator: generator),
                new[] { randint(0, 10, new long[] { 12 }, generator: generator), randint(0, 10, new long[] { 12 }, generator: generator) });
            network.train();

            double[] Cosines(IMultiTaskObjective o) => GradientConflictSampler.Sample(o, batch, 6).Pairs.Select(p => p.Similarity.Cosine).ToArray();
            double[] expected = Cosines(rowByRow), actual = Cosines(layered);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5, $"{trunk.Kind}: pair {i}'s cosine");

            FisherTraceReport fisherRows = FisherTrace.Measure(rowByRow, batch, 8), fisher = FisherTrace.Measure(layered, batch, 8);
            Assert.AreEqual(fisherRows.Total, fisher.Total, 1e-5 * fisherRows.Total, $"{trunk.Kind}: Fisher trace");
            for (int t = 0; t < 2; t++) Assert.AreEqual(fisherRows.PerTask[t], fisher.PerTask[t], 1e-5 * fisherRows.PerTask[t]);

            NoiseScaleReport noiseRows = GradientNoiseScale.Measure(rowByRow, batch, 4), noise = GradientNoiseScale.Measure(layered, batch, 4);
            foreach ((NoiseScaleEstimate a, NoiseScaleEstimate b) in noiseRows.PerTask.Append(noiseRows.Total).Zip(noise.PerTask.Append(noise.Total)))
            {
                Assert.AreEqual(a.SmallGradientNormSquared, b.SmallGradientNormSquared, 1e-5 * a.SmallGradientNormSquared, $"{trunk.Kind}: |g_b|²");
                Assert.AreEqual(a.LargeGradientNormSquared, b.LargeGradientNormSquared, 1e-12 * a.LargeGradientNormSquared, $"{trunk.Kind}: |g_B|²");
            }
        }
    }
}
