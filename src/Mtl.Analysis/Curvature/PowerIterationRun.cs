namespace Mtl.Analysis.Curvature;

/// <summary>The result of one power-iteration run on a (possibly shifted) Hessian.</summary>
/// <param name="Eigenvalue">The last Rayleigh quotient vᵀHv (‖v‖ = 1).</param>
/// <param name="Trace">The estimate after each Hessian-vector product (the convergence trace).</param>
/// <param name="Converged">Relative change below the tolerance and residual below its tolerance, within MaxIterations.</param>
/// <param name="Residual">‖Hv − λv‖ / ‖Hv‖ at the end (0 when Hv = 0).</param>
public sealed record PowerIterationRun(double Eigenvalue, IReadOnlyList<double> Trace, bool Converged, double Residual);
