using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Uncertainty weighting (Kendall et al., 2018): L = Σ Lᵢ/(2e^{sᵢ}) + sᵢ/2 with learnable log-variances sᵢ
/// (initialised to −0.5 as in LibMTL). Effective weights 1/(2e^{sᵢ}).
/// </summary>
/// <remarks>
/// A task without labels in the step's batch (loss 0) also drops its regulariser sᵢ/2 for that step: otherwise its
/// log-variance would be pushed down by the constant gradient ½ alone, a drift that has nothing to do with the task's noise.
/// </remarks>
public sealed class UW : LossWeighting
{
    private Parameter? _logVariance;

    /// <summary>Creates UW.</summary>
    /// <param name="initialLogVariance">Initial value of every sᵢ.</param>
    public UW(double initialLogVariance = -0.5) : base("UW")
    {
        if (!double.IsFinite(initialLogVariance))
            throw new ArgumentOutOfRangeException(nameof(initialLogVariance), initialLogVariance, "The initial log-variance must be finite.");
        InitialLogVariance = initialLogVariance;
    }

    /// <summary>Initial value of every sᵢ.</summary>
    public double InitialLogVariance { get; }

    /// <summary>The current log-variances sᵢ.</summary>
    public double[] LogVariances => LearnableVector.Values(_logVariance);

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount) => _logVariance = LearnableVector.Create(taskCount, InitialLogVariance);

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => _logVariance is null ? [] : [_logVariance];

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        using var stacked = Stacked(losses);
        using var s = LearnableVector.Like(_logVariance!, stacked);
        using var negative = -s;
        using var precision = negative.exp();
        using var scaled = stacked * precision;
        using var regulariser = context.Labelled is null ? s.alias() : s * LabelledIndicator(context, s);
        using var sum = scaled + regulariser;
        using var half = sum * 0.5;
        CurrentWeights = LogVariances.Select(v => 0.5 * Math.Exp(-v)).ToArray();
        return half.sum();
    }

    /// <summary>Options of <see cref="UW"/>; text "uw(initiallogvariance=-0.5)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Initial value of every log-variance sᵢ (−0.5, as LibMTL).</summary>
        public double InitialLogVariance = -0.5;

        /// <inheritdoc />
        public override string Name => "uw";

        /// <inheritdoc />
        public override MtlMethod Create() => new UW(InitialLogVariance);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(InitialLogVariance), () => InitialLogVariance, v => InitialLogVariance = v, OptionChecks.Finite, "a finite number"),
        ];
    }
}
