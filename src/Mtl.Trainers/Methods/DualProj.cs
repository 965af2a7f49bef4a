using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// DualProj (TorchJD): project the mean gradient onto the dual cone of the task gradients.
/// Dual form: u = argmin_{u ≥ (1/T)·1} uᵀGu; d = Jᵀu, so Jd ≥ 0. Solved on G/trace(G) + ridge·I like <see cref="UPGrad"/>
/// (ridge 0 = exact; <see cref="UPGrad.TorchJDRidge"/> reproduces TorchJD's <c>DualProj()</c>).
/// </summary>
public sealed class DualProj : GramianWeighting
{
    /// <summary>Creates DualProj.</summary>
    /// <param name="ridge">Added to the diagonal of G/trace(G) (0 = exact; 1e-4 = TorchJD).</param>
    public DualProj(double ridge = 0) : base("DualProj", GradientMode.Parameters, GradientMode.Representation)
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
        if (g is null)
            return Simplex.Uniform(n);
        var result = NonnegativeQuadraticProgram.MinimizeAboveBound(g, Simplex.Uniform(n));
        context.Solvers.Record(result.Run);
        return result.Solution;
    }

    /// <summary>Options of <see cref="DualProj"/>; text "dualproj(ridge=1e-4)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Added to the diagonal of G/trace(G): 0 = exact projection, 1e-4 = TorchJD's convention.</summary>
        public double Ridge;

        /// <inheritdoc />
        public override string Name => "dualproj";

        /// <inheritdoc />
        public override MtlMethod Create() => new DualProj(Ridge);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Ridge), () => Ridge, v => Ridge = v, OptionChecks.NonNegativeFinite, "a finite number ≥ 0"),
        ];
    }
}

/// <summary>Shared preprocessing of the dual-cone projections.</summary>
internal static class DualCone
{
    /// <summary>
    /// G/trace(G) + ridge·I (the QP's minimiser is scale invariant; the normalisation fixes the tolerance's and the
    /// ridge's units, as in TorchJD), or null when G = 0.
    /// </summary>
    public static double[,]? Normalized(double[,] gramian, double ridge)
    {
        double trace = SmallMatrix.Trace(gramian);
        if (!(trace > 0))
            return null;
        var g = SmallMatrix.Scale(gramian, 1 / trace);
        for (int i = 0; i < g.GetLength(0); i++)
            g[i, i] += ridge;
        return g;
    }

    /// <summary>Validates a ridge (finite, ≥ 0).</summary>
    public static double CheckedRidge(double ridge) =>
        ridge >= 0 && double.IsFinite(ridge) ? ridge
            : throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "The ridge added to the normalised Gramian must be a finite number ≥ 0 (0 = exact projection, 1e-4 = TorchJD).");
}
