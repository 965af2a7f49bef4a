using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Tests;

/// <summary>Closed forms and hand-computed cases, and the non-monotone corruptions checked against their own definitions.</summary>
[TestClass]
public sealed class CorruptionDefinitionTests
{
    private static readonly CorruptionSettings Cifar = new(CorruptionTable.Cifar, ScaleToImageSize: false);
    private static readonly CorruptionSettings ImageNet = new(CorruptionTable.ImageNet, ScaleToImageSize: false);

    private static PlanarImage Ramp(int channels, int h, int w)
    {
        var image = new PlanarImage(channels, h, w);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = (i * 37 % 101) / 100f;
        return image;
    }

    [TestMethod]
    public void TableSelectionAndSizeScalingFollowTheDocumentedRule()
    {
        Assert.AreEqual(CorruptionTable.Cifar, CorruptionSettings.Default.Resolve(64, 40));
        Assert.AreEqual(CorruptionTable.ImageNet, CorruptionSettings.Default.Resolve(65, 40));
        Assert.AreEqual(CorruptionTable.ImageNet, new CorruptionSettings(CorruptionTable.ImageNet).Resolve(28, 28));
        Assert.AreEqual(28 / 32.0, CorruptionSettings.Default.SizeScale(28, 28), 1e-12);
        Assert.AreEqual(100 / 224.0, CorruptionSettings.Default.SizeScale(100, 120), 1e-12);
        Assert.AreEqual(1.0, new CorruptionSettings(CorruptionTable.ImageNet, false).SizeScale(28, 28));
        var level = new CorruptionLevel(1, CorruptionTable.Cifar, 0.4);
        Assert.AreEqual(1, level.PxInt(1)); // whole-pixel lengths of at least one stay at least one
        Assert.AreEqual(2, level.PxInt(4));
    }

    [TestMethod]
    public void BrightnessAddsToGrayAndToHsvValue()
    {
        var gray = Ramp(1, 8, 8);
        var shifted = TestImages.Corrupt(gray, "brightness", 3, 0, Cifar); // +0.15
        for (int i = 0; i < gray.Data.Length; i++) Assert.AreEqual(Math.Min(1f, gray.Data[i] + 0.15f), shifted.Data[i], 1e-6f);

        var rgb = new PlanarImage(3, 1, 2);
        (rgb[0, 0, 0], rgb[1, 0, 0], rgb[2, 0, 0]) = (0.2f, 0.4f, 0.6f);   // V = .6 → .65: scaled by .65/.6, same hue and saturation
        (rgb[0, 0, 1], rgb[1, 0, 1], rgb[2, 0, 1]) = (0f, 0f, 0f);          // black → gray at V = .05
        var bright = TestImages.Corrupt(rgb, "brightness", 1, 0, Cifar);
        Assert.AreEqual(0.2f * 0.65f / 0.6f, bright[0, 0, 0], 1e-6f);
        Assert.AreEqual(0.4f * 0.65f / 0.6f, bright[1, 0, 0], 1e-6f);
        Assert.AreEqual(0.65f, bright[2, 0, 0], 1e-6f);
        for (int c = 0; c < 3; c++) Assert.AreEqual(0.05f, bright[c, 0, 1], 1e-6f);
    }

    [TestMethod]
    public void ContrastScalesAboutTheChannelMean()
    {
        var image = Ramp(3, 6, 7);
        var low = TestImages.Corrupt(image, "contrast", 2, 0, ImageNet); // factor .3
        for (int c = 0; c < 3; c++)
        {
            var plane = image.Plane(c).ToArray();
            float mean = plane.Average();
            for (int i = 0; i < plane.Length; i++) Assert.AreEqual((plane[i] - mean) * 0.3f + mean, low.Plane(c)[i], 1e-5f);
        }
    }

