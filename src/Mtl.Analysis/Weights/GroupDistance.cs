namespace Mtl.Analysis.Weights;

/// <summary>How far a parameter group has moved from a reference snapshot.</summary>
/// <param name="Group">Group name.</param>
/// <param name="Distance">‖θ − θ₀‖₂.</param>
/// <param name="ReferenceNorm">‖θ₀‖₂.</param>
/// <param name="Relative">‖θ − θ₀‖ / ‖θ₀‖ (NaN when θ₀ = 0).</param>
public sealed record GroupDistance(string Group, double Distance, double ReferenceNorm, double Relative);
