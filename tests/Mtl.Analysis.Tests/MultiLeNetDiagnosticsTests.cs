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
        using var network = new MultiHeadNetwork(TrunkSpec.MultiLeNet(), new long[] { 1, 28, 28 }, tasks);
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
}
