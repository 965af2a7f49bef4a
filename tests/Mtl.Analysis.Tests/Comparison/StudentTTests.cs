using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class StudentTTests
{
    [TestMethod]
    public void QuantilesMatchPublishedTableValues()
    {
        // Two-sided 95 % critical values from standard t tables.
        Assert.AreEqual(12.7062, StudentT.Quantile(0.975, 1), 1e-4);
        Assert.AreEqual(4.3027, StudentT.Quantile(0.975, 2), 1e-4);
        Assert.AreEqual(3.1824, StudentT.Quantile(0.975, 3), 1e-4);
        Assert.AreEqual(2.2622, StudentT.Quantile(0.975, 9), 1e-4);
        Assert.AreEqual(2.0423, StudentT.Quantile(0.975, 30), 1e-4);
        Assert.AreEqual(2.0150, StudentT.Quantile(0.95, 5), 1e-4);
        Assert.AreEqual(63.6567, StudentT.Quantile(0.995, 1), 1e-3);
        // Large ν tends to the normal quantile 1.959964.
        Assert.AreEqual(1.959964, StudentT.Quantile(0.975, 1e7), 1e-5);
    }

    [TestMethod]
    public void QuantilesMatchClosedFormsForOneAndTwoDegreesOfFreedom()
    {
        foreach (double p in new[] { 0.01, 0.2, 0.6, 0.9, 0.975, 0.999 })
        {
            // ν = 1 is the Cauchy distribution: F⁻¹(p) = tan(π(p − ½)).
            Assert.AreEqual(Math.Tan(Math.PI * (p - 0.5)), StudentT.Quantile(p, 1), 1e-8 * Math.Max(1, Math.Abs(Math.Tan(Math.PI * (p - 0.5)))));
            // ν = 2: F⁻¹(p) = (2p − 1)/√(2p(1 − p)).
            Assert.AreEqual((2 * p - 1) / Math.Sqrt(2 * p * (1 - p)), StudentT.Quantile(p, 2), 1e-8);
        }
    }

    [TestMethod]
    public void CdfMatchesClosedFormsAndIsSymmetric()
    {
        foreach (double t in new[] { -7.0, -1.3, 0.0, 0.4, 2.5, 30.0 })
        {
            Assert.AreEqual(0.5 + Math.Atan(t) / Math.PI, StudentT.Cdf(t, 1), 1e-12);
            Assert.AreEqual(0.5 + t / (2 * Math.Sqrt(2 + t * t)), StudentT.Cdf(t, 2), 1e-12);
            Assert.AreEqual(1.0, StudentT.Cdf(t, 7) + StudentT.Cdf(-t, 7), 1e-12);
        }
        Assert.AreEqual(0.975, StudentT.Cdf(2.262157, 9), 1e-6);
    }

    [TestMethod]
    public void QuantileInvertsCdf()
    {
        foreach (double v in new[] { 1.0, 2.5, 4, 17, 200 })
            foreach (double p in new[] { 0.001, 0.05, 0.5, 0.8, 0.975 })
                Assert.AreEqual(p, StudentT.Cdf(StudentT.Quantile(p, v), v), 1e-10);
    }

    [TestMethod]
    public void BadArgumentsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StudentT.Quantile(0.975, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StudentT.Quantile(1.0, 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StudentT.Quantile(0, 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StudentT.Cdf(double.NaN, 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, double.PositiveInfinity));
    }
}
