namespace Mtl.Analysis.Statistics;

/// <summary>The standard normal distribution's tails, through an erfc accurate to about 1e-14 relative (no library has one in .NET).</summary>
public static class NormalDistribution
{
    /// <summary>P(Z &gt; z) for Z ~ N(0, 1).</summary>
    public static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>Two-sided p-value P(|Z| ≥ |z|), at most 1.</summary>
    public static double TwoSided(double z) => double.IsNaN(z) ? double.NaN : Math.Min(1, 2 * UpperTail(Math.Abs(z)));

    /// <summary>The complementary error function erfc(x) = 1 − erf(x).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        if (x < 0) return 2 - Erfc(-x);
        if (x > 27) return 0; // below the smallest double
        if (x < 1.5)
        {
            // erf(x) = (2/√π) e^{−x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): every term positive, so no cancellation in the sum.
            double term = x, sum = x;
            for (int n = 1; n < 200 && term > 1e-17 * sum; n++)
            {
                term *= 2 * x * x / (2 * n + 1);
                sum += term;
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
        }
        // Laplace's continued fraction erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail;
        // the series above loses digits to 1 − erf once erfc is small, the fraction does not, and for x ≥ 1.5 a hundred levels converge.
        double fraction = x;
        for (int n = 100; n >= 1; n--) fraction = x + n / 2.0 / fraction;
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * fraction);
    }
}
