namespace Mtl.Analysis.Statistics;

/// <summary>
/// The two-sample Kolmogorov–Smirnov test: D = sup |F₁ − F₂| and its asymptotic p-value from Kolmogorov's distribution,
/// Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²} with λ = √(n₁n₂/(n₁+n₂)) · D (SciPy's <c>kstwobign.sf</c> at λ; SciPy's
/// <c>ks_2samp(method="asymp")</c> since 1.5 uses a finite-n refinement, so its p differs slightly for small samples).
/// </summary>
public static class KolmogorovSmirnov
{
    /// <summary>Tests whether <paramref name="x"/> and <paramref name="y"/> come from the same distribution.</summary>
    /// <exception cref="ArgumentException">A sample is empty or holds NaN or ±∞.</exception>
    public static KolmogorovSmirnovResult Test(IEnumerable<double> x, IEnumerable<double> y)
    {
        double[] first = Ranking.RequireFinite(x, nameof(x), "The Kolmogorov–Smirnov test").OrderBy(v => v).ToArray();
        double[] second = Ranking.RequireFinite(y, nameof(y), "The Kolmogorov–Smirnov test").OrderBy(v => v).ToArray();
        int n1 = first.Length, n2 = second.Length;
        double d = 0;
        int i = 0, j = 0;
        while (i < n1 && j < n2)
        {
            // Step past every copy of the next value in both samples before comparing, so ties do not open a false gap.
            double v = Math.Min(first[i], second[j]);
            while (i < n1 && first[i] == v) i++;
            while (j < n2 && second[j] == v) j++;
            d = Math.Max(d, Math.Abs((double)i / n1 - (double)j / n2));
        }
        double lambda = Math.Sqrt(n1 * (double)n2 / (n1 + n2)) * d;
        return new KolmogorovSmirnovResult(n1, n2, d, LimitingUpperTail(lambda));
    }

    /// <summary>Q_KS(λ) = P(K &gt; λ) for Kolmogorov's limiting distribution K (1 at λ ≤ 0).</summary>
    public static double LimitingUpperTail(double lambda)
    {
        if (double.IsNaN(lambda)) return double.NaN;
        if (lambda <= 0) return 1;
        double sum = 0;
        if (lambda < 1.18)
        {
            // The alternating series converges slowly for small λ; Jacobi's dual form P(K ≤ λ) = (√(2π)/λ) Σ e^{−(2k−1)²π²/(8λ²)} does not.
            for (int k = 1; k < 100; k++)
            {
                double term = Math.Exp(-(2 * k - 1) * (2 * k - 1) * Math.PI * Math.PI / (8 * lambda * lambda));
                sum += term;
                if (term < 1e-17 * sum) break;
            }
            return Math.Clamp(1 - Math.Sqrt(2 * Math.PI) / lambda * sum, 0, 1);
        }
        for (int k = 1; k < 100; k++)
        {
            double term = Math.Exp(-2.0 * k * k * lambda * lambda);
            sum += k % 2 == 1 ? term : -term;
            if (term < 1e-17) break;
        }
        return Math.Clamp(2 * sum, 0, 1);
    }
}
