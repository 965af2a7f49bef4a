using Mtl.Analysis.Gradients;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class GradientSimilarityTests
{
    // Two vectors in R^P with a set angle and norm ratio: a = ‖a‖·u, b = ρ‖a‖·(cos θ·u + sin θ·v) for orthonormal u, v.
    private static (float[] a, float[] b) WithAngleAndRatio(double theta, double ratio, int size, int seed)
    {
        var random = new Random(seed);
        double[] u = Enumerable.Range(0, size).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] v = Enumerable.Range(0, size).Select(_ => random.NextDouble() - 0.5).ToArray();
        double nu = Math.Sqrt(u.Sum(x => x * x));
        u = u.Select(x => x / nu).ToArray();
        double proj = u.Zip(v, (x, y) => x * y).Sum();
        v = v.Zip(u, (x, y) => x - proj * y).ToArray();
        double nv = Math.Sqrt(v.Sum(x => x * x));
        v = v.Select(x => x / nv).ToArray();
        const double normA = 3.0;
        float[] a = u.Select(x => (float)(normA * x)).ToArray();
        float[] b = u.Zip(v, (x, y) => (float)(ratio * normA * (Math.Cos(theta) * x + Math.Sin(theta) * y))).ToArray();
        return (a, b);
    }

    [TestMethod]
    [DataRow(0.0, 1.0)]
    [DataRow(Math.PI / 3, 2.0)]
    [DataRow(Math.PI / 2, 0.5)]
    [DataRow(2.5, 10.0)]
    [DataRow(Math.PI, 0.1)]
    public void CosineAndMagnitudeSimilarityMatchTheSetAngleAndNormRatio(double theta, double ratio)
    {
        var (a, b) = WithAngleAndRatio(theta, ratio, 40, seed: 7);
        PairSimilarity s = GradientSimilarity.Of(a, b);
        Assert.AreEqual(Math.Cos(theta), s.Cosine, 1e-6);
        Assert.AreEqual(2 * ratio / (1 + ratio * ratio), s.Magnitude, 1e-6);
        int opposite = a.Zip(b, (x, y) => Math.Sign(x) * Math.Sign(y) < 0 ? 1 : 0).Sum();
        Assert.AreEqual(opposite / 40.0, s.ConflictingRatio, 1e-12);
    }

    [TestMethod]
    public void ConflictingRatioCountsStrictlyOppositeSignsOverAllCoordinatesAndZerosNeverConflict()
    {
        float[] a = { 1, -2, 0, 3, -1 };
        float[] b = { -1, -1, 2, 0, 4 };
        // Coordinates 0 and 4 have opposite signs; 2 and 3 hold a zero, 1 agrees: 2 of 5.
        Assert.AreEqual(0.4, GradientSimilarity.Of(a, b).ConflictingRatio, 1e-12);
        Assert.AreEqual(0.0, GradientSimilarity.Of(a, a).ConflictingRatio, 1e-12);
        Assert.AreEqual(0.8, GradientSimilarity.Of(a, a.Select(x => -x).ToArray()).ConflictingRatio, 1e-12);
    }

    [TestMethod]
    public void HandComputedPair()
    {
        // a = (3, 4), b = (-4, 3)·2: orthogonal, ‖a‖ = 5, ‖b‖ = 10 → S_mag = 2·50/125 = 0.8; signs (+,+) vs (−,+): 1 of 2.
        PairSimilarity s = GradientSimilarity.Of(new float[] { 3, 4 }, new float[] { -8, 6 });
        Assert.AreEqual(0.0, s.Cosine, 1e-12);
        Assert.AreEqual(0.8, s.Magnitude, 1e-12);
        Assert.AreEqual(0.5, s.ConflictingRatio, 1e-12);
        Assert.AreEqual(0.8, s[SimilarityMetric.Magnitude], 1e-12);
    }

    [TestMethod]
    public void ZeroGradientsGiveUndefinedCosineAndTheMagnitudeSaysHowDifferent()
    {
        PairSimilarity oneZero = GradientSimilarity.Of(new float[] { 0, 0 }, new float[] { 1, 2 });
        Assert.IsTrue(double.IsNaN(oneZero.Cosine));
        Assert.AreEqual(0.0, oneZero.Magnitude, 1e-12);
        Assert.AreEqual(0.0, oneZero.ConflictingRatio, 1e-12);
        PairSimilarity bothZero = GradientSimilarity.Of(new float[] { 0, 0 }, new float[] { 0, 0 });
        Assert.IsTrue(double.IsNaN(bothZero.Cosine));
        Assert.IsTrue(double.IsNaN(bothZero.Magnitude));
    }

    [TestMethod]
    public void PairwiseMatrixAgreesWithEveryPairComputedAlone()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        Tensor rows = randn(new long[] { 5, 30 }, ScalarType.Float32, generator: generator);
        SimilarityMatrix all = GradientSimilarity.Pairwise(rows);
        Assert.AreEqual(5, all.Count);
        for (int i = 0; i < 5; i++)
        {
            float[] ri = rows[i].data<float>().ToArray();
            Assert.AreEqual(Math.Sqrt(ri.Sum(x => (double)x * x)), all.Norm(i), 1e-5);
            for (int j = 0; j < 5; j++)
            {
                PairSimilarity alone = GradientSimilarity.Of(rows[i], rows[j]);
                PairSimilarity fromMatrix = all[i, j];
                Assert.AreEqual(alone.Cosine, fromMatrix.Cosine, 1e-12);
                Assert.AreEqual(alone.Magnitude, fromMatrix.Magnitude, 1e-12);
                Assert.AreEqual(alone.ConflictingRatio, fromMatrix.ConflictingRatio, 1e-12);
            }
        }
        Assert.AreEqual(1.0, all[2, 2].Cosine, 1e-12);
    }

    [TestMethod]
    public void MismatchedShapesAreRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => GradientSimilarity.Of(new float[] { 1, 2 }, new float[] { 1, 2, 3 }));
        StringAssert.Contains(e.Message, "different lengths");
        using var scope = NewDisposeScope();
        Assert.ThrowsExactly<ArgumentException>(() => GradientSimilarity.Of(ones(2, 3), ones(3, 2)));
        Assert.ThrowsExactly<ArgumentException>(() => GradientSimilarity.Pairwise(ones(4)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientSimilarity.Pairwise(ones(2, 3))[0, 2]);
    }
}
