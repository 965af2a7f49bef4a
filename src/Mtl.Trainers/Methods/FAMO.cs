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
/// <see cref="StepContext.RecordLossesAfterStep"/> then <see cref="AfterStep"/>. A task without labels in the step's batch
/// (loss 0) gets weight 0 and no log-loss change (δᵢ = 0); its logit moves only through the softmax's coupling.</remarks>
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
        // A task without labels in the batch (loss 0) is left out: weight 0, and log 1 = 0 in place of log 0.
        double denominator = Enumerable.Range(0, z.Length).Where(context.IsLabelled).Sum(i => z[i] / values[i]);
        double c = denominator > 0 ? 1 / denominator : 0;
        CurrentWeights = z.Select((zi, i) => context.IsLabelled(i) ? c * zi / values[i] : 0).ToArray();
        using var stacked = Stacked(losses);
        using var safe = context.Labelled is null ? stacked.alias() : Unlabelled(context, stacked);
        using var logs = safe.log();
        using var weights = torch.tensor(z.Select((zi, i) => context.IsLabelled(i) ? c * zi : 0).ToArray(), dtype: logs.dtype, device: logs.device);
        using var product = logs * weights;
        return product.sum();
    }

    /// <summary>The losses with those of unlabelled tasks (0) replaced by 1, whose logarithm is 0 (no gradient reaches them).</summary>
    private static Tensor Unlabelled(StepContext context, Tensor stacked)
    {
        using var indicator = LabelledIndicator(context, stacked);
        using var kept = stacked * indicator;
        using var ones = 1 - indicator;
        return kept + ones;
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
        // Only tasks labelled in the batch have a change of log-loss to report.
        var delta = _lossesBefore.Select((b, i) => context.IsLabelled(i) ? Math.Log(b) - Math.Log(afterValues[i]) : 0).ToArray();
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
