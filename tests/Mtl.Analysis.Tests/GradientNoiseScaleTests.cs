using Mtl.Analysis.Gradients;
using Mtl.Analysis.Tests.Support;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class GradientNoiseScaleTests
{
    [TestMethod]
    public void FormulasOnHandPickedNorms()
    {
        // b = 2, B = 8, |g_b|² = 3, |g_B|² = 1.5: tr Σ = 1.5/(1/2 − 1/8) = 4, |G|² = (12 − 6)/6 = 1, B_simple = 4.
        NoiseScaleEstimate e = GradientNoiseScale.FromNorms(3, 2, 1.5, 8);
        Assert.AreEqual(4.0, e.TraceSigma, 1e-12);
        Assert.AreEqual(1.0, e.GradientNormSquared, 1e-12);
        Assert.AreEqual(4.0, e.SimpleNoiseScale, 1e-12);
        Assert.IsTrue(double.IsNaN(GradientNoiseScale.FromNorms(3, 2, 0.1, 8).SimpleNoiseScale), "a |G|² estimate ≤ 0 has no noise scale");
    }

    [TestMethod]
    public void SyntheticGradientsWithASetNoiseCovarianceRecoverTraceSigmaAndTheTrueGradient()
    {
        // Per-sample gradients gᵢ = G + ξᵢ, ξᵢ ~ N(0, Σ) with Σ = diag(σ²). A batch of b has mean gradient G + ε, ε ~ N(0, Σ/b).
        const int dims = 20, b = 4, bigB = 64, smallBatches = 4000, largeBatches = 1000;
        var random = new Random(2024);
        double[] g = Enumerable.Range(0, dims).Select(j => 0.5 * Math.Sin(j + 1)).ToArray();
        double[] variances = Enumerable.Range(0, dims).Select(j => 0.5 + 0.1 * j).ToArray();
        double trueTrace = variances.Sum(), trueG2 = TestData.SquaredNorm(g);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double MeanSquaredBatchNorm(int size, int batches)
        {
            double total = 0;
            var mean = new double[dims];
            for (int k = 0; k < batches; k++)
            {
                Array.Clear(mean);
                for (int i = 0; i < size; i++)
                    for (int j = 0; j < dims; j++) mean[j] += (g[j] + Math.Sqrt(variances[j]) * Gaussian()) / size;
                total += TestData.SquaredNorm(mean);
            }
            return total / batches;
        }
        double small = MeanSquaredBatchNorm(b, smallBatches), large = MeanSquaredBatchNorm(bigB, largeBatches);
        NoiseScaleEstimate e = GradientNoiseScale.FromNorms(small, b, large, bigB);

        // Tolerance: 4 standard errors of each estimator. For Gaussian ε ~ N(0, Σ/m), Var|G + ε|² = 2 tr(Σ²)/m² + 4 GᵀΣG/m;
        // averaged over K batches it is divided by K, and the two estimators are linear in the two averages.
        double trSigma2 = variances.Sum(v => v * v), gSigmaG = g.Zip(variances, (gj, v) => gj * gj * v).Sum();
        double Var(int m, int batches) => (2 * trSigma2 / ((double)m * m) + 4 * gSigmaG / m) / batches;
        double varSmall = Var(b, smallBatches), varLarge = Var(bigB, largeBatches);
        double traceSe = Math.Sqrt(varSmall + varLarge) / (1.0 / b - 1.0 / bigB);
        double g2Se = Math.Sqrt(bigB * bigB * varLarge + b * b * varSmall) / (bigB - b);
        Assert.AreEqual(trueTrace, e.TraceSigma, 4 * traceSe, $"tr Σ: true {trueTrace}, estimate {e.TraceSigma}, se {traceSe}");
        Assert.AreEqual(trueG2, e.GradientNormSquared, 4 * g2Se, $"|G|²: true {trueG2}, estimate {e.GradientNormSquared}, se {g2Se}");
        Assert.IsTrue(4 * traceSe < 0.1 * trueTrace && 4 * g2Se < 0.2 * trueG2, "the test is tight enough to mean something");
    }

    [TestMethod]
    public void MeasureUsesTheFullBatchAndTheMeanOverDisjointSmallBatches()
    {
        var data = new TestData(rows: 12, features: 3, tasks: 2, seed: 31);
        using var objective = new LinearObjective(new[] { 0.2, 0.9, -0.4 }, new[] { 1.2, 0.6 });
        using var scope = NewDisposeScope();
        NoiseScaleReport report = GradientNoiseScale.Measure(objective, data.Batch(), smallBatch: 4);
        // The gradient of a mean loss is the mean of the per-row gradients.
        double NormOfMean(int start, int count, int? task) => TestData.SquaredNorm(
            Enumerable.Range(start, count).Select(i => objective.RowGradient(data.X[i], data.Y[i], task))
                .Aggregate((x, y) => x.Zip(y, (p, q) => p + q).ToArray()).Select(v => v / count));
        foreach (int? task in new int?[] { 0, 1, null })
        {
            NoiseScaleEstimate e = task is int t ? report.PerTask[t] : report.Total;
            Assert.AreEqual(NormOfMean(0, 12, task), e.LargeGradientNormSquared, 1e-10);
            double small = (NormOfMean(0, 4, task) + NormOfMean(4, 4, task) + NormOfMean(8, 4, task)) / 3;
            Assert.AreEqual(small, e.SmallGradientNormSquared, 1e-10);
            NoiseScaleEstimate expected = GradientNoiseScale.FromNorms(small, 4, NormOfMean(0, 12, task), 12);
            Assert.AreEqual(expected.TraceSigma, e.TraceSigma, 1e-8);
            Assert.AreEqual(expected.GradientNormSquared, e.GradientNormSquared, 1e-8);
        }
        Assert.AreEqual(1, objective.EvaluationModeCalls);
    }

    [TestMethod]
    public void BadBatchSizesAreRejected()
    {
        var b = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientNoiseScale.FromNorms(1, 8, 1, 8));
        StringAssert.Contains(b.Message, "b < B");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientNoiseScale.FromNorms(1, 0, 1, 8));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientNoiseScale.FromNorms(-1, 2, 1, 8));
        var data = new TestData(rows: 6, features: 2, tasks: 1, seed: 32);
        using var objective = new LinearObjective(new[] { 1.0, 2.0 }, new[] { 1.0 });
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientNoiseScale.Measure(objective, data.Batch(), smallBatch: 6));
        StringAssert.Contains(e.Message, "B = 6");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GradientNoiseScale.Measure(objective, data.Batch(), smallBatch: 0));
    }
}
