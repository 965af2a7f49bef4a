using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// UPGrad (Quinton &amp; Rey, TorchJD): project every task gradient onto the dual cone {v : Jv ≥ 0} of the task
/// gradients and average. In dual form on the Gramian: uᵢ = argmin_{u ≥ eᵢ} uᵀGu (a T-dimensional QP, solved by
/// <see cref="NonnegativeQuadraticProgram"/>), w = (1/T)Σᵢuᵢ, d = Jᵀw. The result satisfies Jd ≥ 0: it does not
/// conflict with any task.
/// </summary>
/// <remarks>
/// The QPs are solved exactly on G/trace(G), singular G included; unlike TorchJD no ridge (its default adds 1e-4·I)
/// is added, so Jd ≥ 0 holds to solver precision rather than approximately.
/// </remarks>
public sealed class UPGrad : GramianWeighting
{
    /// <summary>Creates UPGrad.</summary>
    public UPGrad() : base("UPGrad", GradientMode.Parameters, GradientMode.Representation)
    {
    }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var g = DualCone.Normalized(gramian);
        var weights = new double[n];
        if (g is null)
            return Simplex.Uniform(n);
        for (int i = 0; i < n; i++)
        {
            var lower = new double[n];
            lower[i] = 1;
            var result = NonnegativeQuadraticProgram.MinimizeAboveBound(g, lower);
            context.Solvers.Record(result.Run);
            for (int k = 0; k < n; k++)
                weights[k] += result.Solution[k] / n;
        }
        return weights;
    }
}
