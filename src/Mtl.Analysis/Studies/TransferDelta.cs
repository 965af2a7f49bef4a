namespace Mtl.Analysis.Studies;

/// <summary>
/// The transfer metric of Elich et al. (appendix A6) for one task:
/// δ_t = mean_{c,s} (−1)^{p(t)} [M^MTL_{t,c,s}/M^MTL_{t,clean} − M^STL_{t,c,s}/M^STL_{t,clean}], read as "δ &lt; 0: MTL is
/// more robust". For that reading to hold for every metric, p(t) = 1 when higher is better (accuracy: an MTL model that
/// keeps more of its clean accuracy gives a negative δ) and p(t) = 0 when lower is better (errors, losses). This is the
/// paper's own sign (negative = better), the opposite of <see cref="Trainers.DeltaM"/>'s; it is a different measure.
/// </summary>
public static class TransferDelta
{
    /// <summary>(−1)^{p(t)}: −1 when higher is better, +1 when lower is better.</summary>
    public static double Sign(bool higherIsBetter) => higherIsBetter ? -1 : 1;

    /// <summary>Unsigned difference of relative performance under one condition: M^MTL_{c,s}/M^MTL_clean − M^STL_{c,s}/M^STL_clean.</summary>
    public static double Difference(TransferScores mtl, TransferScores stl, TransferCondition condition)
    {
        ArgumentNullException.ThrowIfNull(mtl);
        ArgumentNullException.ThrowIfNull(stl);
        return mtl.Relative(condition) - stl.Relative(condition);
    }

    /// <summary>δ_t over the conditions both models were measured on (they must be the same set).</summary>
    /// <param name="mtl">The multi-task model's scores on the task.</param>
    /// <param name="stl">The single-task model's scores on the same task.</param>
    /// <param name="higherIsBetter">Whether a higher metric is better (accuracy: true).</param>
    /// <exception cref="ArgumentException">The two were measured under different conditions (the message names one).</exception>
    public static double Of(TransferScores mtl, TransferScores stl, bool higherIsBetter)
    {
        ArgumentNullException.ThrowIfNull(mtl);
        ArgumentNullException.ThrowIfNull(stl);
        foreach (TransferCondition c in mtl.Corrupted.Keys)
            if (!stl.Corrupted.ContainsKey(c))
                throw new ArgumentException($"The MTL model was measured under {c} but the STL model was not; δ compares the same conditions.", nameof(stl));
        foreach (TransferCondition c in stl.Corrupted.Keys)
            if (!mtl.Corrupted.ContainsKey(c))
                throw new ArgumentException($"The STL model was measured under {c} but the MTL model was not; δ compares the same conditions.", nameof(mtl));
        double sum = mtl.Corrupted.Keys.Sum(c => Difference(mtl, stl, c));
        return Sign(higherIsBetter) * sum / mtl.Corrupted.Count;
    }
}
