namespace Mtl.Datasets;

/// <summary>
/// A synthetic multi-task regression set with a relatedness knob and per-task loss scales, for fast
/// tests and the loss-scale study. Rows are generated on demand from the seed (random access: row i
/// does not depend on any other row).
/// </summary>
/// <remarks>
/// <para>Features x ~ N(0, I_d). Each task t has a unit weight vector
/// w_t = √ρ·u_0 + √(1−ρ)·u_t built from orthonormal directions u_0 (shared) and u_1…u_T (task-specific),
/// so w_s·w_t = ρ exactly for s ≠ t and the projections z_t = w_t·x are standard normal with pairwise
/// correlation exactly ρ (<see cref="Options.Relatedness"/>).</para>
/// <para>Target: y_t = c_t · ( (1−λ)·z_t + λ·sin(2·z_t) + σ·ε_t ), ε_t ~ N(0, 1), with λ =
/// <see cref="Options.Nonlinearity"/>, σ = <see cref="Options.NoiseStd"/> and c_t the task's
/// <see cref="Options.TaskScales"/> entry — scaling a target by c scales its squared error by c² and
/// its absolute error by c, which is how the loss-scale experiments set per-task loss scales.</para>
/// <para>Directions need d ≥ T + 1 when 0 &lt; ρ &lt; 1, d ≥ T when ρ = 0 and d ≥ 1 when ρ = 1
/// (all tasks share u_0; with d = 1, ρ = 1, λ = σ = 0 and scales (10, 0.1) this is the scalar toy
/// problem of Elich et al.: targets that are scalings of the input).</para>
/// </remarks>
public sealed class SyntheticMultiTaskRegression
{
    /// <summary>Settings of the generator.</summary>
    public sealed class Options
    {
        /// <summary>Number of rows.</summary>
        public int RowCount = 1000;

        /// <summary>Number of features d.</summary>
        public int FeatureCount = 8;

        /// <summary>Number of tasks T.</summary>
        public int TaskCount = 2;

        /// <summary>ρ in [0, 1]: the correlation between any two tasks' noiseless linear signals.</summary>
        public double Relatedness = 0.5;

        /// <summary>λ in [0, 1]: the share of the signal that goes through sin(2z) instead of z.</summary>
        public double Nonlinearity;

        /// <summary>σ ≥ 0: standard deviation of the per-task noise, before scaling.</summary>
        public double NoiseStd = 0.1;

        /// <summary>Per-task target scales c_t (length T), or null for all 1.</summary>
        public double[]? TaskScales;

        /// <summary>Column names of the targets (length T), or null for "Task0", "Task1", ….</summary>
        public string[]? TaskNames;

        /// <summary>Seed of the directions and of every row.</summary>
        public int Seed;
    }

    private readonly double[][] _weights;
    private readonly double[] _scales;
    private readonly ulong _rowStream;

    /// <summary>Creates the generator; validates the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent (the message names it).</exception>
    public SyntheticMultiTaskRegression(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RowCount < 0)
            throw new ArgumentException($"{nameof(Options.RowCount)} must be non-negative; got {options.RowCount}.", nameof(options));
        if (options.FeatureCount < 1)
            throw new ArgumentException($"{nameof(Options.FeatureCount)} must be at least 1; got {options.FeatureCount}.", nameof(options));
        if (options.TaskCount < 1)
            throw new ArgumentException($"{nameof(Options.TaskCount)} must be at least 1; got {options.TaskCount}.", nameof(options));
        if (!(options.Relatedness >= 0 && options.Relatedness <= 1))
            throw new ArgumentException($"{nameof(Options.Relatedness)} must be in [0, 1]; got {options.Relatedness}.", nameof(options));
        if (!(options.Nonlinearity >= 0 && options.Nonlinearity <= 1))
            throw new ArgumentException($"{nameof(Options.Nonlinearity)} must be in [0, 1]; got {options.Nonlinearity}.", nameof(options));
        if (!(options.NoiseStd >= 0) || double.IsInfinity(options.NoiseStd))
            throw new ArgumentException($"{nameof(Options.NoiseStd)} must be finite and non-negative; got {options.NoiseStd}.", nameof(options));
        int tasks = options.TaskCount, d = options.FeatureCount;
        double rho = options.Relatedness;
        int directionsNeeded = (rho > 0 ? 1 : 0) + (rho < 1 ? tasks : 0);
        if (d < directionsNeeded)
            throw new ArgumentException(
                $"{nameof(Options.FeatureCount)} = {d} is too small: relatedness {rho} with {tasks} task(s) needs {directionsNeeded} orthonormal directions.", nameof(options));
        _scales = options.TaskScales?.ToArray() ?? Enumerable.Repeat(1.0, tasks).ToArray();
        if (_scales.Length != tasks || _scales.Any(s => !double.IsFinite(s)))
            throw new ArgumentException($"{nameof(Options.TaskScales)} must hold {tasks} finite values; got [{string.Join(", ", _scales)}].", nameof(options));
        var names = options.TaskNames?.ToArray() ?? Enumerable.Range(0, tasks).Select(t => $"Task{t}").ToArray();
        if (names.Length != tasks || names.Any(string.IsNullOrWhiteSpace) || names.Distinct(StringComparer.Ordinal).Count() != tasks || names.Contains(FeaturesColumnName))
            throw new ArgumentException(
                $"{nameof(Options.TaskNames)} must hold {tasks} distinct non-empty names other than '{FeaturesColumnName}'; got [{string.Join(", ", names)}].", nameof(options));

