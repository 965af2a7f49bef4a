namespace Mtl.Analysis.Statistics;

/// <summary>Pearson's and Spearman's correlation coefficients of paired samples.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²); NaN when either sample is constant (the coefficient is undefined).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 pairs, unequal lengths, or NaN/±∞ values.</exception>
    public static double Pearson(IEnumerable<double> x, IEnumerable<double> y)
    {
        (double[] first, double[] second) = Pairs(x, y, "Pearson's correlation");
        return PearsonOf(first, second);
    }

    /// <summary>Spearman's ρ: Pearson's r of the average ranks (ties share their mean rank); NaN when either sample is constant.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 pairs, unequal lengths, or NaN/±∞ values.</exception>
    public static double Spearman(IEnumerable<double> x, IEnumerable<double> y)
    {
        (double[] first, double[] second) = Pairs(x, y, "Spearman's correlation");
        return PearsonOf(Ranking.AverageRanks(first, out _), Ranking.AverageRanks(second, out _));
    }

    private static (double[], double[]) Pairs(IEnumerable<double> x, IEnumerable<double> y, string what)
    {
        double[] first = Ranking.RequireFinite(x, nameof(x), what, minimum: 2);
        double[] second = Ranking.RequireFinite(y, nameof(y), what, minimum: 2);
        if (first.Length != second.Length)
            throw new ArgumentException($"{what} needs paired samples; x has {first.Length} values and y has {second.Length}.", nameof(y));
        return (first, second);
    }

    private static double PearsonOf(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx > 0 && syy > 0 ? Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1, 1) : double.NaN;
    }
}
