using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// UPGrad (Quinton &amp; Rey, TorchJD): project every task gradient onto the dual cone {v : Jv ≥ 0} of the task
/// gradients and average. In dual form on the Gramian: uᵢ = argmin_{u ≥ eᵢ} uᵀGu (a T-dimensional QP, solved by
/// <see cref="NonnegativeQuadraticProgram"/>), w = (1/T)Σᵢuᵢ, d = Jᵀw. The result satisfies Jd ≥ 0: it does not
/// conflict with any task.
/// </summary>
/// <remarks>
/// The QPs are solved exactly on G/trace(G) + ridge·I. The default ridge 0 solves the projection itself, singular G
/// included, so Jd ≥ 0 holds to solver precision. <see cref="TorchJDRidge"/> (1e-4, TorchJD's <c>reg_eps</c>, added to
/// the trace-normalised Gramian as TorchJD does) reproduces TorchJD's <c>UPGrad()</c>; Jd ≥ 0 then holds approximately.
/// </remarks>
public sealed class UPGrad : GramianWeighting
{
    /// <summary>TorchJD's default regularisation of the trace-normalised Gramian (<c>reg_eps = 1e-4</c>).</summary>
    public const double TorchJDRidge = 1e-4;

    /// <summary>Creates UPGrad.</summary>
    /// <param name="ridge">Added to the diagonal of G/trace(G) before the projections (0 = exact; <see cref="TorchJDRidge"/> = TorchJD).</param>
    public UPGrad(double ridge = 0) : base("UPGrad", GradientMode.Parameters, GradientMode.Representation)
    {
        Ridge = DualCone.CheckedRidge(ridge);
    }

    /// <summary>Ridge added to the normalised Gramian's diagonal.</summary>
    public double Ridge { get; }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var g = DualCone.Normalized(gramian, Ridge);
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

    /// <summary>Options of <see cref="UPGrad"/>; text "upgrad(ridge=1e-4)" for TorchJD's convention (<see cref="TorchJDRidge"/>).</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Added to the diagonal of G/trace(G) before the projections: 0 = exact, <see cref="TorchJDRidge"/> = TorchJD.</summary>
        public double Ridge;

        /// <inheritdoc />
        public override string Name => "upgrad";

        /// <inheritdoc />
        public override MtlMethod Create() => new UPGrad(Ridge);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Ridge), () => Ridge, v => Ridge = v, OptionChecks.NonNegativeFinite, "a finite number ≥ 0"),
        ];
    }
}