    [TestMethod]
    public void SaturateChangesGrayOnlyThroughItsAdditiveTermAndSetsHsvSaturation()
    {
        var gray = Ramp(1, 5, 5);
        for (int s = 1; s <= 3; s++) CollectionAssert.AreEqual(gray.Data, TestImages.Corrupt(gray, "saturate", s, 0, Cifar).Data);
        var s5 = TestImages.Corrupt(gray, "saturate", 5, 0, Cifar); // b = .2: x·(1 − .701·.2)
        for (int i = 0; i < gray.Data.Length; i++) Assert.AreEqual(gray.Data[i] * (1 - 0.701f * 0.2f), s5.Data[i], 1e-6f);

        var rgb = new PlanarImage(3, 1, 1);
        (rgb[0, 0, 0], rgb[1, 0, 0], rgb[2, 0, 0]) = (0.8f, 0.6f, 0.4f); // V .8, S .5, hue 30°
        var sat = TestImages.Corrupt(rgb, "saturate", 4, 0, Cifar);     // S → .5·2 + .1 = 1 (clipped)
        float v = Math.Max(sat[0, 0, 0], Math.Max(sat[1, 0, 0], sat[2, 0, 0])), min = Math.Min(sat[0, 0, 0], Math.Min(sat[1, 0, 0], sat[2, 0, 0]));
        Assert.AreEqual(0.8f, v, 1e-6f);
        Assert.AreEqual(1f, (v - min) / v, 1e-6f);
        Assert.AreEqual(0.5f, (sat[1, 0, 0] - min) / (v - min), 1e-5f); // hue kept: G sits halfway between min and max
    }

    [TestMethod]
    public void PixelateAveragesBlocksThenRepeatsThem()
    {
        var image = new PlanarImage(1, 4, 4);
        for (int i = 0; i < 16; i++) image.Data[i] = i / 16f;
        Pixelate.Apply(image, 0.5);
        float[] expected =
        [
            2.5f, 2.5f, 4.5f, 4.5f,
            2.5f, 2.5f, 4.5f, 4.5f,
            10.5f, 10.5f, 12.5f, 12.5f,
            10.5f, 10.5f, 12.5f, 12.5f,
        ];
        for (int i = 0; i < 16; i++) Assert.AreEqual(expected[i] / 16f, image.Data[i], 1e-6f);
        // At 28 px the CIFAR factors give ⌊28·f⌋ = 26, 25, 23, 21, 18 blocks per side: count distinct column patterns.
        int[] blocks = [26, 25, 23, 21, 18];
        for (int s = 1; s <= 5; s++)
        {
            var noisy = Ramp(1, 28, 28);
            var p = TestImages.Corrupt(noisy, "pixelate", s, 0);
            int distinctColumns = Enumerable.Range(0, 28).Select(x => string.Join(",", Enumerable.Range(0, 28).Select(y => p[0, y, x]))).Distinct().Count();
            Assert.AreEqual(blocks[s - 1], distinctColumns, $"severity {s}");
        }
    }

    [TestMethod]
    public void GaussianKernelIsNormalizedSymmetricAndGaussian()
    {
        foreach (double sigma in new[] { 0.35, 1.0, 2.5, 6.0 })
        {
            var k = ImageOps.GaussianKernel(sigma);
            Assert.AreEqual(1.0, k.Sum(), 1e-5);
            int r = k.Length / 2;
            Assert.AreEqual((int)(4 * sigma + 0.5) < 1 ? 1 : (int)(4 * sigma + 0.5), r);
            for (int i = 0; i < r; i++) Assert.AreEqual(k[i], k[^(i + 1)], 1e-7f);
            Assert.AreEqual(Math.Exp(-0.5 / (sigma * sigma)), k[r + 1] / k[r], 1e-5);
        }
        CollectionAssert.AreEqual(new[] { 1f }, ImageOps.GaussianKernel(0));
    }

