namespace Mtl.Analysis.Comparison;

/// <summary>
/// The hypervolume of a set of points: the measure of the region they dominate and that dominates the reference point,
/// i.e. the union over points p of the boxes between the reference r and p (directions from the
/// <see cref="ObjectiveSpace"/>). A point that is not strictly better than r on every objective spans an empty box and
/// adds nothing. Exact in every dimension: 2-D by one sweep over the points sorted on the first objective; T &gt; 2 by
/// slicing along the last objective (HSO: each slab between consecutive distinct values contributes its thickness times
/// the (T−1)-dimensional hypervolume of the points that reach it), which is exponential in T but fine for tens of points.
/// </summary>
public static class Hypervolume
{
    /// <summary>The hypervolume of <paramref name="points"/> with respect to <paramref name="reference"/>.</summary>
    /// <param name="points">The points (any set; dominated ones add nothing).</param>
    /// <param name="reference">The reference point, one finite value per objective, worse than the points of interest (e.g. accuracy 0, or a loss above every run's).</param>
    /// <param name="space">The objectives.</param>
    /// <exception cref="ArgumentException">The reference or a point has the wrong number of values, a NaN, or the reference is not finite.</exception>
    public static double Of(IReadOnlyList<LabelledPoint> points, IReadOnlyList<double> reference, ObjectiveSpace space)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(space);
        double[] r = space.Orient(reference, "reference point");
        if (r.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("The hypervolume's reference point must be finite on every objective.", nameof(reference));
        double[][] oriented = points.Select(p => space.Orient(p.Values, $"point '{p.Label}'")).ToArray();
        return OfOriented(oriented, r);
    }

    /// <summary>Hypervolume of points already oriented "larger is better".</summary>
    internal static double OfOriented(IReadOnlyList<double[]> points, double[] reference)
    {
        // Only points strictly better than the reference everywhere span a box of positive measure.
        double[][] useful = points.Where(p => p.Select((v, k) => v > reference[k]).All(b => b)).ToArray();
        return Slice(useful, reference, reference.Length);
    }

    // Hypervolume of the first `dimensions` coordinates of the points.
    private static double Slice(double[][] points, double[] reference, int dimensions)
    {
        if (points.Length == 0) return 0;
        if (dimensions == 1) return points.Max(p => p[0]) - reference[0];
        if (dimensions == 2) return Sweep2D(points, reference);
        int last = dimensions - 1;
        double[][] byLast = points.OrderByDescending(p => p[last]).ToArray();
        double volume = 0;
        int reached = 0;
        while (reached < byLast.Length)
        {
            double top = byLast[reached][last];
            while (reached < byLast.Length && byLast[reached][last] == top) reached++;
            double bottom = reached < byLast.Length ? byLast[reached][last] : reference[last];
            volume += (top - bottom) * Slice(byLast[..reached], reference, last);
        }
        return volume;
    }

    private static double Sweep2D(double[][] points, double[] reference)
    {
        // Descending in x: each point adds the strip between the best y so far and its own y.
        double area = 0, bestY = reference[1];
        foreach (double[] p in points.OrderByDescending(p => p[0]).ThenByDescending(p => p[1]))
        {
            if (p[1] <= bestY) continue;
            area += (p[0] - reference[0]) * (p[1] - bestY);
            bestY = p[1];
        }
        return area;
    }
}
