namespace Mtl.Analysis.Studies;

/// <summary>
/// One model's metric on one task: on the clean test set and under each corruption condition. The relative performance
/// of a condition is M_{c,s} / M_clean.
/// </summary>
public sealed class TransferScores
{
    private readonly Dictionary<TransferCondition, double> corrupted;

    /// <summary>Creates the scores.</summary>
    /// <param name="clean">The metric on clean data: finite and non-zero (relative performance divides by it).</param>
    /// <param name="corrupted">The metric per condition: at least one, all finite.</param>
    /// <exception cref="ArgumentException">A value is not finite, the clean metric is 0, or there is no condition.</exception>
    public TransferScores(double clean, IReadOnlyDictionary<TransferCondition, double> corrupted)
    {
        ArgumentNullException.ThrowIfNull(corrupted);
        if (!double.IsFinite(clean) || clean == 0)
            throw new ArgumentException($"The clean metric is {clean}; relative performance M_c,s / M_clean needs a finite, non-zero clean metric (a model that scores 0 on clean data cannot be compared).", nameof(clean));
        if (corrupted.Count == 0) throw new ArgumentException("Transfer scores need at least one corruption condition.", nameof(corrupted));
        foreach ((TransferCondition condition, double value) in corrupted)
            if (!double.IsFinite(value))
                throw new ArgumentException($"The metric under {condition} is {value}; every condition must have a finite metric.", nameof(corrupted));
        Clean = clean;
        this.corrupted = new Dictionary<TransferCondition, double>(corrupted);
    }

    /// <summary>The metric on clean data.</summary>
    public double Clean { get; }

    /// <summary>The metric per condition.</summary>
    public IReadOnlyDictionary<TransferCondition, double> Corrupted => corrupted;

    /// <summary>M_{c,s} / M_clean.</summary>
    /// <exception cref="KeyNotFoundException">The condition was not measured (the message names it).</exception>
    public double Relative(TransferCondition condition) =>
        corrupted.TryGetValue(condition, out double value)
            ? value / Clean
            : throw new KeyNotFoundException($"No metric under {condition}; measured: {string.Join(", ", corrupted.Keys)}.");
}
