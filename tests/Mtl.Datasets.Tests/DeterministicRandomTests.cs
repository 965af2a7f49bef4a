namespace Mtl.Datasets.Tests;

[TestClass]
public sealed class DeterministicRandomTests
{
    [TestMethod]
    public void MatchesTheSplitMix64ReferenceSequence()
    {
        // Reference outputs of SplitMix64 (Steele, Lea, Flood 2014; Vigna's C version) for seed 1234567.
        var random = new DeterministicRandom(1234567);

        Assert.AreEqual(6457827717110365317UL, random.NextUInt64());
        Assert.AreEqual(3203168211198807973UL, random.NextUInt64());
        Assert.AreEqual(9817491932198370423UL, random.NextUInt64());
    }

    [TestMethod]
    public void NextIntStaysInRangeAndCoversIt()
    {
        var random = new DeterministicRandom(5);
        var counts = new int[7];
        for (int i = 0; i < 7000; i++)
            counts[random.NextInt(7)]++;

        // Each of 7 values expects 1,000 hits; ±150 is over 4 standard deviations (√(7000·(1/7)·(6/7)) ≈ 29).
        foreach (int count in counts)
            Assert.IsTrue(count is > 850 and < 1150, string.Join(", ", counts));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => random.NextInt(0));
    }

    [TestMethod]
    public void GaussianDrawsHaveUnitMoments()
    {
        var random = new DeterministicRandom(11);
        const int n = 40_000;
        double sum = 0, squares = 0;
        for (int i = 0; i < n; i++)
        {
            double g = random.NextGaussian();
            sum += g;
            squares += g * g;
        }
        // Standard errors: mean 1/√n = 0.005, variance √(2/n) ≈ 0.007.
        Assert.AreEqual(0, sum / n, 0.025);
        Assert.AreEqual(1, squares / n, 0.035);
    }

    [TestMethod]
    public void StreamsAndRowsAreReproducibleAndDistinct()
    {
        Assert.AreEqual(DeterministicRandom.ForStream(1, "a").NextUInt64(), DeterministicRandom.ForStream(1, "a").NextUInt64());
        Assert.AreNotEqual(DeterministicRandom.ForStream(1, "a").NextUInt64(), DeterministicRandom.ForStream(1, "b").NextUInt64());
        Assert.AreNotEqual(DeterministicRandom.ForStream(1, "a").NextUInt64(), DeterministicRandom.ForStream(2, "a").NextUInt64());
        Assert.AreEqual(DeterministicRandom.ForRow(42, 7).NextUInt64(), DeterministicRandom.ForRow(42, 7).NextUInt64());
        Assert.AreNotEqual(DeterministicRandom.ForRow(42, 7).NextUInt64(), DeterministicRandom.ForRow(42, 8).NextUInt64());
    }

    [TestMethod]
    public void ShuffleIsAPermutation()
    {
        var values = Enumerable.Range(0, 100).ToArray();
        new DeterministicRandom(3).Shuffle(values);

        CollectionAssert.AreEquivalent(Enumerable.Range(0, 100).ToArray(), values);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 100).ToArray(), values);
    }
}
