using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Nash-MTL (Navon et al., 2022): the Nash bargaining weights α &gt; 0 with (Gα)ᵢ = 1/αᵢ, d = Σ αᵢgᵢ
/// (invariant to a constant scale of the losses). Solved by damped Newton steps on G/‖G‖ (see
/// <see cref="NashBargainingSolver"/>), warm-started from the previous α, and recomputed every
/// <see cref="UpdateEvery"/> steps (the previous α is reused in between). Parameters mode only, as in LibMTL.
/// </summary>
/// <remarks>
/// A failed solve is recorded in <see cref="StepContext.Solvers"/> (and so logged) and the previous α is kept
/// (uniform 1/T before any success); the method never silently stops updating. It declares a shared-gradient clip
/// at <see cref="MaxGradientNorm"/> (<see cref="MethodRequirements.SharedGradientClipNorm"/>), which the step applies
/// before the optimizer step, as the authors do.
/// </remarks>
public sealed class NashMTL : GramianWeighting
{
    private double[]? _alpha;

    /// <summary>Creates Nash-MTL.</summary>
    /// <param name="updateEvery">Recompute α every k steps (1 = every step).</param>
    /// <param name="maxGradientNorm">Norm the trainer clips the shared gradient to (the authors use 1.0); ≤ 0 disables.</param>
    /// <param name="maxIterations">Newton iteration limit per solve.</param>
    public NashMTL(int updateEvery = 1, double maxGradientNorm = 1.0, int maxIterations = 100)
        : base("NashMTL", GradientMode.Parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(updateEvery, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        if (!double.IsFinite(maxGradientNorm))
            throw new ArgumentOutOfRangeException(nameof(maxGradientNorm), maxGradientNorm, "Nash-MTL's clipping norm must be finite (≤ 0 disables clipping).");
        UpdateEvery = updateEvery;
        MaxGradientNorm = maxGradientNorm;
        MaxIterations = maxIterations;
    }

    /// <summary>α is recomputed every this many steps.</summary>
    public int UpdateEvery { get; }

    /// <summary>Gradient-norm clip the trainer applies to the shared parameters (≤ 0: none).</summary>
    public double MaxGradientNorm { get; }

    /// <summary>Newton iteration limit per solve.</summary>
    public int MaxIterations { get; }

    /// <inheritdoc />
    public override MethodRequirements Requirements => base.Requirements with { SharedGradientClipNorm = MaxGradientNorm > 0 ? MaxGradientNorm : 0 };

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        if (_alpha is not null && context.Step % UpdateEvery != 0)
            return (double[])_alpha.Clone();
        var result = NashBargainingSolver.Solve(gramian, _alpha, MaxIterations);
        if (result.Weights is null)
        {
            var detail = (result.Run.Detail ?? "no solution") + (_alpha is null ? "; using uniform weights 1/T" : "; keeping the previous weights");
            context.Solvers.Record(result.Run with { Detail = $"step {context.Step}: {detail}" });
            _alpha ??= Simplex.Uniform(n);
        }
        else
        {
            context.Solvers.Record(result.Run);
            _alpha = result.Weights;
        }
        return (double[])_alpha.Clone();
    }

    /// <summary>
    /// The bargain among the labelled tasks only, warm-started from their part of α: a task without labels has a zero
    /// gradient and (Gα)ᵢ = 1/αᵢ no solution. It gets weight 0 this step and keeps its α for the steps it is labelled in.
    /// </summary>
    protected override double[] LabelledWeights(double[,] gramian, int[] labelled, StepContext context)
    {
        var w = new double[gramian.GetLength(0)];
        if (labelled.Length == 0) return w;
        double[]? start = _alpha is null ? null : labelled.Select(i => _alpha[i]).ToArray();
        double[] solved;
        if (start is not null && context.Step % UpdateEvery != 0)
        {
            solved = start;
        }
        else
        {
            var result = NashBargainingSolver.Solve(SubGramian(gramian, labelled), start, MaxIterations);
            if (result.Weights is null)
                context.Solvers.Record(result.Run with { Detail = $"step {context.Step}: {result.Run.Detail ?? "no solution"}; keeping the previous weights of the labelled tasks" });
            else
                context.Solvers.Record(result.Run);
            solved = result.Weights ?? start ?? Simplex.Uniform(labelled.Length);
        }
        for (int k = 0; k < labelled.Length; k++)
        {
            w[labelled[k]] = solved[k];
            if (_alpha is not null) _alpha[labelled[k]] = solved[k];
        }
        return w;
    }

    /// <summary>The current bargaining weights α (null before the first solve).</summary>
    public IReadOnlyList<double>? Alpha => _alpha;

    /// <inheritdoc />
    protected override void OnWriteState(BinaryWriter writer) => MethodState.WriteDoubles(writer, _alpha);

    /// <inheritdoc />
    protected override void OnReadState(BinaryReader reader) => _alpha = MethodState.ReadDoubles(reader, TaskCount, "Nash-MTL α");

    /// <summary>Options of <see cref="NashMTL"/>; text "nashmtl(updateevery=1,maxgradientnorm=1,maxiterations=100)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Recompute α every k steps (1 = every step).</summary>
        public int UpdateEvery = 1;

        /// <summary>Norm the trainer clips the shared gradient to (the authors use 1); ≤ 0 disables.</summary>
        public double MaxGradientNorm = 1.0;

        /// <summary>Newton iteration limit per solve.</summary>
        public int MaxIterations = 100;

        /// <inheritdoc />
        public override string Name => "nashmtl";

        /// <inheritdoc />
        public override MtlMethod Create() => new NashMTL(UpdateEvery, MaxGradientNorm, MaxIterations);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Integer(nameof(UpdateEvery), () => UpdateEvery, v => UpdateEvery = v, 1),
            MethodArgument.Number(nameof(MaxGradientNorm), () => MaxGradientNorm, v => MaxGradientNorm = v, OptionChecks.Finite, "a finite number (≤ 0 disables clipping)"),
            MethodArgument.Integer(nameof(MaxIterations), () => MaxIterations, v => MaxIterations = v, 1),
        ];
    }
}
