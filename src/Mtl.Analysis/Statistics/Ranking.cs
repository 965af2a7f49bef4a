namespace Mtl.Analysis.Statistics;

/// <summary>Average ranks with ties (the "midrank" rule rank tests use) and the tie term Σ(t³ − t) over tie groups.</summary>
internal static class Ranking
{
    /// <summary>
    /// Ranks 1…n of <paramref name="values"/> in their original order; tied values share the mean of the ranks they span.
    /// <paramref name="tieTerm"/> is Σ(t³ − t) over groups of t equal values (0 without ties).
    /// </summary>
    public static double[] AverageRanks(IReadOnlyList<double> values, out double tieTerm)
    {
        int n = values.Count;
        int[] order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        tieTerm = 0;
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && values[order[end]] == values[order[start]]) end++;
            // Positions start … end−1 (0-based) hold ranks start+1 … end; their mean is (start + 1 + end) / 2.
            double rank = (start + 1 + end) / 2.0;
            for (int k = start; k < end; k++) ranks[order[k]] = rank;
            double t = end - start;
            tieTerm += t * t * t - t;
            start = end;
        }
        return ranks;
    }

    /// <summary>Throws unless <paramref name="values"/> holds at least <paramref name="minimum"/> finite numbers.</summary>
    public static double[] RequireFinite(IEnumerable<double> values, string parameter, string test, int minimum = 1)
    {
        ArgumentNullException.ThrowIfNull(values, parameter);
        double[] array = values.ToArray();
        if (array.Length < minimum)
            throw new ArgumentException($"{test} needs at least {minimum} value(s) in '{parameter}'; it got {array.Length}.", parameter);
        int bad = Array.FindIndex(array, v => !double.IsFinite(v));
        if (bad >= 0)
            throw new ArgumentException($"{test}: '{parameter}'[{bad}] is {array[bad]}; drop undefined values (NaN, ±∞) before testing.", parameter);
        return array;
    }
}
