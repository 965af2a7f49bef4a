using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Tests;

[TestClass]
public sealed class CorruptionRandomTests
{
    [TestMethod]
    public void SameSeedGivesSameStreamAndNeighbouringRowsDiffer()
    {
        var a = CorruptionRandom.ForRow(1, 2, 3);
        var b = CorruptionRandom.ForRow(1, 2, 3);
        var c = CorruptionRandom.ForRow(1, 2, 4);
        var d = CorruptionRandom.ForRow(1, 3, 3);
        ulong x = a.NextUInt64();
        Assert.AreEqual(x, b.NextUInt64());
        Assert.AreNotEqual(x, c.NextUInt64());
        Assert.AreNotEqual(x, d.NextUInt64());
    }

    [TestMethod]
    public void UniformAndGaussianMomentsMatch()
    {
        var r = new CorruptionRandom(42);
        const int N = 200_000;
        double su = 0, sg = 0, sg2 = 0;
        for (int i = 0; i < N; i++)
        {
            su += r.NextDouble();
            double g = r.NextGaussian();
            sg += g; sg2 += g * g;
        }
        Assert.AreEqual(0.5, su / N, 0.005);
        Assert.AreEqual(0.0, sg / N, 0.01);
        Assert.AreEqual(1.0, sg2 / N, 0.02);
    }

    [TestMethod]
    [DataRow(0.7)]
    [DataRow(12.0)]
    [DataRow(29.9)]
    [DataRow(30.0)]
    [DataRow(250.0)]
    public void PoissonHasMeanAndVarianceLambda(double lambda)
    {
        var r = new CorruptionRandom(7);
        const int N = 100_000;
        double s = 0, s2 = 0;
        for (int i = 0; i < N; i++)
        {
            int k = r.NextPoisson(lambda);
            Assert.IsGreaterThanOrEqualTo(0, k);
            s += k; s2 += (double)k * k;
        }
        double mean = s / N, variance = s2 / N - mean * mean;
        Assert.AreEqual(lambda, mean, 4 * Math.Sqrt(lambda / N) + 1e-9);
        Assert.AreEqual(lambda, variance, lambda * 0.05);
    }

    [TestMethod]
    public void NextIntCoversItsRangeOnly()
    {
        var r = new CorruptionRandom(3);
        var seen = new int[5];
        for (int i = 0; i < 10_000; i++) seen[r.NextInt(5)]++;
        foreach (int count in seen) Assert.IsGreaterThan(1800, count);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => { var q = new CorruptionRandom(1); q.NextInt(0); });
    }
}
