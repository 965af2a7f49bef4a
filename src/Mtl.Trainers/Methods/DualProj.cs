using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// DualProj (TorchJD): project the mean gradient onto the dual cone of the task gradients.
/// Dual form: u = argmin_{u ≥ (1/T)·1} uᵀGu; d = Jᵀu, so Jd ≥ 0.
/// </summary>
public sealed class DualProj : GramianWeighting
{
    /// <summary>Creates DualProj.</summary>
    public DualProj() : base("DualProj", GradientMode.Parameters, GradientMode.Representation)
    {
    }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var g = DualCone.Normalized(gramian);
        if (g is null)
            return Simplex.Uniform(n);
        var result = NonnegativeQuadraticProgram.MinimizeAboveBound(g, Simplex.Uniform(n));
        context.Solvers.Record(result.Run);
        return result.Solution;
    }
}

/// <summary>Shared preprocessing of the dual-cone projections.</summary>
internal static class DualCone
{
    /// <summary>G/trace(G) (the QP's minimiser is scale invariant; this fixes the tolerance's units), or null when G = 0.</summary>
    public static double[,]? Normalized(double[,] gramian)
    {
        double trace = SmallMatrix.Trace(gramian);
        return trace > 0 ? SmallMatrix.Scale(gramian, 1 / trace) : null;
    }
}
