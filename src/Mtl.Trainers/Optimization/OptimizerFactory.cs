using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers;

/// <summary>Builds the TorchSharp optimizer and learning-rate scheduler the options ask for.</summary>
internal static class OptimizerFactory
{
    /// <summary>
    /// The optimizer of <see cref="MultiHeadNetworkTrainer.Options.Optimizer"/>. Per-task Adam keeps one state per task on
    /// <paramref name="shared"/>; every other kind treats all parameters alike.
    /// </summary>
    /// <param name="options">Trainer options (optimizer kind, learning rate, momentum, Nesterov, weight decay).</param>
    /// <param name="shared">Shared (trunk) parameters.</param>
    /// <param name="others">Heads' and the method's parameters.</param>
    /// <param name="tasks">Number of tasks.</param>
    /// <exception cref="ArgumentOutOfRangeException">An unknown kind or a hyperparameter out of range (named).</exception>
    public static OptimizerHelper Create(MultiHeadNetworkTrainer.Options options, IReadOnlyList<Parameter> shared, IReadOnlyList<Parameter> others, int tasks)
    {
        var (lr, decay) = CheckedRateAndDecay(options);
        var all = shared.Concat(others).ToArray();
        switch (options.Optimizer)
        {
            case OptimizerKind.Sgd:
                if (!(options.Momentum >= 0 && options.Momentum < 1))
                    throw new ArgumentOutOfRangeException(nameof(options), options.Momentum, $"Options.Momentum must be in [0, 1) for SGD; got {options.Momentum}.");
                if (options.Nesterov && options.Momentum == 0)
                    throw new ArgumentOutOfRangeException(nameof(options), options.Nesterov, "Options.Nesterov needs Options.Momentum > 0.");
                return optim.SGD(all, lr, momentum: options.Momentum, weight_decay: decay, nesterov: options.Nesterov);
            case OptimizerKind.SignSgd:
                // Plain signSGD (no momentum), as the studies use it; SignSgd itself also offers Signum's momentum.
                return new SignSgd(all, lr, momentum: 0, weightDecay: decay);
            case OptimizerKind.Adam:
                // TorchSharp's optim.Adam/AdamW update, taken over one flat buffer instead of op by op per tensor.
                return new FlatAdam(all, lr, weightDecay: decay);
            case OptimizerKind.AdamW:
                return new FlatAdam(all, lr, weightDecay: decay, decoupledWeightDecay: true);
            case OptimizerKind.PerTaskAdam:
                return PerTask(options, shared, others, tasks);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, $"Unknown optimizer kind {options.Optimizer}.");
        }
    }

    /// <summary>Per-task Adam (one state per task on <paramref name="shared"/>) with the options' learning rate and weight decay.</summary>
    public static PerTaskAdam PerTask(MultiHeadNetworkTrainer.Options options, IReadOnlyList<Parameter> shared, IReadOnlyList<Parameter> others, int tasks)
    {
        var (lr, decay) = CheckedRateAndDecay(options);
        return new PerTaskAdam(shared, tasks, others, lr, weightDecay: decay);
    }

    private static (double Rate, double Decay) CheckedRateAndDecay(MultiHeadNetworkTrainer.Options options)
    {
        double lr = options.LearningRate, decay = options.WeightDecay;
        if (!(lr > 0) || !double.IsFinite(lr))
            throw new ArgumentOutOfRangeException(nameof(options), lr, $"Options.LearningRate must be a positive finite number; got {lr}.");
        if (!(decay >= 0) || !double.IsFinite(decay))
            throw new ArgumentOutOfRangeException(nameof(options), decay, $"Options.WeightDecay must be a finite number ≥ 0; got {decay}.");
        return (lr, decay);
    }

    /// <summary>
    /// The scheduler of <see cref="MultiHeadNetworkTrainer.Options.Schedule"/>, stepped once per epoch: constant,
    /// ×γ per epoch, ×γ every <c>ScheduleStepSize</c> epochs, or cosine annealing to 0 over <c>MaxEpoch</c> epochs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">γ, the step size or MaxEpoch out of range (named).</exception>
    public static optim.lr_scheduler.LRScheduler Schedule(MultiHeadNetworkTrainer.Options options, optim.Optimizer optimizer)
    {
        switch (options.Schedule)
        {
            case LearningRateSchedule.Constant:
                return optim.lr_scheduler.LambdaLR(optimizer, _ => 1.0);
            case LearningRateSchedule.Exponential:
                return optim.lr_scheduler.ExponentialLR(optimizer, CheckedGamma(options));
            case LearningRateSchedule.Step:
                if (options.ScheduleStepSize < 1)
                    throw new ArgumentOutOfRangeException(nameof(options), options.ScheduleStepSize, $"Options.ScheduleStepSize must be ≥ 1 epoch; got {options.ScheduleStepSize}.");
                return optim.lr_scheduler.StepLR(optimizer, options.ScheduleStepSize, CheckedGamma(options));
            case LearningRateSchedule.Cosine:
                if (options.MaxEpoch < 1)
                    throw new ArgumentOutOfRangeException(nameof(options), options.MaxEpoch, $"The cosine schedule anneals over Options.MaxEpoch, which must be ≥ 1; got {options.MaxEpoch}.");
                return optim.lr_scheduler.CosineAnnealingLR(optimizer, options.MaxEpoch);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, $"Unknown learning-rate schedule {options.Schedule}.");
        }
    }

    private static double CheckedGamma(MultiHeadNetworkTrainer.Options options) =>
        options.ScheduleGamma > 0 && options.ScheduleGamma <= 1 ? options.ScheduleGamma
            : throw new ArgumentOutOfRangeException(nameof(options), options.ScheduleGamma, $"Options.ScheduleGamma must be in (0, 1]; got {options.ScheduleGamma}.");
}
