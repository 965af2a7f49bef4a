using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>Which eigenvalue sets the scale of Aligned-MTL's balancing transformation.</summary>
public enum AlignedMtlScale
{
    /// <summary>The smallest kept eigenvalue (σ_min², the paper's choice).</summary>
    Min,

    /// <summary>The (lower) median of the kept eigenvalues.</summary>
    Median,

    /// <summary>The mean of the kept eigenvalues (root-mean-square singular value).</summary>
    Rmse,
}

/// <summary>The preference vector p of Aligned-MTL's weights w = B·p.</summary>
public enum AlignedMtlPreference
{
    /// <summary>p = (1/T, …, 1/T): TorchJD's <c>AlignedMTL()</c> (its default mean preference).</summary>
    Mean,

    /// <summary>p = (1, …, 1), i.e. w = the column sums of B: LibMTL's <c>Aligned_MTL</c> (T times the mean convention).</summary>
    Ones,
}

/// <summary>
/// Aligned-MTL (Senushkin et al., 2023): make the task gradients orthogonal and of equal norm (condition number 1).
/// G = VΛVᵀ (eigenvalues above tol·λmax kept), B = σ·VΛ^{−1/2}Vᵀ with σ² chosen by <see cref="Scale"/>,
/// w = B·p with preference p (<see cref="Preference"/>); d = Jᵀw.
/// </summary>
/// <remarks>
/// Conventions: the defaults (<see cref="AlignedMtlScale.Min"/>, <see cref="AlignedMtlPreference.Mean"/>, eigenvalue
/// cut-off float32 ε·T·λmax) reproduce TorchJD's <c>AlignedMTL()</c>; <see cref="AlignedMtlPreference.Ones"/> with
/// <c>Min</c> reproduces LibMTL's <c>Aligned_MTL</c> (same cut-off, w = the column sums of B). <c>Median</c> and
/// <c>Rmse</c> are the other scale modes of the authors' code (σ² = median or mean of the kept eigenvalues).
/// </remarks>
public sealed class AlignedMTL : GramianWeighting
{
    /// <summary>Creates Aligned-MTL.</summary>
    /// <param name="scale">Which eigenvalue sets the scale.</param>
    /// <param name="relativeTolerance">Eigenvalues at or below relativeTolerance·T·λmax count as zero
    /// (default: single-precision machine epsilon, since gradients are float32).</param>
    /// <param name="preference">The preference vector convention (TorchJD's mean or LibMTL's ones).</param>
    public AlignedMTL(AlignedMtlScale scale = AlignedMtlScale.Min, double relativeTolerance = 1.2e-7, AlignedMtlPreference preference = AlignedMtlPreference.Mean)
        : base("AlignedMTL", GradientMode.Parameters, GradientMode.Representation)
    {
        Preference = preference;
        if (!(relativeTolerance >= 0))
            throw new ArgumentOutOfRangeException(nameof(relativeTolerance), relativeTolerance, "The eigenvalue tolerance must be ≥ 0.");
        Scale = scale;
        RelativeTolerance = relativeTolerance;
    }

    /// <summary>Which eigenvalue sets the scale.</summary>
    public AlignedMtlScale Scale { get; }

    /// <summary>The preference vector convention.</summary>
    public AlignedMtlPreference Preference { get; }

    /// <summary>Relative eigenvalue cut-off (times T·λmax).</summary>
    public double RelativeTolerance { get; }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var eig = SymmetricEigen.Decompose(gramian);
        context.Solvers.Record(new SolverRun("AlignedMTL.Jacobi", eig.Sweeps, SolverOutcome.Converged, 0));
        double lmax = eig.Values[n - 1];
        var weights = new double[n];
        if (!(lmax > 0))
            return weights; // every gradient is zero: nothing to align
        double cutoff = RelativeTolerance * n * lmax;
        var kept = Enumerable.Range(0, n).Where(k => eig.Values[k] > cutoff).ToArray();
        var values = kept.Select(k => eig.Values[k]).OrderBy(v => v).ToArray();
        double sigmaSquared = Scale switch
        {
            AlignedMtlScale.Min => values[0],
            AlignedMtlScale.Median => values[(values.Length - 1) / 2],
            _ => values.Average(),
        };
        double sigma = Math.Sqrt(sigmaSquared);
        var preference = Preference == AlignedMtlPreference.Ones ? Enumerable.Repeat(1.0, n).ToArray() : Simplex.Uniform(n);
        // w = σ Σₖ vₖ (vₖ·p)/√λₖ over the kept eigenpairs.
        foreach (int k in kept)
        {
            double projection = 0;
            for (int i = 0; i < n; i++)
                projection += eig.Vectors[i, k] * preference[i];
            double factor = sigma * projection / Math.Sqrt(eig.Values[k]);
            for (int i = 0; i < n; i++)
                weights[i] += factor * eig.Vectors[i, k];
        }
        return weights;
    }

    /// <summary>Options of <see cref="AlignedMTL"/>; text "alignedmtl(preference=ones)" for LibMTL's convention (the default "mean" is TorchJD's).</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Which eigenvalue sets the scale (Min = the paper's).</summary>
        public AlignedMtlScale Scale = AlignedMtlScale.Min;

        /// <summary>Eigenvalues at or below this·T·λmax count as zero (float32 ε).</summary>
        public double RelativeTolerance = 1.2e-7;

        /// <summary>The preference vector: Mean (TorchJD) or Ones (LibMTL).</summary>
        public AlignedMtlPreference Preference = AlignedMtlPreference.Mean;

        /// <inheritdoc />
        public override string Name => "alignedmtl";

        /// <inheritdoc />
        public override MtlMethod Create() => new AlignedMTL(Scale, RelativeTolerance, Preference);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Choice(nameof(Scale), () => Scale, v => Scale = v),
            MethodArgument.Number(nameof(RelativeTolerance), () => RelativeTolerance, v => RelativeTolerance = v, OptionChecks.NonNegativeFinite, "a finite number ≥ 0"),
            MethodArgument.Choice(nameof(Preference), () => Preference, v => Preference = v),
        ];
    }
}
