using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Dynamic weight average (Liu et al., 2019): wᵢ(t) = T·softmaxᵢ(rᵢ/τ) with rᵢ = L̄ᵢ(t−1)/L̄ᵢ(t−2), the ratio of the
/// task's mean training loss over the last two completed epochs; EW (wᵢ = 1) until two epochs are complete.
/// The epoch means come from <see cref="OnEpochEnd"/>, which the trainer calls after every epoch.
/// </summary>
public sealed class DWA : LossWeighting
{
    private readonly List<double[]> _epochMeans = [];
    private double[]? _weights;

    /// <summary>Creates DWA.</summary>
    /// <param name="temperature">Softmax temperature τ (2 in the paper).</param>
    public DWA(double temperature = 2.0) : base("DWA")
    {
        if (!(temperature > 0) || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "DWA's temperature must be a positive finite number.");
        Temperature = temperature;
    }

    /// <summary>Softmax temperature τ.</summary>
    public double Temperature { get; }

    /// <summary>Mean task losses of the completed epochs, oldest first.</summary>
    public IReadOnlyList<double[]> EpochMeans => _epochMeans;

    /// <inheritdoc />
    public override void OnEpochEnd(IReadOnlyList<double> meanTrainingLosses)
    {
        ArgumentNullException.ThrowIfNull(meanTrainingLosses);
        EnsureTaskCount(meanTrainingLosses.Count, "the epoch's mean losses");
        var means = meanTrainingLosses.ToArray();
        if (means.Any(m => !(m > 0) || !double.IsFinite(m)))
            throw new ArgumentException($"DWA needs positive finite epoch mean losses; got [{string.Join(", ", means)}].", nameof(meanTrainingLosses));
        _epochMeans.Add(means);
        if (_epochMeans.Count >= 2)
            _weights = SoftmaxOfRatios(_epochMeans[^1], _epochMeans[^2]);
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context) =>
        WeightedSum(losses, _weights ?? Enumerable.Repeat(1.0, losses.Count).ToArray());

    private double[] SoftmaxOfRatios(double[] last, double[] before)
    {
        int n = last.Length;
        var scores = new double[n];
        for (int i = 0; i < n; i++)
            scores[i] = last[i] / before[i] / Temperature;
        double max = scores.Max();
        var exp = scores.Select(s => Math.Exp(s - max)).ToArray();
        double sum = exp.Sum();
        return exp.Select(e => n * e / sum).ToArray();
    }

    /// <inheritdoc />
    protected override void OnWriteState(BinaryWriter writer)
    {
        writer.Write(_epochMeans.Count);
        foreach (var means in _epochMeans)
            MethodState.WriteDoubles(writer, means);
        MethodState.WriteDoubles(writer, _weights);
    }

    /// <inheritdoc />
    protected override void OnReadState(BinaryReader reader)
    {
        int epochs = reader.ReadInt32();
        if (epochs < 0)
            throw new InvalidDataException($"The saved DWA history has {epochs} epochs.");
        var history = new List<double[]>(epochs);
        for (int e = 0; e < epochs; e++)
            history.Add(MethodState.ReadDoubles(reader, TaskCount, "DWA epoch means") ?? throw new InvalidDataException("The saved DWA history has a missing epoch."));
        var weights = MethodState.ReadDoubles(reader, TaskCount, "DWA weights");
        _epochMeans.Clear();
        _epochMeans.AddRange(history);
        _weights = weights;
    }

    /// <summary>Options of <see cref="DWA"/>; text "dwa(temperature=2)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Softmax temperature τ (2 in the paper).</summary>
        public double Temperature = 2.0;

        /// <inheritdoc />
        public override string Name => "dwa";

        /// <inheritdoc />
        public override MtlMethod Create() => new DWA(Temperature);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Temperature), () => Temperature, v => Temperature = v, OptionChecks.PositiveFinite, "a positive finite number"),
        ];
    }
}