    [TestMethod]
    public void DefocusKernelIsTheAliasedDiskAndScalesContinuously()
    {
        var k = DefocusBlur.DiskKernel(1, 0.01, out int size);
        Assert.AreEqual(5, size);
        Assert.AreEqual(1.0, k.Sum(), 1e-5);
        Assert.AreEqual(0.2f, k[2 * 5 + 2], 1e-4f); // centre
        Assert.AreEqual(0.2f, k[1 * 5 + 2], 1e-4f); // the four neighbours of a radius-1 disk
        Assert.AreEqual(0.0f, k[1 * 5 + 1], 1e-4f); // diagonals are outside
        var same = DefocusBlur.ScaleKernel(k, size, 1.0, out int sameSize);
        Assert.AreSame(k, same);
        Assert.AreEqual(5, sameSize);
        var smaller = DefocusBlur.ScaleKernel(k, size, 0.875, out _);
        Assert.AreEqual(1.0, smaller.Sum(), 1e-5);
    }

    [TestMethod]
    [DataRow("gaussian_blur")]
    [DataRow("defocus_blur")]
    [DataRow("motion_blur")]
    [DataRow("zoom_blur")]
    [DataRow("glass_blur")]
    [DataRow("pixelate")]
    public void BlursKeepAConstantImageConstant(string name)
    {
        var image = new PlanarImage(3, 30, 30);
        Array.Fill(image.Data, 0.37f);
        // Glass blur truncates to 8 bits between its blurs (as the generators do): constant, at most one level lower.
        float expected = name == "glass_blur" ? MathF.Floor(0.37f * 255f) / 255f : 0.37f;
        for (int s = 1; s <= 5; s++)
            foreach (float v in TestImages.Corrupt(image, name, s, 3).Data) Assert.AreEqual(expected, v, 1e-5f, $"{name} severity {s}");
    }

    [TestMethod]
    public void JpegAtQuality100IsAlmostTheIdentityAndLowerQualityIsWorse()
    {
        var image = TestImages.Make(3, 32, 1);
        double Error(int quality)
        {
            var copy = image.Clone();
            JpegCompression.RoundTrip(copy, quality);
            return TestImages.MeanAbsDiff(image, copy);
        }
        double q100 = Error(100), q80 = Error(80), q7 = Error(7);
        Assert.IsLessThan(0.01, q100);
        Assert.IsLessThan(q80, q100);
        Assert.IsLessThan(q7, q80);
        var gray = TestImages.Make(1, 28, 2);
        var grayCopy = gray.Clone();
        JpegCompression.RoundTrip(grayCopy, 100);
        Assert.IsLessThan(0.01, TestImages.MeanAbsDiff(gray, grayCopy));
    }

    [TestMethod]
    public void GaussianNoiseHasTheTableStandardDeviation()
    {
        var image = new PlanarImage(3, 64, 64);
        Array.Fill(image.Data, 0.5f);
        var noisy = TestImages.Corrupt(image, "gaussian_noise", 4, 1, ImageNet); // σ = .26
        double s2 = noisy.Data.Sum(v => (v - 0.5) * (v - 0.5)) / noisy.Data.Length;
        // Values beyond [0, 1] are clipped at a = .5/.26 = 1.923σ. Censored normal: E[X²]/σ² = (2Φ(a) − 1) − 2aφ(a) + 2a²(1 − Φ(a))
        // = .9455 − .2415 + .2015 = .9055 (Φ(a) = .97276, φ(a) = .06279).
        Assert.AreEqual(0.26 * Math.Sqrt(0.9055), Math.Sqrt(s2), 0.004);
    }

    [TestMethod]
    public void ShotNoiseKeepsTheMeanWithVarianceXOverC()
    {
        var image = new PlanarImage(1, 100, 100);
        Array.Fill(image.Data, 0.4f);
        var noisy = TestImages.Corrupt(image, "shot_noise", 5, 2, Cifar); // c = 50
        double mean = noisy.Data.Average(v => (double)v);
        double variance = noisy.Data.Sum(v => (v - mean) * (v - mean)) / noisy.Data.Length;
        Assert.AreEqual(0.4, mean, 0.003);
        Assert.AreEqual(0.4 / 50, variance, 0.0008);
    }

