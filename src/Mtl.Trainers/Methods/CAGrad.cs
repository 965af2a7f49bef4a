using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>How CAGrad rescales its direction.</summary>
public enum CAGradRescale
{
    /// <summary>d as solved.</summary>
    None,

    /// <summary>d / (1 + ca²) (the reference code's default).</summary>
    OnePlusCaSquared,

    /// <summary>d / (1 + ca).</summary>
    OnePlusCa,
}

/// <summary>
/// CAGrad (Liu et al., 2021): maximise the worst task improvement in a ball of radius c = ca·‖g₀‖ around the mean
/// gradient g₀. Dual: w* = argmin_{w ∈ simplex} g_wᵀg₀ + c‖g_w‖ (g_w = Σ wᵢgᵢ, all through G), then
/// d = g₀ + (c/‖g_w‖)·g_w, optionally rescaled. As weights: wᵢ = 1/T + (c/‖g_w‖)·w*ᵢ (then rescaled).
/// Parameters mode only, as in LibMTL.
/// </summary>
public sealed class CAGrad : GramianWeighting
{
    /// <summary>Creates CAGrad.</summary>
    /// <param name="ca">Radius factor ca ∈ [0, 1) (0 = EW, i.e. the mean gradient).</param>
    /// <param name="rescale">Final rescaling.</param>
    public CAGrad(double ca = 0.5, CAGradRescale rescale = CAGradRescale.OnePlusCaSquared)
        : base("CAGrad", GradientMode.Parameters)
    {
        if (!(ca >= 0) || !double.IsFinite(ca))
            throw new ArgumentOutOfRangeException(nameof(ca), ca, "CAGrad's ca must be a finite number ≥ 0 (0.5 in the paper).");
        Ca = ca;
        Rescale = rescale;
    }

    /// <summary>Radius factor ca.</summary>
    public double Ca { get; }

    /// <summary>Final rescaling.</summary>
    public CAGradRescale Rescale { get; }

    /// <summary>The inner problem's objective at the last solution (for inspection and tests).</summary>
    public double LastObjective { get; private set; }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var uniform = Simplex.Uniform(n);
        double g0Norm = Math.Sqrt(Math.Max(SmallMatrix.QuadraticForm(gramian, uniform), 0));
        double c = Ca * g0Norm;
        var solution = ConflictAverseSolver.Solve(gramian, c);
        context.Solvers.Record(solution.Run);
        LastObjective = solution.Objective;
        double gwNorm = Math.Sqrt(Math.Max(SmallMatrix.QuadraticForm(gramian, solution.Weights), 0));
        double lambda = gwNorm > 0 ? c / gwNorm : 0;
        double divisor = Rescale switch
        {
            CAGradRescale.OnePlusCaSquared => 1 + Ca * Ca,
            CAGradRescale.OnePlusCa => 1 + Ca,
            _ => 1,
        };
        var weights = new double[n];
        for (int i = 0; i < n; i++)
            weights[i] = (uniform[i] + lambda * solution.Weights[i]) / divisor;
        return weights;
    }

    /// <summary>Options of <see cref="CAGrad"/>; text "cagrad(ca=0.5,rescale=oneplusca)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Radius factor ca ≥ 0 (0 = EW; 0.5 in the paper).</summary>
        public double Ca = 0.5;

        /// <summary>Final rescaling (the reference code divides by 1 + ca²).</summary>
        public CAGradRescale Rescale = CAGradRescale.OnePlusCaSquared;

        /// <inheritdoc />
        public override string Name => "cagrad";

        /// <inheritdoc />
        public override MtlMethod Create() => new CAGrad(Ca, Rescale);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Ca), () => Ca, v => Ca = v, OptionChecks.NonNegativeFinite, "a finite number ≥ 0"),
            MethodArgument.Choice(nameof(Rescale), () => Rescale, v => Rescale = v),
        ];
    }
}
