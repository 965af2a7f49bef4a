using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers;

/// <summary>Builds the TorchSharp optimizer and learning-rate scheduler the options ask for (already validated by the trainer).</summary>
internal static class OptimizerFactory
{
    /// <summary>
    /// The optimizer of <see cref="MultiHeadNetworkTrainer.Options.Optimizer"/>. Per-task Adam keeps one state per task on
    /// <paramref name="shared"/>; every other kind treats all parameters alike.
    /// </summary>
    /// <param name="options">Trainer options (their <c>Optimizer</c>).</param>
    /// <param name="shared">Shared (trunk) parameters.</param>
    /// <param name="others">Heads' and the method's parameters.</param>
    /// <param name="tasks">Number of tasks.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter out of range (named by its option path).</exception>
    public static OptimizerHelper Create(MultiHeadNetworkTrainer.Options options, IReadOnlyList<Parameter> shared, IReadOnlyList<Parameter> others, int tasks)
    {
        MtlOptimizerOptions o = Checked(options);
        var all = shared.Concat(others).ToArray();
        switch (o)
        {
            case MtlOptimizerOptions.Sgd sgd:
                return optim.SGD(all, sgd.LearningRate, momentum: sgd.Momentum, weight_decay: sgd.WeightDecay, nesterov: sgd.Nesterov);
            case MtlOptimizerOptions.SignSgd:
                // Plain signSGD (no momentum), as the studies use it; SignSgd itself also offers Signum's momentum.
                return new SignSgd(all, o.LearningRate, momentum: 0, weightDecay: o.WeightDecay);
            case MtlOptimizerOptions.Adam adam:
                // TorchSharp's optim.Adam/AdamW update, taken over one flat buffer instead of op by op per tensor.
                return new FlatAdam(all, adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon, adam.WeightDecay);
            case MtlOptimizerOptions.AdamW adamW:
                return new FlatAdam(all, adamW.LearningRate, adamW.Beta1, adamW.Beta2, adamW.Epsilon, adamW.WeightDecay, decoupledWeightDecay: true);
            case MtlOptimizerOptions.PerTaskAdam:
                return PerTask(options, shared, others, tasks);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), o.Kind, $"Unknown optimizer kind {o.Kind}.");
        }
    }

    /// <summary>Per-task Adam (one state per task on <paramref name="shared"/>) with the options' hyperparameters.</summary>
    public static PerTaskAdam PerTask(MultiHeadNetworkTrainer.Options options, IReadOnlyList<Parameter> shared, IReadOnlyList<Parameter> others, int tasks)
    {
        var o = Checked(options) as MtlOptimizerOptions.AdamFamily
            ?? throw new ArgumentException($"Per-task Adam needs Adam-family options; Options.Optimizer is {options.Optimizer.Kind}.", nameof(options));
        return new PerTaskAdam(shared, tasks, others, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay);
    }

    // The trainer validates at construction; tests and benchmarks that build steps directly get the same messages here.
    private static MtlOptimizerOptions Checked(MultiHeadNetworkTrainer.Options options)
    {
        OptionChecks.NotNull(options.Optimizer, "Options.Optimizer", "optimizer options");
        options.Optimizer.Validate("Options.Optimizer");
        return options.Optimizer;
    }

    /// <summary>
    /// The scheduler of <see cref="MultiHeadNetworkTrainer.Options.Schedule"/>, stepped once per epoch: constant,
    /// ×γ per epoch, ×γ every <c>StepSize</c> epochs, or cosine annealing to 0 over <c>MaxEpoch</c> epochs.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">γ, the step size or MaxEpoch out of range (named).</exception>
    public static optim.lr_scheduler.LRScheduler Schedule(MultiHeadNetworkTrainer.Options options, optim.Optimizer optimizer)
    {
        OptionChecks.NotNull(options.Schedule, "Options.Schedule", "schedule options");
        options.Schedule.Validate("Options.Schedule");
        switch (options.Schedule)
        {
            case LearningRateScheduleOptions.Constant:
                return optim.lr_scheduler.LambdaLR(optimizer, _ => 1.0);
            case LearningRateScheduleOptions.Exponential e:
                return optim.lr_scheduler.ExponentialLR(optimizer, e.Gamma);
            case LearningRateScheduleOptions.Step s:
                return optim.lr_scheduler.StepLR(optimizer, s.StepSize, s.Gamma);
            case LearningRateScheduleOptions.Cosine:
                // An automatic MaxEpoch is resolved before the step is built; a direct caller must set it.
                int epochs = options.MaxEpoch ?? throw new ArgumentException("The cosine schedule anneals over Options.MaxEpoch, which is not resolved yet; set it.", nameof(options));
                OptionChecks.AtLeast(epochs, 1, "Options.MaxEpoch");
                return optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Schedule.Kind, $"Unknown learning-rate schedule {options.Schedule.Kind}.");
        }
    }
}
