using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// FAMO (Liu et al., 2023): task logits ξ (start at 0), z = softmax(ξ). The network descends on
/// c·Σ zᵢ log Lᵢ with c = 1/Σⱼ(zⱼ/Lⱼ) (effective weights c·zᵢ/Lᵢ). After the optimizer step, with the same batch's
/// losses re-evaluated, δᵢ = log Lᵢ(before) − log Lᵢ(after) and ξ ← ξ − β(∂z/∂ξ)ᵀδ − βγξ: tasks that improved less
/// get more weight. The logits are the method's own state (plain gradient step as in the paper's algorithm; the
/// authors' code uses Adam on ξ).
/// </summary>
/// <remarks>Needs the losses after the step: <see cref="Requirements"/> declares <see cref="MethodRequirements.NeedsLossesAfterStep"/>; the trainer calls
/// <see cref="StepContext.RecordLossesAfterStep"/> then <see cref="AfterStep"/>.</remarks>
public sealed class FAMO : LossWeighting
{
    private double[] _logits = [];
    private double[]? _lossesBefore;

    /// <summary>Creates FAMO.</summary>
    /// <param name="learningRate">β, the logits' step size (0.025).</param>
    /// <param name="decay">γ, the logits' weight decay (1e-3).</param>
    public FAMO(double learningRate = 0.025, double decay = 1e-3) : base("FAMO")
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "FAMO's β must be a positive finite number.");
        if (!(decay >= 0) || !double.IsFinite(decay))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "FAMO's γ must be a finite number ≥ 0.");
        LearningRate = learningRate;
        Decay = decay;
    }

    /// <summary>β.</summary>
    public double LearningRate { get; }

    /// <summary>γ.</summary>
    public double Decay { get; }

    /// <summary>The task logits ξ.</summary>
    public IReadOnlyList<double> Logits => _logits;

    /// <inheritdoc />
    public override MethodRequirements Requirements => base.Requirements with { NeedsLossesAfterStep = true };

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount) => _logits = new double[taskCount];

    /// <summary>z = softmax(ξ).</summary>
    public double[] TaskProbabilities()
    {
        double max = _logits.Length == 0 ? 0 : _logits.Max();
        var e = _logits.Select(x => Math.Exp(x - max)).ToArray();
        double s = e.Sum();
        return e.Select(x => x / s).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        if (_lossesBefore is not null)
            throw new InvalidOperationException(
                "FAMO updates its task logits in AfterStep, but AfterStep was not called after the previous step: the trainer must " +
                "re-evaluate the batch, call StepContext.RecordLossesAfterStep and then AfterStep every step, otherwise FAMO silently stops adapting.");
        var values = Values(losses);
        RequirePositive(values, context);
        _lossesBefore = values;
        var z = TaskProbabilities();
        double c = 1 / z.Zip(values, (zi, li) => zi / li).Sum();
        CurrentWeights = z.Zip(values, (zi, li) => c * zi / li).ToArray();
        using var stacked = Stacked(losses);
        using var logs = stacked.log();
        using var weights = torch.tensor(z.Select(zi => c * zi).ToArray(), dtype: logs.dtype, device: logs.device);
        using var product = logs * weights;
        return product.sum();
    }

    /// <inheritdoc />
    public override void AfterStep(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_lossesBefore is null)
            return;
        var after = context.LossesAfterStep ?? throw new InvalidOperationException(
            "FAMO needs the losses of the same batch after the optimizer step: re-evaluate the batch and call StepContext.RecordLossesAfterStep before AfterStep.");
        var afterValues = after.ToArray();
        RequirePositive(afterValues, context);
        var z = TaskProbabilities();
        var delta = _lossesBefore.Zip(afterValues, (b, a) => Math.Log(b) - Math.Log(a)).ToArray();
        // (∂z/∂ξ)ᵀδ = z ⊙ (δ − z·δ) for the softmax Jacobian diag(z) − zzᵀ.
        double mean = z.Zip(delta, (zi, di) => zi * di).Sum();
        for (int i = 0; i < _logits.Length; i++)
            _logits[i] -= LearningRate * (z[i] * (delta[i] - mean) + Decay * _logits[i]);
        _lossesBefore = null;
    }

    /// <inheritdoc />
    protected override void OnWriteState(BinaryWriter writer)
    {
        MethodState.WriteDoubles(writer, _logits);
        MethodState.WriteDoubles(writer, _lossesBefore);
    }

    /// <inheritdoc />
    protected override void OnReadState(BinaryReader reader)
    {
        var logits = MethodState.ReadDoubles(reader, TaskCount, "FAMO logits") ?? throw new InvalidDataException("The saved FAMO state has no logits.");
        var before = MethodState.ReadDoubles(reader, TaskCount, "FAMO losses before the step");
        (_logits, _lossesBefore) = (logits, before);
    }

    /// <summary>Options of <see cref="FAMO"/>; text "famo(learningrate=0.025,decay=0.001)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>β, the logits' step size.</summary>
        public double LearningRate = 0.025;

        /// <summary>γ, the logits' weight decay.</summary>
        public double Decay = 1e-3;

        /// <inheritdoc />
        public override string Name => "famo";

        /// <inheritdoc />
        public override MtlMethod Create() => new FAMO(LearningRate, Decay);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(LearningRate), () => LearningRate, v => LearningRate = v, OptionChecks.PositiveFinite, "a positive finite number"),
            MethodArgument.Number(nameof(Decay), () => Decay, v => Decay = v, OptionChecks.NonNegativeFinite, "a finite number ≥ 0"),
        ];
    }
}
