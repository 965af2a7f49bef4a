namespace Mtl.Analysis.Curvature;

/// <summary>
/// The top Hessian eigenvalue of a loss. Power iteration finds the eigenvalue of largest magnitude
/// (<see cref="Dominant"/>). When that is negative, the largest (algebraic) eigenvalue is found by a second run on
/// H − λ_dom·I, whose eigenvalues λᵢ − λ_dom are all ≥ 0 (<see cref="Shifted"/>); <see cref="Top"/> is then
/// λ_dom + that run's eigenvalue. When the dominant one is ≥ 0 it is the top one.
/// </summary>
/// <param name="Top">Largest eigenvalue (the sharpness).</param>
/// <param name="Dominant">The run on H: eigenvalue of largest magnitude, with its trace.</param>
/// <param name="Shifted">The run on H − λ_dom·I when λ_dom &lt; 0, else null.</param>
public sealed record EigenvalueEstimate(double Top, PowerIterationRun Dominant, PowerIterationRun? Shifted)
{
    /// <summary>Whether every run converged.</summary>
    public bool Converged => Dominant.Converged && (Shifted?.Converged ?? true);

    /// <summary>Hessian-vector products spent.</summary>
    public int HessianVectorProducts => Dominant.Trace.Count + (Shifted?.Trace.Count ?? 0);
}
