using Mtl.Analysis.Monitors;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Studies;

/// <summary>
/// One optimizer on one setup: the unscaled run and the run with the task losses scaled, compared per parameter group.
/// Step 1 starts both runs from the same weights, so its numbers compare the optimizer's response to the scale alone;
/// later steps compare update sizes along two trajectories that have drifted apart.
/// </summary>
public sealed class LossScaleComparison
{
    /// <summary>Compares the two monitors' records step by step (they must have recorded the same steps).</summary>
    /// <exception cref="ArgumentException">The monitors recorded different steps or groups, or nothing.</exception>
    public LossScaleComparison(string setup, string optimizer, UpdateMagnitudeMonitor unscaled, UpdateMagnitudeMonitor scaled)
    {
        ArgumentNullException.ThrowIfNull(unscaled);
        ArgumentNullException.ThrowIfNull(scaled);
        if (unscaled.Records.Count == 0 || unscaled.Records.Count != scaled.Records.Count
            || !unscaled.Records.Select(r => r.Step).SequenceEqual(scaled.Records.Select(r => r.Step)))
            throw new ArgumentException($"{setup}/{optimizer}: the unscaled run recorded {unscaled.Records.Count} steps and the scaled one {scaled.Records.Count}; " +
                                        "both need the same non-empty steps (same data, batch size and monitor interval).");
        if (!unscaled.GroupNames.SequenceEqual(scaled.GroupNames))
            throw new ArgumentException($"{setup}/{optimizer}: the runs have different parameter groups ({string.Join(",", unscaled.GroupNames)} vs {string.Join(",", scaled.GroupNames)}).");
        Setup = setup;
        Optimizer = optimizer;
        Groups = unscaled.GroupNames;
        Steps = unscaled.Records.Select(r => (double)r.Step).ToArray();
        UpdateRatios = Groups.ToDictionary(g => g, g => Ratios(scaled.Updates(g), unscaled.Updates(g)));
        GradientRatios = unscaled.MeasureGradients && scaled.MeasureGradients
            ? Groups.ToDictionary(g => g, g => Ratios(scaled.GradientNorms(g), unscaled.GradientNorms(g)))
            : null;
        long first = unscaled.Records[0].Step;
        FirstStepDifference = Groups.ToDictionary(g => g, g => RelativeDifference(scaled.UpdateVector(first, g), unscaled.UpdateVector(first, g)));
    }

    /// <summary>"toy" or "multilenet".</summary>
    public string Setup { get; }

    /// <summary>Optimizer name.</summary>
    public string Optimizer { get; }

    /// <summary>Parameter groups: "trunk", then the tasks.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>The recorded steps.</summary>
    public double[] Steps { get; }

    /// <summary>‖Δθ_scaled‖ / ‖Δθ_unscaled‖ per group and step (NaN where the unscaled update is 0).</summary>
    public IReadOnlyDictionary<string, double[]> UpdateRatios { get; }

    /// <summary>Gradient-norm ratios per group and step, or null when gradients were not measured.</summary>
    public IReadOnlyDictionary<string, double[]>? GradientRatios { get; }

    /// <summary>‖Δθ_scaled − Δθ_unscaled‖ / ‖Δθ_unscaled‖ at the first step per group (NaN when a vector was not kept).</summary>
    public IReadOnlyDictionary<string, double> FirstStepDifference { get; }

    /// <summary>The group's update ratio at the first step.</summary>
    public double FirstStepRatio(string group) => UpdateRatios[group][0];

    /// <summary>Median over steps of the group's update ratio (NaN ratios left out).</summary>
    public double MedianRatio(string group)
    {
        double[] finite = UpdateRatios[group].Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? double.NaN : Percentile.Of(finite, 50);
    }

    /// <summary>a / b elementwise, NaN where b is 0.</summary>
    public static double[] Ratios(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator) =>
        numerator.Select((a, i) => denominator[i] > 0 ? a / denominator[i] : double.NaN).ToArray();

    /// <summary>‖a − b‖ / ‖b‖; NaN when either is missing or b = 0.</summary>
    /// <exception cref="ArgumentException">The vectors have different lengths.</exception>
    public static double RelativeDifference(IReadOnlyList<double>? a, IReadOnlyList<double>? b)
    {
        if (a is null || b is null) return double.NaN;
        if (a.Count != b.Count) throw new ArgumentException($"Update vectors of different lengths ({a.Count} vs {b.Count}) cannot be compared.");
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Count; i++)
        {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        return norm > 0 ? Math.Sqrt(diff / norm) : double.NaN;
    }
}
