namespace Mtl.Analysis.Monitors;

/// <summary>One due step as <see cref="UpdateMagnitudeMonitor"/> saw it.</summary>
/// <param name="Step">Global step (1-based).</param>
/// <param name="Epoch">Epoch (1-based).</param>
/// <param name="Update">‖Δθ‖₂ of the step per parameter group ("trunk", then the task names).</param>
/// <param name="GradientNorm">‖∇θ Σ_t w_t L_t‖₂ per group at the step's weights (evaluation mode), or null when not measured.</param>
/// <param name="Losses">The step's task losses as trained (LossWeight included).</param>
public sealed record UpdateMagnitudeRecord(long Step, int Epoch, IReadOnlyDictionary<string, double> Update,
    IReadOnlyDictionary<string, double>? GradientNorm, IReadOnlyList<double> Losses);