    [TestMethod]
    public void ImpulseNoiseReplacesTheTableFractionHalfSaltHalfPepper()
    {
        var image = new PlanarImage(3, 64, 64);
        Array.Fill(image.Data, 0.5f);
        var noisy = TestImages.Corrupt(image, "impulse_noise", 5, 4, ImageNet); // p = .27
        int salt = noisy.Data.Count(v => v == 1f), pepper = noisy.Data.Count(v => v == 0f), n = noisy.Data.Length;
        Assert.AreEqual(n, salt + pepper + noisy.Data.Count(v => v == 0.5f));
        Assert.AreEqual(0.27, (salt + pepper) / (double)n, 0.015);
        Assert.AreEqual(0.5, salt / (double)(salt + pepper), 0.03);
    }

    [TestMethod]
    public void GlassBlurSmearCopiesARandomNeighbourIntoEachPixelAndNeverSwaps()
    {
        // Replay the generators' loop by hand with the same draws: x[h, w] = x[h + dy, w + dx], sweeping from the bottom-right.
        var image = new PlanarImage(3, 12, 10);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = i / 1000f; // all distinct

        for (int delta = 1; delta <= 2; delta++)
            for (int iterations = 1; iterations <= 2; iterations++)
            {
                var smeared = image.Clone();
                var random = new CorruptionRandom(31);
                GlassBlur.Smear(smeared, delta, iterations, ref random);
                var expected = image.Clone();
                var replay = new CorruptionRandom(31);
                for (int it = 0; it < iterations; it++)
                    for (int y = 12 - delta; y > delta; y--)
                        for (int x = 10 - delta; x > delta; x--)
                        {
                            int dx = replay.NextInt(2 * delta) - delta, dy = replay.NextInt(2 * delta) - delta;
                            Assert.IsTrue(dx >= -delta && dx < delta && dy >= -delta && dy < delta);
                            for (int c = 0; c < 3; c++) expected[c, y, x] = expected[c, y + dy, x + dx];
                        }
                CollectionAssert.AreEqual(expected.Data, smeared.Data, $"δ = {delta}, {iterations} sweep(s)");
                // A swap would only permute values; the copy loses some and repeats others.
                Assert.IsLessThan(image.Data.Distinct().Count(), smeared.Data.Distinct().Count(), "values were lost: a copy, not a swap");
                // The rows above the sweep are untouched.
                for (int c = 0; c < 3; c++)
                    for (int x = 0; x < 10; x++)
                        for (int y = 0; y <= delta; y++) Assert.AreEqual(image[c, y, x], smeared[c, y, x]);
            }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => { var r = new CorruptionRandom(1); GlassBlur.Smear(image.Clone(), 0, 1, ref r); });
    }

    [TestMethod]
    public void GlassBlurTruncatesTo8BitsBetweenItsTwoBlurs()
    {
        float[] values = [0f, 0.5f, 1f, 0.999f, 1.2f, -0.1f, 100.9f / 255];
        GlassBlur.TruncateToBytes(values);
        CollectionAssert.AreEqual(new[] { 0f, 127 / 255f, 1f, 254 / 255f, 1f, 0f, 100 / 255f }, values);
        // The whole corruption is blur → truncate → smear → blur, with the same generator.
        foreach (var (settings, severity) in new[] { (ImageNet, 3), (Cifar, 5) })
        {
            var image = TestImages.Make(3, 28, 4);
            var level = new CorruptionLevel(severity, settings.Resolve(28, 28), settings.SizeScale(28, 28), false);
            var (sigma, delta, iterations) = GlassBlur.Parameters(level);
            var expected = image.Clone();
            var random = new CorruptionRandom(9);
            ImageOps.GaussianBlur(expected, sigma, Border.Nearest);
            GlassBlur.TruncateToBytes(expected.Data);
            GlassBlur.Smear(expected, delta, iterations, ref random);
            ImageOps.GaussianBlur(expected, sigma, Border.Nearest);
            expected.Clamp01();
            CollectionAssert.AreEqual(expected.Data, TestImages.Corrupt(image, "glass_blur", severity, 9, settings).Data, $"{settings.Table} severity {severity}");
        }
        // CIFAR severity 1: σ = .05 px blurs nothing, so every output value is one of the truncated input values.
        var ramp = Ramp(1, 32, 32);
        var truncated = ramp.Data.Select(v => MathF.Floor(v * 255f) / 255f).ToHashSet();
        foreach (float v in TestImages.Corrupt(ramp, "glass_blur", 1, 8, Cifar).Data) Assert.Contains(v, truncated);
        Assert.AreEqual((1.5, 4, 2), GlassBlur.Parameters(new CorruptionLevel(5, CorruptionTable.ImageNet, 1)));
    }

    [TestMethod]
    public void ElasticDisplacementFieldFollowsItsDefinitionAndTheTableGetsMilder()
    {
        const int H = 64, W = 64;
        var field = new float[H * W];
        var random = new CorruptionRandom(5);
        ElasticTransform.DisplacementField(H, W, 3.0, 0, ref random, field);
        Assert.AreEqual(1.5, field.Average(v => Math.Abs(v)), 0.05); // α·E|U(−1,1)| = α/2
        double previous = double.MaxValue;
        foreach (double sigma in new[] { 0.5, 1.0, 2.0, 4.0 })
        {
            random = new CorruptionRandom(5);
            ElasticTransform.DisplacementField(H, W, 3.0, sigma, ref random, field);
            double rms = Math.Sqrt(field.Average(v => (double)v * v));
            Assert.IsLessThan(previous, rms, $"σ = {sigma}");
            previous = rms;
        }
        // corruptions.md: with the CIFAR table the originals get milder from severity 1 to 5; so does ours.
        var set = TestImages.Set(1, 32);
        Assert.IsLessThan(TestImages.Strength(set, "elastic_transform", 1), TestImages.Strength(set, "elastic_transform", 5));
    }

    [TestMethod]
    public void SpatterWaterBrightensAndMudBlendsTowardsBrown()
    {
        var image = TestImages.Make(3, 32, 2);
        bool waterChanged = false, mudChanged = false;
        for (ulong seed = 0; seed < 8; seed++)
        {
            for (int s = 1; s <= 3; s++)
            {
                var water = TestImages.Corrupt(image, "spatter", s, seed);
                for (int i = 0; i < image.Data.Length; i++) Assert.IsGreaterThanOrEqualTo(image.Data[i], water.Data[i]);
                waterChanged |= TestImages.MeanAbsDiff(image, water) > 0;
            }
            for (int s = 4; s <= 5; s++)
            {
                var mud = TestImages.Corrupt(image, "spatter", s, seed);
                for (int c = 0; c < 3; c++)
                {
                    float colour = Spatter.Colour(true, 3, c);
                    for (int i = 0; i < image.PlaneSize; i++)
                    {
                        float x = image.Plane(c)[i], y = mud.Plane(c)[i];
                        Assert.IsTrue(y >= Math.Min(x, colour) - 1e-6f && y <= Math.Max(x, colour) + 1e-6f, $"mud pixel {y} is not between {x} and {colour}");
                    }
                }
                mudChanged |= TestImages.MeanAbsDiff(image, mud) > 0;
            }
        }
        Assert.IsTrue(waterChanged, "water spatter never changed the image");
        Assert.IsTrue(mudChanged, "mud spatter never changed the image");
        Assert.IsFalse(Spatter.IsMud(new CorruptionLevel(3, CorruptionTable.Cifar, 1)));
        Assert.IsTrue(Spatter.IsMud(new CorruptionLevel(4, CorruptionTable.Cifar, 1)));
    }

    [TestMethod]
    public void DistanceTransformAndHistogramEqualizationMatchHandComputedValues()
    {
        var row = new float[5];
        ImageOps.SquaredDistanceTransform([false, true, false, false, false], 1, 5, row);
        CollectionAssert.AreEqual(new[] { 1f, 0f, 1f, 4f, 9f }, row);
        var grid = new float[12];
        var features = new bool[12];
        features[0] = true;
        ImageOps.SquaredDistanceTransform(features, 3, 4, grid);
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++) Assert.AreEqual(y * y + x * x, grid[y * 4 + x]);
        ImageOps.SquaredDistanceTransform(new bool[4], 2, 2, grid.AsSpan(0, 4));
        Assert.IsTrue(grid.Take(4).All(float.IsPositiveInfinity));

        byte[] levels = [10, 10, 20, 30];
        ImageOps.EqualizeHistogram(levels);
        CollectionAssert.AreEqual(new byte[] { 0, 0, 128, 255 }, levels);
        byte[] flat = [7, 7, 7];
        ImageOps.EqualizeHistogram(flat);
        CollectionAssert.AreEqual(new byte[] { 7, 7, 7 }, flat);
    }

    [TestMethod]
    public void FrostBlendsTheImageWithItsSeededFrostLayer()
    {
        var image = TestImages.Make(3, 32, 0);
        for (int s = 1; s <= 5; s++)
        {
            var frosted = TestImages.Corrupt(image, "frost", s, 21);
            var random = new CorruptionRandom(21);
            var layer = new float[32 * 32];
            Frost.FrostLayer(32, 32, ref random, layer);
            var (ci, cf) = Frost.Coefficients(new CorruptionLevel(s, CorruptionTable.Cifar, 1));
            float[] tint = [.86f, .93f, 1f];
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < layer.Length; i++)
                    Assert.AreEqual(Math.Clamp((float)(ci * image.Plane(c)[i] + cf * tint[c] * layer[i]), 0f, 1f), frosted.Plane(c)[i], 1e-5f);
        }
    }

    [TestMethod]
    [DataRow(28, 28)]
    [DataRow(32, 32)]
    [DataRow(20, 45)]
    [DataRow(224, 224)]
    public void FrostLayerHasThePhotosBrightnessAndContrast(int h, int w)
    {
        // The photographed frost is a light haze with bright streaks: mean ≈ .6, standard deviation ≈ .18 (clipping to [0, 1] trims a little).
        for (ulong seed = 0; seed < 4; seed++)
        {
            var random = new CorruptionRandom(seed);
            var layer = new float[h * w];
            Frost.FrostLayer(h, w, ref random, layer);
            double mean = layer.Average(v => (double)v);
            double std = Math.Sqrt(layer.Average(v => (v - mean) * (v - mean)));
            Assert.IsTrue(mean > 0.57 && mean < 0.63, $"{h}×{w}, seed {seed}: layer mean {mean}");
            Assert.IsTrue(std > 0.15 && std < 0.19, $"{h}×{w}, seed {seed}: layer standard deviation {std}");
            Assert.IsTrue(layer.All(v => v >= 0 && v <= 1));
            Assert.IsGreaterThan(0.9, layer.Max(), "bright streaks reach near white");
        }
        // Standardize itself: exact moments when nothing is clipped; a constant becomes the mean.
        float[] values = [1, 2, 3, 4];
        Frost.Standardize(values, 0.5, 0.1);
        Assert.AreEqual(0.5, values.Average(v => (double)v), 1e-6);
        Assert.AreEqual(0.1, Math.Sqrt(values.Average(v => (v - 0.5) * (v - 0.5))), 1e-6);
        float[] constant = [3, 3, 3];
        Frost.Standardize(constant, 0.6, 0.2);
        CollectionAssert.AreEqual(new[] { 0.6f, 0.6f, 0.6f }, constant);
    }

    [TestMethod]
    public void ZoomFactorsAreNumpysArangeWithItsFloatRounding()
    {
        int[] cifarCounts = [7, 12, 16, 21, 26];
        double[] cifarLast = [1.06, 1.11, 1.15, 1.20, 1.25];
        int[] imageNetCounts = [12, 16, 11, 13, 11];
        double[] imageNetLast = [1.11, 1.15, 1.20, 1.24, 1.30];
        for (int s = 1; s <= 5; s++)
        {
            var cifar = ZoomBlur.Factors(new CorruptionLevel(s, CorruptionTable.Cifar, 1));
            Assert.HasCount(cifarCounts[s - 1], cifar, $"CIFAR severity {s}");
            Assert.AreEqual(1.0, cifar[0]);
            Assert.AreEqual(cifarLast[s - 1], cifar[^1], 1e-9, $"CIFAR severity {s}");
            var imageNet = ZoomBlur.Factors(new CorruptionLevel(s, CorruptionTable.ImageNet, 1));
            Assert.HasCount(imageNetCounts[s - 1], imageNet, $"ImageNet severity {s}");
            Assert.AreEqual(imageNetLast[s - 1], imageNet[^1], 1e-9, $"ImageNet severity {s}");
        }
        CollectionAssert.AreEqual(new[] { 1.0, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06 },
            ZoomBlur.Factors(new CorruptionLevel(1, CorruptionTable.Cifar, 1)).Select(f => Math.Round(f, 6)).ToArray());
        Assert.IsEmpty(ZoomBlur.Arange(1, 1, 0.1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ZoomBlur.Arange(1, 2, 0));
    }

    [TestMethod]
    public void ClippedZoomCropsZoomsCornerAlignedAndCutsFromTheTopLeft()
    {
        // 28 px, z = 1.15: crop ceil(24.35) = 25 rows from (28 − 25) // 2 = 1; zoomed round(28.75) = 29; cut (29 − 28) // 2 = 0;
        // output o reads crop row o · 24 / 28.
        var taps = ImageOps.ClippedZoomAxis(28, 1 + 15 * .01);
        Assert.AreEqual((1, 2), (taps[0].First, taps[0].Second));
        Assert.AreEqual(0f, taps[0].Weight);
        Assert.AreEqual((1 + 23, 1 + 24), (taps[27].First, taps[27].Second));
        Assert.AreEqual(27 * 24 / 28.0 - 23, taps[27].Weight, 1e-6);
        // 28 px, z = 3: crop 10 from 9; zoomed 30; cut 1; output o reads crop row (o + 1) · 9 / 29.
        taps = ImageOps.ClippedZoomAxis(28, 3);
        Assert.AreEqual((9, 10), (taps[0].First, taps[0].Second));
        Assert.AreEqual(9 / 29.0, taps[0].Weight, 1e-6);
        Assert.AreEqual((9 + 8, 9 + 9), (taps[27].First, taps[27].Second));
        Assert.AreEqual(28 * 9 / 29.0 - 8, taps[27].Weight, 1e-6);
        // 32 px, z = 1.25: crop 26 from 3; zoomed round(32.5) = 32 (ties to even); no cut; o reads o · 25 / 31.
        taps = ImageOps.ClippedZoomAxis(32, 1.25);
        Assert.AreEqual((3 + 25, 3 + 25), (taps[31].First, taps[31].Second));
        Assert.AreEqual((3 + 12, 3 + 13), (taps[16].First, taps[16].Second));
        Assert.AreEqual(16 * 25 / 31.0 - 12, taps[16].Weight, 1e-6);
        // z = 1 is the identity.
        var plane = Ramp(1, 9, 7).Data;
        var zoomed = new float[plane.Length];
        ImageOps.ClippedZoom(plane, zoomed, 9, 7, 1);
        CollectionAssert.AreEqual(plane, zoomed);
        // A plane zoomed with separate row and column taps is the bilinear interpolation of those taps.
        ImageOps.ClippedZoom(plane, zoomed, 9, 7, 1.3);
        var rows = ImageOps.ClippedZoomAxis(9, 1.3);
        var columns = ImageOps.ClippedZoomAxis(7, 1.3);
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 7; x++)
            {
                float Top(int r) => plane[r * 7 + columns[x].First] + columns[x].Weight * (plane[r * 7 + columns[x].Second] - plane[r * 7 + columns[x].First]);
                float v = Top(rows[y].First) + rows[y].Weight * (Top(rows[y].Second) - Top(rows[y].First));
                Assert.AreEqual(v, zoomed[y * 7 + x], 1e-5f, $"({y}, {x})");
            }
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ImageOps.ClippedZoom(plane, zoomed, 9, 7, 0.9));
        // Zoom blur is the mean of the image and its clipped zooms.
        var image = TestImages.Make(1, 28, 3);
        var factors = ZoomBlur.Factors(new CorruptionLevel(2, CorruptionTable.Cifar, 1));
        var sum = (float[])image.Data.Clone();
        var z = new float[sum.Length];
        foreach (double f in factors)
        {
            ImageOps.ClippedZoom(image.Data, z, 28, 28, f);
            for (int i = 0; i < sum.Length; i++) sum[i] += z[i];
        }
        var blurred = TestImages.Corrupt(image, "zoom_blur", 2, 0, Cifar);
        for (int i = 0; i < sum.Length; i++) Assert.AreEqual(sum[i] / (factors.Length + 1), blurred.Data[i], 1e-5f);
    }

    [TestMethod]
    public void StripeInverseQuantizeAndTranslateAreExact()
    {
        var image = Ramp(1, 28, 28);
        var stripe = TestImages.Corrupt(image, "stripe", 1, 0);
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                Assert.AreEqual(x < 7 || x >= 21 ? 1 - image[0, y, x] : image[0, y, x], stripe[0, y, x], 1e-6f);
        var inverse = TestImages.Corrupt(image, "inverse", 1, 0);
        for (int i = 0; i < image.Data.Length; i++) Assert.AreEqual(1 - image.Data[i], inverse.Data[i], 1e-6f);
        var quantized = TestImages.Corrupt(image, "quantize", 5, 0); // 1 bit: 0 or 1
        foreach (float v in quantized.Data) Assert.IsTrue(v == 0f || v == 1f);

        var moved = TestImages.Corrupt(image, "translate", 3, 17);
        bool matched = false;
        foreach (int dx in new[] { -3, 3 })
            foreach (int dy in new[] { -3, 3 })
            {
                bool all = true;
                for (int y = 4; y < 24 && all; y++)
                    for (int x = 4; x < 24 && all; x++)
                        all = Math.Abs(moved[0, y, x] - image[0, y + dy, x + dx]) < 1e-5f;
                matched |= all;
            }
        Assert.IsTrue(matched, "translate did not move the image by ±3 px on both axes");
    }

    [TestMethod]
    public void CannyFindsTheEdgesOfASquareAndNothingInFlatRegions()
    {
        var image = new PlanarImage(1, 28, 28);
        for (int y = 8; y < 20; y++) for (int x = 8; x < 20; x++) image[0, y, x] = 1f;
        var edges = TestImages.Corrupt(image, "canny_edges", 1, 0);
        foreach (float v in edges.Data) Assert.IsTrue(v == 0f || v == 1f);
        Assert.AreEqual(0f, edges[0, 14, 14]); // inside
        Assert.AreEqual(0f, edges[0, 2, 2]);   // outside
        for (int y = 10; y < 18; y++)
            Assert.IsTrue(edges[0, y, 7] + edges[0, y, 8] >= 1f, $"no edge on the left side at row {y}");
    }

    [TestMethod]
    public void ScaleAndRotateKeepTheCentreFixed()
    {
        var image = new PlanarImage(1, 29, 29);
        image[0, 14, 14] = 1f;
        Assert.AreEqual(1f, TestImages.Corrupt(image, "scale", 5, 0)[0, 14, 14], 1e-6f);
        Assert.AreEqual(1f, TestImages.Corrupt(image, "rotate", 5, 0)[0, 14, 14], 1e-6f);
        Assert.AreEqual(1f, TestImages.Corrupt(image, "shear", 5, 0)[0, 14, 14], 1e-6f);
    }
}
