using Mtl.Analysis.Gradients;
using Mtl.Analysis.Objectives;
using Mtl.Analysis.Statistics;
using Mtl.Analysis.Tests.Support;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class GradientConflictSamplerTests
{
    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    [TestMethod]
    public void TwoTasksGiveNInterTaskPairsAndNChooseTwoInterSamplePairsPerTask()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 1);
        using var scope = NewDisposeScope();
        ConflictSample sample = GradientConflictSampler.Sample(tiny.Objective, tiny.Batch(10, seed: 2), samples: 6);
        Assert.AreEqual(6, sample.OfKind(PairKind.InterTask).Count());
        Assert.IsTrue(sample.OfKind(PairKind.InterTask).All(p => p.Group == "Task0|Task1" && p.FirstSample == p.SecondSample));
        Assert.AreEqual(15, sample.OfKind(PairKind.InterSample).Count(p => p.Group == "Task0"));
        Assert.AreEqual(15, sample.OfKind(PairKind.InterSample).Count(p => p.Group == "Task1"));
        Assert.AreEqual(6 + 2 * 15, sample.Pairs.Count);
        // Every unordered sample pair appears once per task.
        var task0 = sample.OfKind(PairKind.InterSample).Where(p => p.FirstTask == 0).Select(p => (p.FirstSample, p.SecondSample)).ToHashSet();
        Assert.AreEqual(15, task0.Count);
        Assert.IsTrue(task0.All(p => p.FirstSample < p.SecondSample));
    }

    [TestMethod]
    public void ThreeTasksCompareEveryTaskPair()
    {
        using var tiny = new TinyNetwork(tasks: 3, seed: 3);
        using var scope = NewDisposeScope();
        ConflictSample sample = GradientConflictSampler.Sample(tiny.Objective, tiny.Batch(8, seed: 4), samples: 4);
        string[] groups = sample.OfKind(PairKind.InterTask).Select(p => p.Group).Distinct().ToArray();
        CollectionAssert.AreEqual(new[] { "Task0|Task1", "Task0|Task2", "Task1|Task2" }, groups);
        Assert.IsTrue(groups.All(g => sample.OfKind(PairKind.InterTask).Count(p => p.Group == g) == 4));
        Assert.AreEqual(3 * 6, sample.OfKind(PairKind.InterSample).Count());
        var accumulator = new ConflictAccumulator();
        accumulator.Add(sample);
        accumulator.Add(sample);
        Assert.AreEqual(8, accumulator.PairCount(PairKind.InterTask, "Task1|Task2"));
        Assert.AreEqual(12, accumulator.PairCount(PairKind.InterSample, "Task2"));
        Assert.AreEqual((3 + 3) * 3, accumulator.Summarize().Count);
    }

    [TestMethod]
    public void PairSimilaritiesEqualThoseOfGradientsComputedByPlainBackwardInEvaluationMode()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 5);
        using var scope = NewDisposeScope();
        TaskBatch batch = tiny.Batch(5, seed: 6);
        tiny.Network.train();
        ConflictSample sample = GradientConflictSampler.Sample(tiny.Objective, batch, samples: 3);
        Assert.IsTrue(tiny.Network.training, "the sampler restores the network's training mode");

        tiny.Network.eval();
        var grads = new double[2][][];
        for (int t = 0; t < 2; t++) grads[t] = Enumerable.Range(0, 3).Select(i => tiny.TrunkGradient(batch, t, i)).ToArray();
        foreach (GradientPair pair in sample.Pairs)
        {
            double[] a = grads[pair.FirstTask][pair.FirstSample], b = grads[pair.SecondTask][pair.SecondSample];
            double na = Math.Sqrt(Dot(a, a)), nb = Math.Sqrt(Dot(b, b));
            Assert.AreEqual(Dot(a, b) / (na * nb), pair.Similarity.Cosine, 1e-5, $"cosine of {pair}");
            Assert.AreEqual(2 * na * nb / (na * na + nb * nb), pair.Similarity.Magnitude, 1e-5);
            double opposite = a.Zip(b, (x, y) => x * y < 0 ? 1.0 : 0.0).Sum() / a.Length;
            Assert.AreEqual(opposite, pair.Similarity.ConflictingRatio, 1e-12);
        }
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < 3; i++)
                Assert.AreEqual(Math.Sqrt(Dot(grads[t][i], grads[t][i])), sample.GradientNorms[t, i], 1e-5);
    }

    [TestMethod]
    public void SameNetworkAndBatchGiveIdenticalNumbers()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 8);
        using var scope = NewDisposeScope();
        TaskBatch batch = tiny.Batch(8, seed: 9);
        double[] first = GradientConflictSampler.Sample(tiny.Objective, batch).Pairs.Select(p => p.Similarity.Cosine).ToArray();
        double[] second = GradientConflictSampler.Sample(tiny.Objective, batch).Pairs.Select(p => p.Similarity.Cosine).ToArray();
        CollectionAssert.AreEqual(first, second);
        Assert.AreEqual(8 + 2 * 28, first.Length); // the default n = 8
    }

    [TestMethod]
    public void BadInputIsRejectedWithTheReason()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 10);
        using var scope = NewDisposeScope();
        TaskBatch batch = tiny.Batch(4, seed: 11);
        var tooFew = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientConflictSampler.Sample(tiny.Objective, batch, samples: 1));
        StringAssert.Contains(tooFew.Message, "at least 2 samples");
        var small = Assert.ThrowsExactly<ArgumentException>(() => GradientConflictSampler.Sample(tiny.Objective, batch, samples: 5));
        StringAssert.Contains(small.Message, "only 4 rows");
        var rows = Assert.ThrowsExactly<ArgumentException>(() => new TaskBatch(ones(4, 4), new[] { ones(4), ones(3) }));
        StringAssert.Contains(rows.Message, "Target 1");
        var missing = Assert.ThrowsExactly<ArgumentException>(() => GradientConflictSampler.Sample(tiny.Objective, new TaskBatch(ones(4, 4), new[] { ones(4) }), samples: 2));
        StringAssert.Contains(missing.Message, "2 tasks");
        Assert.ThrowsExactly<ArgumentException>(() => new NetworkObjective(tiny.Network, tiny.Tasks.Take(1).ToArray(), TinyNetwork.Mse));
    }

    [TestMethod]
    public void CompareWorksOnGradientsAMonitorAlreadyHas()
    {
        using var scope = NewDisposeScope();
        // Task A's samples: (1, 0), (0, 2); task B's: (−1, 0), (0, 1). Sample 0: A vs B opposite; sample 1: same direction.
        Tensor a = tensor(new float[] { 1, 0, 0, 2 }, new long[] { 2, 2 });
        Tensor b = tensor(new float[] { -1, 0, 0, 1 }, new long[] { 2, 2 });
        ConflictSample sample = GradientConflictSampler.Compare(new[] { "A", "B" }, new[] { a, b });
        GradientPair[] interTask = sample.OfKind(PairKind.InterTask).ToArray();
        Assert.AreEqual(2, interTask.Length);
        Assert.AreEqual(-1.0, interTask[0].Similarity.Cosine, 1e-12);
        Assert.AreEqual(1.0, interTask[0].Similarity.Magnitude, 1e-12);
        Assert.AreEqual(0.5, interTask[0].Similarity.ConflictingRatio, 1e-12);
        Assert.AreEqual(1.0, interTask[1].Similarity.Cosine, 1e-12);
        Assert.AreEqual(0.8, interTask[1].Similarity.Magnitude, 1e-12); // norms 2 and 1: 2·2/5
        GradientPair interSampleA = sample.OfKind(PairKind.InterSample).Single(p => p.Group == "A");
        Assert.AreEqual(0.0, interSampleA.Similarity.Cosine, 1e-12);
        Assert.AreEqual(0.8, interSampleA.Similarity.Magnitude, 1e-12);
        Assert.AreEqual(2.0, sample.GradientNorms[0, 1], 1e-12);

        var shapes = Assert.ThrowsExactly<ArgumentException>(() => GradientConflictSampler.Compare(new[] { "A", "B" }, new[] { a, ones(2, 3) }));
        StringAssert.Contains(shapes.Message, "same n × P");
        Assert.ThrowsExactly<ArgumentException>(() => GradientConflictSampler.Compare(new[] { "A", "B" }, new[] { a }));
        Assert.ThrowsExactly<ArgumentException>(() => GradientConflictSampler.Compare(new[] { "A" }, new[] { ones(1, 3) }));
    }
}
