namespace Mtl.Analysis.Comparison;

/// <summary>
/// Maninis et al.'s multi-task performance against single-task baselines, in percent:
/// Δm = (100/T) Σ_t (−1)^{l_t} (M_t − B_t)/|B_t|, with l_t = 1 when lower is better for task t. Positive Δm: better than
/// the single-task models on average. The division is by |B_t| (equal to Maninis's B_t for the usual positive metrics)
/// so that the sign keeps its meaning for a negative baseline.
/// </summary>
public static class DeltaM
{
    /// <summary>Δm of <paramref name="values"/> against <paramref name="baseline"/>, in percent.</summary>
    /// <exception cref="ArgumentException">A vector has the wrong length or a NaN, or a baseline value is zero or infinite (the message names the task).</exception>
    public static double Of(IReadOnlyList<double> values, IReadOnlyList<double> baseline, ObjectiveSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        space.Require(values, "method's metrics");
        space.Require(baseline, "single-task baseline");
        double sum = 0;
        for (int k = 0; k < space.Dimension; k++)
        {
            if (baseline[k] == 0 || !double.IsFinite(baseline[k]))
                throw new ArgumentException($"The single-task baseline of '{space.Names[k]}' is {baseline[k]}; Δm divides by it, so it must be finite and non-zero.", nameof(baseline));
            double relative = (values[k] - baseline[k]) / Math.Abs(baseline[k]);
            sum += space.HigherIsBetter(k) ? relative : -relative;
        }
        return 100 * sum / space.Dimension;
    }
}
