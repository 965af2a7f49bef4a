using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Smooth Tchebycheff scalarization (Lin et al., 2024): L = μ·log Σᵢ exp(λᵢ(Lᵢ − z*ᵢ)/μ), a smooth version of
/// maxᵢ λᵢ(Lᵢ − z*ᵢ). The ideal point z* is estimated during the warm-up epochs (EW training) as the smallest
/// loss seen per task; with no warm-up z* = 0. Effective weights λᵢ·softmaxᵢ(λ(L − z*)/μ). Epochs are counted
/// through <see cref="OnEpochEnd"/>, which the trainer calls after every epoch. A task without labels in a step's batch
/// (loss 0) neither lowers its z*ᵢ nor enters that step's smooth maximum.
/// </summary>
public sealed class STCH : LossWeighting
{
    private readonly double[]? _preferences;
    private double[]? _ideal;
    private int _completedEpochs;

    /// <summary>Creates STCH.</summary>
    /// <param name="mu">Smoothing μ &gt; 0 (smaller = closer to the max).</param>
    /// <param name="warmupEpochs">Epochs of EW training used to estimate the ideal point.</param>
    /// <param name="preferences">λ, one positive value per task (default all 1).</param>
    public STCH(double mu = 1.0, int warmupEpochs = 1, double[]? preferences = null) : base("STCH")
    {
        if (!(mu > 0) || !double.IsFinite(mu))
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "STCH's μ must be a positive finite number.");
        ArgumentOutOfRangeException.ThrowIfNegative(warmupEpochs);
        if (preferences is not null && preferences.Any(p => !(p > 0) || !double.IsFinite(p)))
            throw new ArgumentException($"STCH preferences must be positive and finite; got [{string.Join(", ", preferences)}].", nameof(preferences));
        Mu = mu;
        WarmupEpochs = warmupEpochs;
        _preferences = preferences is null ? null : (double[])preferences.Clone();
    }

    /// <summary>μ.</summary>
    public double Mu { get; }

    /// <summary>Warm-up epochs.</summary>
    public int WarmupEpochs { get; }

    /// <summary>The ideal point z* (null during warm-up before any step).</summary>
    public IReadOnlyList<double>? IdealPoint => _ideal;

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount)
    {
        if (_preferences is not null && _preferences.Length != taskCount)
            throw new ArgumentException($"STCH has {_preferences.Length} preferences but the model has {taskCount} tasks.");
        if (WarmupEpochs == 0)
            _ideal = new double[taskCount];
    }

    /// <inheritdoc />
    public override void OnEpochEnd(IReadOnlyList<double> meanTrainingLosses) => _completedEpochs++;

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        int n = losses.Count;
        if (_completedEpochs < WarmupEpochs)
        {
            // The ideal point is the least loss seen with labels: a batch without labels for a task says nothing about it.
            var values = Values(losses).Select((v, i) => context.IsLabelled(i) ? v : double.PositiveInfinity).ToArray();
            _ideal = _ideal is null ? values : _ideal.Zip(values, Math.Min).ToArray();
            return WeightedSum(losses, Enumerable.Repeat(1.0, n).ToArray());
        }
        _ideal ??= new double[n];
        for (int i = 0; i < n; i++)
            if (double.IsPositiveInfinity(_ideal[i])) _ideal[i] = 0;
        if (context.LabelledTasks().Length == 0) return WeightedSum(losses, new double[n]);
        var lambda = _preferences ?? Enumerable.Repeat(1.0, n).ToArray();
        using var stacked = Stacked(losses);
        using var ideal = torch.tensor(_ideal, dtype: stacked.dtype, device: stacked.device);
        using var scale = torch.tensor(lambda.Select(l => l / Mu).ToArray(), dtype: stacked.dtype, device: stacked.device);
        using var gap = stacked - ideal;
        using var scaled = gap * scale;
        // A task without labels in the batch is out of the smooth maximum (score −∞: softmax weight 0, no gradient).
        using var scores = context.Labelled is null ? scaled.alias() : scaled + LabelledIndicator(context, scaled).log();
        using (var detached = scores.detach())
        using (var probabilities = torch.nn.functional.softmax(detached, 0))
        using (var precise = probabilities.to_type(ScalarType.Float64).cpu())
            CurrentWeights = precise.data<double>().ToArray().Select((p, i) => p * lambda[i]).ToArray();
        using var smoothMax = scores.logsumexp(0);
        return smoothMax * Mu;
    }

    /// <inheritdoc />
    protected override void OnWriteState(BinaryWriter writer)
    {
        MethodState.WriteDoubles(writer, _ideal);
        writer.Write(_completedEpochs);
    }

    /// <inheritdoc />
    protected override void OnReadState(BinaryReader reader)
    {
        var ideal = MethodState.ReadDoubles(reader, TaskCount, "STCH ideal point");
        int epochs = reader.ReadInt32();
        if (epochs < 0)
            throw new InvalidDataException($"The saved STCH state counts {epochs} completed epochs.");
        (_ideal, _completedEpochs) = (ideal, epochs);
    }

    /// <summary>Options of <see cref="STCH"/>; text "stch(mu=0.5,warmupepochs=2,preferences=[1,2])".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Smoothing μ &gt; 0 (smaller = closer to the max).</summary>
        public double Mu = 1.0;

        /// <summary>Epochs of EW training used to estimate the ideal point.</summary>
        public int WarmupEpochs = 1;

        /// <summary>λ, one positive value per task (null = all 1).</summary>
        public double[]? Preferences;

        /// <inheritdoc />
        public override string Name => "stch";

        /// <inheritdoc />
        public override MtlMethod Create() => new STCH(Mu, WarmupEpochs, Preferences);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Mu), () => Mu, v => Mu = v, OptionChecks.PositiveFinite, "a positive finite number"),
            MethodArgument.Integer(nameof(WarmupEpochs), () => WarmupEpochs, v => WarmupEpochs = v, 0),
            MethodArgument.Numbers(nameof(Preferences), () => Preferences, v => Preferences = v, CheckPreferences, "a list of positive finite numbers, e.g. [1,2]", positional: false),
        ];

        private static void CheckPreferences(double[]? values, string path)
        {
            if (values is not null && (values.Length == 0 || values.Any(v => !(v > 0) || !double.IsFinite(v))))
                throw OptionChecks.Fail(path, "positive finite numbers", values);
        }
    }
}
