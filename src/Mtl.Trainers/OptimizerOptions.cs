namespace Mtl.Trainers;

/// <summary>Optimizers the trainer can use (the kind of a <see cref="MtlOptimizerOptions"/>).</summary>
public enum OptimizerKind
{
    /// <summary>SGD with optional momentum / Nesterov.</summary>
    Sgd,
    /// <summary>Adam.</summary>
    Adam,
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>signSGD: step along the sign of the (combined) gradient.</summary>
    SignSgd,
    /// <summary>One Adam state per task on the shared parameters (Elich et al.): each task's shared gradient is normalised by its own moments; heads use plain Adam.</summary>
    PerTaskAdam,
}

/// <summary>
/// The trainer's optimizer (<c>Options.Optimizer</c>), in ML.NET's typed-component style: pick one of the nested
/// classes, e.g. <c>Optimizer = new MtlOptimizerOptions.Sgd { LearningRate = 0.1, Momentum = 0.9 }</c>. The default is
/// <see cref="Adam"/> with learning rate 1e-3.
/// </summary>
public abstract class MtlOptimizerOptions
{
    private protected MtlOptimizerOptions()
    {
    }

    /// <summary>Which optimizer these options configure.</summary>
    public abstract OptimizerKind Kind { get; }

    /// <summary>Learning rate, positive and finite (1e-3 by default: safe for every method).</summary>
    public double LearningRate = 1e-3;

    /// <summary>Weight decay ≥ 0 (L2 added to the gradient; decoupled for <see cref="AdamW"/>).</summary>
    public double WeightDecay;

    /// <summary>Default options of <paramref name="kind"/>.</summary>
    /// <param name="kind">The optimizer.</param>
    public static MtlOptimizerOptions For(OptimizerKind kind) => kind switch
    {
        OptimizerKind.Sgd => new Sgd(),
        OptimizerKind.Adam => new Adam(),
        OptimizerKind.AdamW => new AdamW(),
        OptimizerKind.SignSgd => new SignSgd(),
        OptimizerKind.PerTaskAdam => new PerTaskAdam(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown optimizer kind {kind}; accepted: {string.Join(", ", Enum.GetNames<OptimizerKind>())}."),
    };

    /// <summary>Checks every hyperparameter; messages name <paramref name="path"/>, e.g. "Options.Optimizer.LearningRate".</summary>
    internal virtual void Validate(string path)
    {
        OptionChecks.PositiveFinite(LearningRate, path + "." + nameof(LearningRate));
        OptionChecks.NonNegativeFinite(WeightDecay, path + "." + nameof(WeightDecay));
    }

    /// <summary>A member-wise copy.</summary>
    public MtlOptimizerOptions Clone() => (MtlOptimizerOptions)MemberwiseClone();

    /// <summary>SGD (TorchSharp's <c>optim.SGD</c>) with momentum 0.9 by default.</summary>
    public sealed class Sgd : MtlOptimizerOptions
    {
        /// <inheritdoc />
        public override OptimizerKind Kind => OptimizerKind.Sgd;

        /// <summary>Momentum in [0, 1).</summary>
        public double Momentum = 0.9;

        /// <summary>Nesterov momentum (needs <see cref="Momentum"/> &gt; 0).</summary>
        public bool Nesterov;

        internal override void Validate(string path)
        {
            base.Validate(path);
            OptionChecks.InRange(Momentum, 0, 1, highInclusive: false, path + "." + nameof(Momentum));
            if (Nesterov && Momentum == 0) throw OptionChecks.Fail(path + "." + nameof(Momentum), "> 0 when Nesterov is on", Momentum);
        }
    }

    /// <summary>signSGD: the step follows the sign of the gradient (no momentum).</summary>
    public sealed class SignSgd : MtlOptimizerOptions
    {
        /// <inheritdoc />
        public override OptimizerKind Kind => OptimizerKind.SignSgd;
    }

    /// <summary>What Adam, AdamW and per-task Adam share: β₁, β₂ and ε (PyTorch's defaults 0.9, 0.999, 1e-8).</summary>
    public abstract class AdamFamily : MtlOptimizerOptions
    {
        private protected AdamFamily()
        {
        }

        /// <summary>β₁ in [0, 1), decay of the first moment.</summary>
        public double Beta1 = 0.9;

        /// <summary>β₂ in [0, 1), decay of the second moment.</summary>
        public double Beta2 = 0.999;

        /// <summary>ε ≥ 0, added to √v̂.</summary>
        public double Epsilon = 1e-8;

        internal override void Validate(string path)
        {
            base.Validate(path);
            OptionChecks.InRange(Beta1, 0, 1, highInclusive: false, path + "." + nameof(Beta1));
            OptionChecks.InRange(Beta2, 0, 1, highInclusive: false, path + "." + nameof(Beta2));
            OptionChecks.NonNegativeFinite(Epsilon, path + "." + nameof(Epsilon));
        }
    }

    /// <summary>Adam (L2 weight decay added to the gradient).</summary>
    public sealed class Adam : AdamFamily
    {
        /// <inheritdoc />
        public override OptimizerKind Kind => OptimizerKind.Adam;
    }

    /// <summary>AdamW (decoupled weight decay: θ ← θ(1 − η·λ)).</summary>
    public sealed class AdamW : AdamFamily
    {
        /// <inheritdoc />
        public override OptimizerKind Kind => OptimizerKind.AdamW;
    }

    /// <summary>One Adam state per task on the shared parameters (Elich et al.); heads use plain Adam.</summary>
    public sealed class PerTaskAdam : AdamFamily
    {
        /// <inheritdoc />
        public override OptimizerKind Kind => OptimizerKind.PerTaskAdam;
    }
}

/// <summary>Learning-rate schedules (applied once per epoch), the kind of a <see cref="LearningRateScheduleOptions"/>.</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant.</summary>
    Constant,
    /// <summary>×γ every epoch (Kurin et al.: 0.95).</summary>
    Exponential,
    /// <summary>×γ every <see cref="LearningRateScheduleOptions.Step.StepSize"/> epochs (Xin et al.: 0.85 every 30).</summary>
    Step,
    /// <summary>Cosine annealing to 0 over MaxEpoch.</summary>
    Cosine,
}

