namespace Mtl.Trainers.Methods;

/// <summary>
/// GradVac (Wang et al., 2021): keeps an EMA target φ̂ᵢⱼ of the cosine similarity of every task pair. For each i and
/// the other tasks j in random order, with φ = cos(g̃ᵢ, gⱼ): if φ &lt; φ̂ᵢⱼ,
/// g̃ᵢ += gⱼ·‖g̃ᵢ‖(φ̂ᵢⱼ√(1−φ²) − φ√(1−φ̂ᵢⱼ²)) / (‖gⱼ‖√(1−φ̂ᵢⱼ²)); then φ̂ᵢⱼ ← (1−β)φ̂ᵢⱼ + βφ. d = Σ g̃ᵢ.
/// Targets start at 0. Parameters mode only, as in LibMTL.
/// </summary>
/// <remarks>
/// Like PCGrad it runs on Gramians only (each g̃ᵢ is tracked as a combination of the raw gradients). Granularity:
/// <see cref="GramianWeighting.Weights(double[,], StepContext)"/> treats the whole shared model as one group; for
/// per-layer or per-matrix granularity pass one Gramian per parameter group to <see cref="WeightsPerGroup"/> and
/// apply group k's weights to that group's parameters. The EMA target is updated after every comparison, as in the
/// paper's algorithm (LibMTL updates it only when the correction fires).
/// </remarks>
public sealed class GradVac : GramianWeighting
{
    private double[,,]? _targets;

    /// <summary>Creates GradVac.</summary>
    /// <param name="beta">EMA rate β ∈ (0, 1] of the target similarities (0.5 in LibMTL; the paper uses 1e-2).</param>
    public GradVac(double beta = 0.5) : base("GradVac", GradientMode.Parameters)
    {
        if (!(beta > 0 && beta <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "GradVac's EMA rate β must be in (0, 1].");
        Beta = beta;
    }

    /// <summary>EMA rate β.</summary>
    public double Beta { get; }

    /// <summary>Number of parameter groups (fixed by the first call; 0 before).</summary>
    public int GroupCount => _targets?.GetLength(0) ?? 0;

    /// <summary>The current target similarity φ̂ᵢⱼ of a group (0 before the first step).</summary>
    public double TargetSimilarity(int i, int j, int group = 0) => _targets is null ? 0 : _targets[group, i, j];

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context) => Run(new[] { gramian }, context)[0];

    /// <summary>
    /// The whole Gramian: the pair targets φ̂ᵢⱼ are per task pair, and a task without labels (a zero gradient) has no
    /// direction, so <see cref="Vaccinate"/> skips its pairs and its own row stays its zero gradient.
    /// </summary>
    protected override double[] LabelledWeights(double[,] gramian, int[] labelled, StepContext context) => ComputeWeights(gramian, context);

    /// <summary>
    /// Weights for each parameter group: group k's direction is Σᵢ wₖᵢ gₖᵢ with gₖᵢ task i's gradient restricted to
    /// the group's parameters.
    /// </summary>
    /// <param name="groupGramians">One T×T Gramian per group, the same number of groups at every step.</param>
    /// <param name="context">The step's context.</param>
    public double[][] WeightsPerGroup(IReadOnlyList<double[,]> groupGramians, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(groupGramians);
        ArgumentNullException.ThrowIfNull(context);
        if (groupGramians.Count == 0)
            throw new ArgumentException("GradVac needs at least one parameter group.", nameof(groupGramians));
        foreach (double[,] g in groupGramians) RequireFinite(g, context);
        var groups = groupGramians.Select(g => Symmetrised(g, Name)).ToArray();
        foreach (var g in groups)
            if (g.GetLength(0) != context.TaskCount)
                throw new ArgumentException($"A group Gramian is {g.GetLength(0)}×{g.GetLength(0)} but the step context has {context.TaskCount} tasks.", nameof(groupGramians));
        EnsureTaskCount(context.TaskCount, "the group Gramians");
        var weights = Run(groups, context);
        CurrentWeights = Enumerable.Range(0, TaskCount).Select(i => weights.Average(w => w[i])).ToArray();
        return weights;
    }

