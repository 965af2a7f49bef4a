namespace Mtl.Analysis.Curvature;

/// <summary>Stopping rules and start vector of Hessian power iteration.</summary>
public sealed class PowerIterationOptions
{
    /// <summary>Most Hessian-vector products per run (≥ 1).</summary>
    public int MaxIterations { get; set; } = 100;

    /// <summary>Stop when |λ_k − λ_{k−1}| ≤ Tolerance·|λ_k| (relative change of the estimate; &gt; 0).</summary>
    public double Tolerance { get; set; } = 1e-4;

    /// <summary>
    /// An estimate counts as converged only if also ‖Hv − λv‖ ≤ ResidualTolerance·‖Hv‖. A stalled Rayleigh quotient is not
    /// enough: with eigenvalues +c and −c of equal magnitude the quotient stops changing at a value that is no eigenvalue.
    /// The default 0.1 is loose because the Rayleigh quotient's error is quadratic in the residual.
    /// </summary>
    public double ResidualTolerance { get; set; } = 0.1;

    /// <summary>Seed of the random start vector (same seed → same trace).</summary>
    public int Seed { get; set; }

    internal void Validate()
    {
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "Power iteration needs MaxIterations ≥ 1.");
        if (!(Tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Power iteration needs a Tolerance > 0.");
        if (!(ResidualTolerance > 0)) throw new ArgumentOutOfRangeException(nameof(ResidualTolerance), ResidualTolerance, "Power iteration needs a ResidualTolerance > 0.");
    }
}