        RowCount = options.RowCount;
        FeatureCount = d;
        TaskNames = names;
        Relatedness = rho;
        Nonlinearity = options.Nonlinearity;
        NoiseStd = options.NoiseStd;
        Seed = options.Seed;
        _weights = BuildWeights(options.Seed, d, tasks, rho);
        _rowStream = DeterministicRandom.ForStream(options.Seed, "synthetic-regression/rows").NextUInt64();
    }

    /// <summary>Name of the feature column.</summary>
    public const string FeaturesColumnName = "Features";

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>Number of features d.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of tasks T.</summary>
    public int TaskCount => TaskNames.Count;

    /// <summary>Target column names, one per task.</summary>
    public IReadOnlyList<string> TaskNames { get; }

    /// <summary>ρ: correlation between the tasks' noiseless linear signals.</summary>
    public double Relatedness { get; }

    /// <summary>λ: share of the signal through the nonlinearity.</summary>
    public double Nonlinearity { get; }

    /// <summary>σ: noise standard deviation before scaling.</summary>
    public double NoiseStd { get; }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>Target scale c_t of each task.</summary>
    public IReadOnlyList<double> TaskScales => _scales;

    /// <summary>The unit weight vector w_t of task <paramref name="task"/> (a copy).</summary>
    public double[] GetTaskWeights(int task)
    {
        if ((uint)task >= (uint)TaskCount)
            throw new ArgumentOutOfRangeException(nameof(task), $"Task {task} is outside 0..{TaskCount - 1}.");
        return (double[])_weights[task].Clone();
    }

    /// <summary>The noiseless, unscaled signal (1−λ)·z + λ·sin(2z) of a projection z.</summary>
    public double Signal(double projection) => (1 - Nonlinearity) * projection + Nonlinearity * Math.Sin(2 * projection);

    /// <summary>Writes row <paramref name="row"/>'s features and targets.</summary>
    /// <param name="row">Row index in [0, <see cref="RowCount"/>).</param>
    /// <param name="features">Receives d features.</param>
    /// <param name="targets">Receives T targets.</param>
    public void WriteRow(long row, Span<float> features, Span<float> targets)
    {
        if ((ulong)row >= (ulong)RowCount)
            throw new ArgumentOutOfRangeException(nameof(row), $"Row {row} is outside 0..{RowCount - 1}.");
        if (features.Length != FeatureCount || targets.Length != TaskCount)
            throw new ArgumentException($"Expected {FeatureCount} features and {TaskCount} targets; got {features.Length} and {targets.Length}.");
        var random = DeterministicRandom.ForRow(_rowStream, row);
        Span<double> x = FeatureCount <= 256 ? stackalloc double[FeatureCount] : new double[FeatureCount];
        for (int j = 0; j < x.Length; j++)
        {
            x[j] = random.NextGaussian();
            features[j] = (float)x[j];
        }
        for (int t = 0; t < TaskCount; t++)
        {
            double z = 0;
            var w = _weights[t];
            for (int j = 0; j < x.Length; j++)
                z += w[j] * x[j];
            double noise = random.NextGaussian();
            targets[t] = (float)(_scales[t] * (Signal(z) + NoiseStd * noise));
        }
    }

    /// <summary>w_t = √ρ·u_0 + √(1−ρ)·u_t with u orthonormal (Gram–Schmidt on seeded Gaussian draws).</summary>
    private static double[][] BuildWeights(int seed, int d, int tasks, double rho)
    {
        var random = DeterministicRandom.ForStream(seed, "synthetic-regression/directions");
        int count = (rho > 0 ? 1 : 0) + (rho < 1 ? tasks : 0);
        var directions = new List<double[]>(count);
        while (directions.Count < count)
        {
            var v = new double[d];
            for (int j = 0; j < d; j++)
                v[j] = random.NextGaussian();
            foreach (var u in directions)
            {
                double dot = Dot(u, v);
                for (int j = 0; j < d; j++)
                    v[j] -= dot * u[j];
            }
            double norm = Math.Sqrt(Dot(v, v));
            if (norm < 1e-6)
                continue; // a draw (almost) in the span already found; draw again
            for (int j = 0; j < d; j++)
                v[j] /= norm;
            if (directions.Count == 0 && d == 1)
                v[0] = 1; // the scalar case: targets are positive multiples of the input
            directions.Add(v);
        }
        var weights = new double[tasks][];
        int specificStart = rho > 0 ? 1 : 0;
        for (int t = 0; t < tasks; t++)
        {
            weights[t] = new double[d];
            for (int j = 0; j < d; j++)
            {
                double shared = rho > 0 ? Math.Sqrt(rho) * directions[0][j] : 0;
                double specific = rho < 1 ? Math.Sqrt(1 - rho) * directions[specificStart + t][j] : 0;
                weights[t][j] = shared + specific;
            }
        }
        return weights;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int j = 0; j < a.Length; j++)
            s += a[j] * b[j];
        return s;
    }
}
