using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>How MGDA rescales each task gradient before solving for the min-norm combination.</summary>
public enum MgdaNormalization
{
    /// <summary>No rescaling.</summary>
    None,

    /// <summary>Divide gᵢ by its norm ‖gᵢ‖.</summary>
    L2,

    /// <summary>Divide gᵢ by its loss Lᵢ.</summary>
    Loss,

    /// <summary>Divide gᵢ by ‖gᵢ‖·Lᵢ.</summary>
    LossPlus,
}

/// <summary>
/// MGDA (Sener &amp; Koltun, 2018): α* = argmin_{α ∈ simplex} ‖Σ αᵢgᵢ‖² = argmin αᵀGα — the min-norm point of the
/// convex hull of the task gradients, a common descent direction unless the point is Pareto-stationary.
/// Two tasks: closed form; more: Frank–Wolfe (≤ 250 iterations) stopped when its duality gap is below 1e-5·αᵀGα
/// (<see cref="FrankWolfeStopping.RelativeGap"/>), finished exactly if it hits the limit. The reference code's rule
/// (stop when α changes by less than 1e-5) is <see cref="FrankWolfeStopping.AbsoluteChange"/>.
/// </summary>
/// <remarks>
/// With a normalisation, the gradients are rescaled (gᵢ/sᵢ) only to <em>solve</em> for α; as in the authors' code
/// the weights α then multiply the raw task losses/gradients (LibMTL instead applies them to the rescaled
/// gradients in parameter mode). MGDA-UB (<see cref="UpperBound"/>) is the same rule on representation gradients.
/// </remarks>
public sealed class MGDA : GramianWeighting
{
    /// <summary>Creates MGDA.</summary>
    /// <param name="normalization">Gradient rescaling before the solve.</param>
    /// <param name="maxIterations">Frank–Wolfe iteration limit.</param>
    /// <param name="tolerance">Frank–Wolfe stopping tolerance.</param>
    /// <param name="exactFallback">Finish with an exact active-set solve when Frank–Wolfe hits its iteration limit
    /// (see <see cref="MinNormSolver.Solve"/>); false (with <see cref="FrankWolfeStopping.AbsoluteChange"/>) reproduces
    /// the reference algorithm exactly.</param>
    /// <param name="stopping">Frank–Wolfe stopping rule (default: duality gap relative to αᵀGα).</param>
    public MGDA(MgdaNormalization normalization = MgdaNormalization.None, int maxIterations = 250, double tolerance = 1e-5, bool exactFallback = true,
        FrankWolfeStopping stopping = FrankWolfeStopping.RelativeGap)
        : this("MGDA", normalization, maxIterations, tolerance, exactFallback, stopping, GradientMode.Parameters, GradientMode.Representation)
    {
    }

    private MGDA(string name, MgdaNormalization normalization, int maxIterations, double tolerance, bool exactFallback, FrankWolfeStopping stopping,
        params GradientMode[] modes)
        : base(name, modes)
    {
        ExactFallback = exactFallback;
        Stopping = stopping;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        if (!(tolerance > 0))
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The MGDA tolerance must be positive.");
        Normalization = normalization;
        MaxIterations = maxIterations;
        Tolerance = tolerance;
    }

    /// <summary>MGDA-UB: MGDA on the gradients at the shared representation (Representation mode only).</summary>
    /// <param name="normalization">Gradient rescaling before the solve.</param>
    public static MGDA UpperBound(MgdaNormalization normalization = MgdaNormalization.None) =>
        new("MGDA-UB", normalization, 250, 1e-5, true, FrankWolfeStopping.RelativeGap, GradientMode.Representation);

    /// <summary>Gradient rescaling before the solve.</summary>
    public MgdaNormalization Normalization { get; }

    /// <summary>Frank–Wolfe iteration limit.</summary>
    public int MaxIterations { get; }