    private double[][] Run(double[][,] groups, StepContext context)
    {
        int n = groups[0].GetLength(0);
        _targets ??= new double[groups.Length, n, n];
        if (_targets.GetLength(0) != groups.Length)
            throw new ArgumentException($"GradVac was started with {_targets.GetLength(0)} parameter group(s) and now got {groups.Length}; the grouping must stay the same during training.");
        var weights = groups.Select(_ => new double[n]).ToArray();
        var rows = groups.Select(_ => new double[n]).ToArray();
        for (int i = 0; i < n; i++)
        {
            foreach (var row in rows)
            {
                Array.Clear(row);
                row[i] = 1;
            }
            foreach (int j in GradientCombination.ShuffledOthers(i, n, context.Random))
                for (int k = 0; k < groups.Length; k++)
                    Vaccinate(groups[k], rows[k], i, j, k);
            for (int k = 0; k < groups.Length; k++)
                for (int t = 0; t < n; t++)
                    weights[k][t] += rows[k][t];
        }
        return weights;
    }

    /// <summary>One comparison of g̃ᵢ (coefficients <paramref name="row"/>) with gⱼ in group k.</summary>
    private void Vaccinate(double[,] gramian, double[] row, int i, int j, int k)
    {
        double normI = Math.Sqrt(Math.Max(GradientCombination.SquaredNorm(row, gramian), 0));
        double normJ = Math.Sqrt(gramian[j, j]);
        if (!(normI > 0) || !(normJ > 0))
            return; // a zero gradient has no direction to compare
        double phi = Math.Clamp(GradientCombination.DotWithTask(row, gramian, j) / (normI * normJ), -1, 1);
        double target = _targets![k, i, j];
        if (phi < target)
        {
            double targetSine = Math.Max(Math.Sqrt(1 - target * target), 1e-8);
            row[j] += normI * (target * Math.Sqrt(1 - phi * phi) - phi * targetSine) / (normJ * targetSine);
        }
        _targets[k, i, j] = (1 - Beta) * target + Beta * phi;
    }

    /// <inheritdoc />
    protected override void OnWriteState(BinaryWriter writer)
    {
        writer.Write(GroupCount);
        if (_targets is null)
            return;
        foreach (double v in _targets)
            writer.Write(v);
    }

    /// <inheritdoc />
    protected override void OnReadState(BinaryReader reader)
    {
        int groups = reader.ReadInt32();
        if (groups < 0 || groups > 1 << 20)
            throw new InvalidDataException($"The saved GradVac state has {groups} parameter groups.");
        double[,,]? targets = groups == 0 ? null : new double[groups, TaskCount, TaskCount];
        for (int k = 0; k < groups; k++)
            for (int i = 0; i < TaskCount; i++)
                for (int j = 0; j < TaskCount; j++)
                {
                    double v = reader.ReadDouble();
                    if (!(v >= -1 && v <= 1))
                        throw new InvalidDataException($"The saved GradVac target similarity [{k}, {i}, {j}] is {v}; similarities lie in [-1, 1].");
                    targets![k, i, j] = v;
                }
        _targets = targets;
    }

    /// <summary>Options of <see cref="GradVac"/>; text "gradvac(beta=0.01)" for the paper's EMA rate (0.5 is LibMTL's).</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>EMA rate β ∈ (0, 1] of the target similarities (LibMTL 0.5; the paper 1e-2).</summary>
        public double Beta = 0.5;

        /// <inheritdoc />
        public override string Name => "gradvac";

        /// <inheritdoc />
        public override MtlMethod Create() => new GradVac(Beta);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Beta), () => Beta, v => Beta = v, (v, path) => OptionChecks.InRange(v, 0, 1, highInclusive: true, path, lowInclusive: false), "a number in (0, 1]"),
        ];
    }
}
