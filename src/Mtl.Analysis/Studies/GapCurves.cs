namespace Mtl.Analysis.Studies;

/// <summary>
/// Validation loss as a function of training loss along a trajectory, and the generalization gap between two such
/// curves at matched training loss (Mueller et al.).
/// </summary>
public static class GapCurves
{
    /// <summary>
    /// The trajectory's points (in checkpoint order) where the training loss reaches a new minimum: training loss strictly
    /// decreasing, so validation loss is a function of it. Points with a non-finite loss are skipped.
    /// </summary>
    /// <exception cref="ArgumentException">The two lists differ in length.</exception>
    public static (double Train, double Validation)[] Frontier(IReadOnlyList<double> train, IReadOnlyList<double> validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        if (train.Count != validation.Count)
            throw new ArgumentException($"A trajectory needs one validation loss per training loss; got {train.Count} and {validation.Count}.", nameof(validation));
        var points = new List<(double, double)>();
        double best = double.PositiveInfinity;
        for (int i = 0; i < train.Count; i++)
        {
            if (!double.IsFinite(train[i]) || !double.IsFinite(validation[i]) || train[i] >= best) continue;
            best = train[i];
            points.Add((train[i], validation[i]));
        }
        return points.ToArray();
    }

    /// <summary>The frontier's validation loss at training loss <paramref name="level"/> by linear interpolation; NaN outside its range.</summary>
    public static double ValidationAt(IReadOnlyList<(double Train, double Validation)> frontier, double level)
    {
        ArgumentNullException.ThrowIfNull(frontier);
        if (frontier.Count == 0 || !double.IsFinite(level) || level > frontier[0].Train || level < frontier[^1].Train) return double.NaN;
        if (frontier.Count == 1) return frontier[0].Validation;
        for (int i = 1; i < frontier.Count; i++)
        {
            (double t0, double v0) = frontier[i - 1];
            (double t1, double v1) = frontier[i];
            if (level <= t0 && level >= t1) return v0 + (v1 - v0) * (t0 - level) / (t0 - t1);
        }
        return double.NaN;
    }

    /// <summary>
    /// <paramref name="count"/> training-loss levels spaced evenly in log scale inside the range every frontier covers, from
    /// the highest (early in training) to the lowest (late); empty when the ranges do not overlap.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 2.</exception>
    public static double[] CommonLevels(IEnumerable<IReadOnlyList<(double Train, double Validation)>> frontiers, int count)
    {
        ArgumentNullException.ThrowIfNull(frontiers);
        if (count < 2) throw new ArgumentOutOfRangeException(nameof(count), count, "Matching needs at least 2 training-loss levels.");
        double low = double.NegativeInfinity, high = double.PositiveInfinity;
        bool any = false;
        foreach (var f in frontiers)
        {
            if (f.Count < 2) return Array.Empty<double>();
            any = true;
            low = Math.Max(low, f[^1].Train);
            high = Math.Min(high, f[0].Train);
        }
        if (!any || !(low < high) || low <= 0) return Array.Empty<double>();
        double a = Math.Log(high), b = Math.Log(low);
        return Enumerable.Range(0, count).Select(i => i == 0 ? high : i == count - 1 ? low : Math.Exp(a + (b - a) * i / (count - 1))).ToArray();
    }
}
