namespace Mtl.Trainers;

/// <summary>
/// The one Δm of MtlMlNet (Maninis et al.'s multi-task performance), in percent, <b>positive = better</b>:
/// Δm = (100/T) Σₜ (−1)^{lₜ} (Mₜ − Bₜ)/|Bₜ|, with lₜ = 1 when lower is better for task t (RMSE, loss) and 0 when higher
/// is (accuracy). Bₜ is the reference (single-task baselines in reports; the constant predictor in the trainer's
/// selection score). Dividing by |Bₜ| keeps the sign's meaning for a negative reference.
/// </summary>
public static class DeltaM
{
    /// <summary>Δm of <paramref name="values"/> against <paramref name="reference"/>, in percent (positive = better).</summary>
    /// <param name="values">The model's metric per task.</param>
    /// <param name="reference">The reference metric per task.</param>
    /// <param name="higherIsBetter">Per task: whether a larger metric is better.</param>
    /// <param name="names">Task names, for error messages (null = "task k").</param>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, a value is NaN, or a reference value is zero or not finite (the message names the task).</exception>
    public static double Of(IReadOnlyList<double> values, IReadOnlyList<double> reference, IReadOnlyList<bool> higherIsBetter,
        IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(higherIsBetter);
        int n = higherIsBetter.Count;
        if (n == 0) throw new ArgumentException("Δm needs at least one task.", nameof(higherIsBetter));
        if (values.Count != n || reference.Count != n || (names is not null && names.Count != n))
            throw new ArgumentException($"Δm needs one value, one reference and one direction per task; got {values.Count} values, {reference.Count} references and {n} directions.", nameof(values));
        string Name(int k) => names?[k] ?? $"task {k}";
        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            if (reference[k] == 0 || !double.IsFinite(reference[k]))
                throw new ArgumentException($"The reference of '{Name(k)}' is {reference[k]}; Δm divides by it, so it must be finite and non-zero.", nameof(reference));
            if (double.IsNaN(values[k]))
                throw new ArgumentException($"The value of '{Name(k)}' is NaN.", nameof(values));
            double relative = (values[k] - reference[k]) / Math.Abs(reference[k]);
            sum += higherIsBetter[k] ? relative : -relative;
        }
        return 100 * sum / n;
    }
}