/// <summary>
/// The learning-rate schedule (<c>Options.Schedule</c>), stepped once per epoch: one of the nested classes, e.g.
/// <c>Schedule = new LearningRateScheduleOptions.Exponential { Gamma = 0.95 }</c>. The default is <see cref="Constant"/>.
/// </summary>
public abstract class LearningRateScheduleOptions
{
    private protected LearningRateScheduleOptions()
    {
    }

    /// <summary>A copy the trainer keeps (numbers only).</summary>
    internal LearningRateScheduleOptions Copy() => (LearningRateScheduleOptions)MemberwiseClone();

    /// <summary>Which schedule these options configure.</summary>
    public abstract LearningRateSchedule Kind { get; }

    /// <summary>Checks the schedule's numbers; messages name <paramref name="path"/>.</summary>
    internal virtual void Validate(string path)
    {
    }

    /// <summary>Options of <paramref name="kind"/>, with γ and the step size where the schedule has them.</summary>
    /// <param name="kind">The schedule.</param>
    /// <param name="gamma">γ of the exponential and step schedules.</param>
    /// <param name="stepSize">Epochs between steps of the step schedule.</param>
    public static LearningRateScheduleOptions For(LearningRateSchedule kind, double gamma = 0.95, int stepSize = 30) => kind switch
    {
        LearningRateSchedule.Constant => new Constant(),
        LearningRateSchedule.Exponential => new Exponential { Gamma = gamma },
        LearningRateSchedule.Step => new Step { Gamma = gamma, StepSize = stepSize },
        LearningRateSchedule.Cosine => new Cosine(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown learning-rate schedule {kind}; accepted: {string.Join(", ", Enum.GetNames<LearningRateSchedule>())}."),
    };

    /// <summary>The same rate every epoch.</summary>
    public sealed class Constant : LearningRateScheduleOptions
    {
        /// <inheritdoc />
        public override LearningRateSchedule Kind => LearningRateSchedule.Constant;
    }

    /// <summary>×γ every epoch.</summary>
    public sealed class Exponential : LearningRateScheduleOptions
    {
        /// <inheritdoc />
        public override LearningRateSchedule Kind => LearningRateSchedule.Exponential;

        /// <summary>γ in (0, 1] (Kurin et al.: 0.95).</summary>
        public double Gamma = 0.95;

        internal override void Validate(string path) => OptionChecks.InRange(Gamma, 0, 1, highInclusive: true, path + "." + nameof(Gamma), lowInclusive: false);
    }

    /// <summary>×γ every <see cref="StepSize"/> epochs.</summary>
    public sealed class Step : LearningRateScheduleOptions
    {
        /// <inheritdoc />
        public override LearningRateSchedule Kind => LearningRateSchedule.Step;

        /// <summary>γ in (0, 1] (Xin et al.: 0.85).</summary>
        public double Gamma = 0.95;

        /// <summary>Epochs between steps, ≥ 1 (Xin et al.: 30).</summary>
        public int StepSize = 30;

        internal override void Validate(string path)
        {
            OptionChecks.InRange(Gamma, 0, 1, highInclusive: true, path + "." + nameof(Gamma), lowInclusive: false);
            OptionChecks.AtLeast(StepSize, 1, path + "." + nameof(StepSize));
        }
    }

    /// <summary>Cosine annealing to 0 over the run's MaxEpoch epochs.</summary>
    public sealed class Cosine : LearningRateScheduleOptions
    {
        /// <inheritdoc />
        public override LearningRateSchedule Kind => LearningRateSchedule.Cosine;
    }
}

/// <summary>Early stopping on the validation score (<c>Options.EarlyStopping</c>; needs a validation set).</summary>
public sealed class EarlyStoppingOptions
{
    /// <summary>Stop after this many epochs without a better validation score (0 = never stop early).</summary>
    public int Patience = 10;

    /// <summary>Keep the weights of the best validation epoch at the end.</summary>
    public bool KeepBestWeights = true;

    /// <summary>A copy the trainer keeps (numbers only).</summary>
    internal EarlyStoppingOptions Copy() => (EarlyStoppingOptions)MemberwiseClone();

    internal void Validate(string path) => OptionChecks.AtLeast(Patience, 0, path + "." + nameof(Patience));
}
