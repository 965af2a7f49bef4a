namespace Mtl.Analysis.Comparison;

/// <summary>How one point stands among the others: how many dominate it and how many it dominates.</summary>
/// <param name="Point">The point.</param>
/// <param name="DominatedBy">Number of other points that dominate it (0: it is on the front).</param>
/// <param name="Dominates">Number of other points it dominates.</param>
public sealed record PointDominance(LabelledPoint Point, int DominatedBy, int Dominates)
{
    /// <summary>Whether no point dominates it (it belongs to the non-dominated set).</summary>
    public bool OnFront => DominatedBy == 0;
}

/// <summary>
/// The non-dominated set of a set of points, with each point's dominance counts. Point a dominates b when a is at least as
/// good as b on every objective and strictly better on at least one (directions from the <see cref="ObjectiveSpace"/>);
/// equal points therefore never dominate each other, and duplicates of a front point are all on the front.
/// </summary>
public sealed class ParetoAnalysis
{
    private ParetoAnalysis(ObjectiveSpace space, IReadOnlyList<PointDominance> points)
    {
        Space = space;
        Points = points;
        Front = points.Where(p => p.OnFront).Select(p => p.Point).ToArray();
    }

    /// <summary>The objectives.</summary>
    public ObjectiveSpace Space { get; }

    /// <summary>Every point, in input order, with its counts.</summary>
    public IReadOnlyList<PointDominance> Points { get; }

    /// <summary>The non-dominated points, in input order.</summary>
    public IReadOnlyList<LabelledPoint> Front { get; }

    /// <summary>Whether <paramref name="a"/> dominates <paramref name="b"/> in <paramref name="space"/>.</summary>
    /// <exception cref="ArgumentException">A point has the wrong number of values or a NaN value.</exception>
    public static bool Dominates(ObjectiveSpace space, IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(space);
        return DominatesOriented(space.Orient(a, "first point"), space.Orient(b, "second point"));
    }

    /// <summary>Analyses <paramref name="points"/> (O(n²·T) comparisons).</summary>
    /// <exception cref="ArgumentException">No points, or a point has the wrong number of values or a NaN value (the message names it).</exception>
    public static ParetoAnalysis Of(IReadOnlyList<LabelledPoint> points, ObjectiveSpace space)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(space);
        if (points.Count == 0) throw new ArgumentException("A Pareto analysis needs at least one point.", nameof(points));
        double[][] oriented = points.Select(p => space.Orient(p.Values, $"point '{p.Label}'")).ToArray();
        var dominatedBy = new int[points.Count];
        var dominates = new int[points.Count];
        for (int i = 0; i < points.Count; i++)
            for (int j = 0; j < points.Count; j++)
                if (i != j && DominatesOriented(oriented[i], oriented[j])) { dominates[i]++; dominatedBy[j]++; }
        return new ParetoAnalysis(space, points.Select((p, i) => new PointDominance(p, dominatedBy[i], dominates[i])).ToArray());
    }

    internal static bool DominatesOriented(double[] a, double[] b)
    {
        bool strictly = false;
        for (int k = 0; k < a.Length; k++)
        {
            if (a[k] < b[k]) return false;
            if (a[k] > b[k]) strictly = true;
        }
        return strictly;
    }
}