    /// <summary>Frank–Wolfe stopping tolerance.</summary>
    public double Tolerance { get; }

    /// <summary>Frank–Wolfe stopping rule.</summary>
    public FrankWolfeStopping Stopping { get; }

    /// <summary>True when an exact solve finishes a Frank–Wolfe run that hit its iteration limit.</summary>
    public bool ExactFallback { get; }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var scales = Scales(gramian, context);
        var normalized = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                normalized[i, j] = gramian[i, j] * scales[i] * scales[j];
        var result = MinNormSolver.Solve(normalized, MaxIterations, Tolerance, ExactFallback, Stopping);
        context.Solvers.Record(result.Run);
        return result.Weights;
    }

    /// <summary>1/sᵢ for each task (0 for a zero gradient, whose rescaled version stays 0).</summary>
    private double[] Scales(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var inverse = new double[n];
        if (Normalization == MgdaNormalization.None)
        {
            Array.Fill(inverse, 1.0);
            return inverse;
        }
        var norms = Norms(gramian);
        double[]? losses = Normalization is MgdaNormalization.Loss or MgdaNormalization.LossPlus ? context.RequireLosses(Name) : null;
        for (int i = 0; i < n; i++)
        {
            if (losses is not null && !(losses[i] > 0))
                throw new InvalidOperationException(
                    $"MGDA with '{Normalization}' normalisation divides by the task losses, but task {i} has loss {losses[i]} at step {context.Step}. Use 'None' or 'L2' normalisation for losses that can be ≤ 0.");
            double s = Normalization switch
            {
                MgdaNormalization.L2 => norms[i],
                MgdaNormalization.Loss => losses![i],
                _ => norms[i] * losses![i],
            };
            inverse[i] = s > 0 ? 1 / s : 0;
        }
        return inverse;
    }

    /// <summary>Options of <see cref="MGDA"/>; text "mgda(normalization=l2)", "mgda(upperbound=true)" (also "mgda-ub"), "mgda(stopping=absolutechange,exactfallback=false)" for the reference algorithm.</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Gradient rescaling before the solve.</summary>
        public MgdaNormalization Normalization = MgdaNormalization.None;

        /// <summary>Frank–Wolfe iteration limit.</summary>
        public int MaxIterations = 250;

        /// <summary>Frank–Wolfe stopping tolerance.</summary>
        public double Tolerance = 1e-5;

        /// <summary>Finish with an exact solve when Frank–Wolfe hits its limit (false = the reference algorithm).</summary>
        public bool ExactFallback = true;

        /// <summary>Frank–Wolfe stopping rule.</summary>
        public FrankWolfeStopping Stopping = FrankWolfeStopping.RelativeGap;

        /// <summary>MGDA-UB: the same rule on the representation gradients (Representation mode only; its own defaults for the solver).</summary>
        public bool UpperBound;

        /// <inheritdoc />
        public override string Name => "mgda";

        /// <inheritdoc />
        public override MtlMethod Create() => UpperBound ? new MGDA("MGDA-UB", Normalization, MaxIterations, Tolerance, ExactFallback, Stopping, GradientMode.Representation) : new MGDA(Normalization, MaxIterations, Tolerance, ExactFallback, Stopping);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Choice(nameof(Normalization), () => Normalization, v => Normalization = v),
            MethodArgument.Integer(nameof(MaxIterations), () => MaxIterations, v => MaxIterations = v, 1),
            MethodArgument.Number(nameof(Tolerance), () => Tolerance, v => Tolerance = v, OptionChecks.PositiveFinite, "a positive finite number"),
            MethodArgument.Flag(nameof(ExactFallback), () => ExactFallback, v => ExactFallback = v),
            MethodArgument.Choice(nameof(Stopping), () => Stopping, v => Stopping = v),
            MethodArgument.Flag(nameof(UpperBound), () => UpperBound, v => UpperBound = v),
        ];
    }
}
