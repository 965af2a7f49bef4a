namespace Mtl.Trainers.Solvers;

/// <summary>The probability simplex {w : w ≥ 0, Σ w = r}.</summary>
internal static class Simplex
{
    /// <summary>
    /// Euclidean projection of <paramref name="y"/> onto {w ≥ 0, Σw = <paramref name="radius"/>}: sort once, find the
    /// threshold θ with Σ max(yᵢ − θ, 0) = r, clip. Exact in O(n log n).
    /// </summary>
    /// <param name="y">Point to project (finite entries).</param>
    /// <param name="radius">Sum of the result; must be positive.</param>
    public static double[] Project(double[] y, double radius = 1.0)
    {
        ArgumentNullException.ThrowIfNull(y);
        if (y.Length == 0)
            throw new ArgumentException("Cannot project an empty vector onto the simplex.", nameof(y));
        if (!(radius > 0) || !double.IsFinite(radius))
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The simplex radius must be a positive finite number.");
        foreach (double v in y)
            if (!double.IsFinite(v))
                throw new ArgumentException("Cannot project a vector with NaN or infinite entries onto the simplex.", nameof(y));
        var sorted = (double[])y.Clone();
        Array.Sort(sorted);
        Array.Reverse(sorted);
        double cumulative = 0, theta = 0;
        for (int k = 0; k < sorted.Length; k++)
        {
            cumulative += sorted[k];
            double candidate = (cumulative - radius) / (k + 1);
            // The support is the longest prefix whose smallest element stays above its threshold.
            if (sorted[k] - candidate > 0)
                theta = candidate;
        }
        var w = new double[y.Length];
        for (int i = 0; i < y.Length; i++)
            w[i] = Math.Max(y[i] - theta, 0);
        return w;
    }

    /// <summary>Uniform weights 1/n (or r/n).</summary>
    public static double[] Uniform(int n, double radius = 1.0)
    {
        if (n <= 0)
            throw new ArgumentOutOfRangeException(nameof(n), n, "The number of weights must be positive.");
        var w = new double[n];
        Array.Fill(w, radius / n);
        return w;
    }
}
