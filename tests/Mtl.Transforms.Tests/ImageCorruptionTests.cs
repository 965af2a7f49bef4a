using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Tests;

/// <summary>The span API the trainer's augmentation uses.</summary>
[TestClass]
public sealed class ImageCorruptionTests
{
    [TestMethod]
    public void ApplyOnASpanEqualsTheCorruptionOnAnImageWithTheSameSeed()
    {
        var clean = TestImages.Make(3, 32, 2);
        foreach (var name in new[] { "gaussian_noise", "glass_blur", "snow", "jpeg_compression", "elastic_transform" })
        {
            var corruption = new ImageCorruption(name, 3);
            // Two images side by side in one batch array: only the second changes.
            var batch = new float[2 * clean.Data.Length];
            clean.Data.CopyTo(batch, 0);
            clean.Data.CopyTo(batch, clean.Data.Length);
            corruption.Apply(batch.AsSpan(clean.Data.Length), 3, 32, 32, seed: 77);
            CollectionAssert.AreEqual(clean.Data, batch[..clean.Data.Length], name);
            CollectionAssert.AreEqual(TestImages.Corrupt(clean, name, 3, 77).Data, batch[clean.Data.Length..], name);
        }
    }

    [TestMethod]
    public void DescriptorsValidateParseAndFormat()
    {
        var c = ImageCorruption.Parse("Gaussian_Noise:4");
        Assert.AreEqual("gaussian_noise", c.Name);
        Assert.AreEqual(4, c.Severity);
        Assert.AreEqual("gaussian_noise:4", c.ToString());
        Assert.AreEqual(1, ImageCorruption.Parse("stripe").Severity);
        Assert.AreEqual(new ImageCorruption("fog", 2), ImageCorruption.Parse("fog:2"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ImageCorruption("fuzz", 1)).Message, "gaussian_noise");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageCorruption("stripe", 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageCorruption("fog", -1));
        StringAssert.Contains(Assert.ThrowsExactly<FormatException>(() => ImageCorruption.Parse("fog:x")).Message, "name:severity");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageCorruption("fog", 1, new CorruptionSettings((CorruptionTable)9)));
        var image = new float[10];
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ImageCorruption("fog", 1).Apply(image, 1, 3, 3, 0)).Message, "1×3×3");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageCorruption("fog", 1).Apply(new float[18], 2, 3, 3, 0));
        // Severity 0 leaves the span alone.
        var values = Enumerable.Range(0, 9).Select(i => i / 10f).ToArray();
        new ImageCorruption("gaussian_noise", 0).Apply(values, 1, 3, 3, 5);
        CollectionAssert.AreEqual(Enumerable.Range(0, 9).Select(i => i / 10f).ToArray(), values);
    }

    [TestMethod]
    public void SuiteIsTheCrossProductWithSeveritiesCappedPerCorruption()
    {
        var suite = ImageCorruption.Suite(["fog", "stripe"], [1, 3]);
        CollectionAssert.AreEqual(new[] { "fog:1", "fog:3", "stripe:1", "stripe:1" }, suite.Select(c => c.ToString()).ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageCorruption.Suite(["fog"], [-1]));
    }

    [TestMethod]
    public void SamplerDrawsEveryChoiceAndTheSameSeedGivesTheSameImage()
    {
        var sampler = new CorruptionSampler(ImageCorruption.Suite(["brightness", "inverse", "contrast"], [0, 2]));
        var counts = new Dictionary<string, int>();
        var clean = TestImages.Make(1, 28, 0).Data;
        for (ulong i = 0; i < 600; i++)
        {
            ulong seed = CorruptionRandom.Combine(3, 1, i);
            var a = (float[])clean.Clone();
            var b = (float[])clean.Clone();
            var chosen = sampler.Apply(a, 1, 28, 28, seed);
            Assert.AreEqual(chosen, sampler.Apply(b, 1, 28, 28, seed));
            CollectionAssert.AreEqual(a, b);
            counts[chosen.ToString()] = counts.GetValueOrDefault(chosen.ToString()) + 1;
        }
        // Six equally likely choices (inverse:2 is capped to inverse:1): each about 100 of 600 (standard deviation ≈ 9).
        Assert.HasCount(6, counts);
        foreach (var (choice, n) in counts)
            Assert.IsTrue(n > 60 && n < 140, $"{choice} drawn {n} times");
        Assert.ThrowsExactly<ArgumentException>(() => new CorruptionSampler([]));
        // Epochs differ: the same sample under another epoch key gets a different draw stream.
        Assert.AreNotEqual(CorruptionRandom.Combine(3, 1, 5), CorruptionRandom.Combine(3, 2, 5));
    }
}
