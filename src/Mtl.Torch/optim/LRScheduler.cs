namespace Mtl.Torch;

public static partial class torch
{
    public static partial class optim
    {
        /// <summary>
        /// Learning-rate schedulers (TorchSharp's <c>torch.optim.lr_scheduler</c>). Each <c>step()</c> (usually once per
        /// epoch, after the optimizer's steps) sets every parameter group's learning rate by PyTorch's chainable rule:
        /// the new rate is computed from the group's current rate, so changes made from outside compose with the schedule.
        /// Creating a scheduler performs PyTorch's initial step (epoch 0), which leaves the rates as they are.
        /// </summary>
        public static partial class lr_scheduler
        {
            /// <summary>Base of the schedulers: tracks the epoch and the base (initial) learning rates.</summary>
            public abstract class LRScheduler
            {
                private readonly List<ILearningRateController> groups;
                private List<double> lastLearningRates;

                /// <summary>Binds the scheduler to <paramref name="optimizer"/>'s current parameter groups.</summary>
                /// <param name="optimizer">The optimizer whose learning rates are scheduled.</param>
                /// <param name="last_epoch">The index of the last epoch when resuming (default −1: start; the groups'
                /// current rates become their initial rates).</param>
                protected LRScheduler(Optimizer optimizer, int last_epoch = -1)
                {
                    ArgumentNullException.ThrowIfNull(optimizer);
                    if (last_epoch < -1) throw new ArgumentOutOfRangeException(nameof(last_epoch), last_epoch, "last_epoch must be −1 (start) or the index of the last finished epoch.");
                    _optimizer = optimizer;
                    groups = optimizer.ParamGroups.ToList();
                    if (last_epoch == -1)
                        foreach (ILearningRateController g in groups) g.InitialLearningRate = g.LearningRate;
                    _base_lrs = groups.Select(g => g.InitialLearningRate).ToList();
                    _last_epoch = last_epoch;
                    lastLearningRates = groups.Select(g => g.LearningRate).ToList();
                }

                /// <summary>The scheduled optimizer.</summary>
                protected Optimizer _optimizer { get; }

                /// <summary>The initial learning rate of each group.</summary>
                protected IReadOnlyList<double> _base_lrs { get; }

                /// <summary>The index of the current epoch (−1 before the initial step).</summary>
                protected int _last_epoch { get; private set; }

                /// <summary>Number of steps taken, the initial one included.</summary>
                protected int _step_count { get; private set; }

                /// <summary>The index of the last epoch.</summary>
                public int last_epoch => _last_epoch;

                /// <summary>Advances the schedule by one epoch and sets the groups' learning rates.</summary>
                public virtual void step()
                {
                    _step_count += 1;
                    _last_epoch += 1;
                    // get_lr reads the groups' current rates: evaluate it once, before writing any of them.
                    List<double> rates = get_lr().ToList();
                    for (int i = 0; i < groups.Count; i++) groups[i].LearningRate = rates[i];
                    lastLearningRates = rates;
                }

                /// <summary>The learning rates set by the last step, one per group.</summary>
                public IList<double> get_last_lr() => lastLearningRates.ToList();

                /// <summary>The new learning rate of each group at epoch <see cref="_last_epoch"/> (chainable form).</summary>
                protected abstract IEnumerable<double> get_lr();

                /// <summary>The current learning rate of each scheduled group.</summary>
                protected IEnumerable<double> CurrentRates() => groups.Select(g => g.LearningRate);
            }

            /// <summary>Multiplies the learning rate by <paramref name="gamma"/> every <paramref name="step_size"/> epochs:
            /// lr(e) = base·gamma^⌊e/step_size⌋ when nothing else changes it.</summary>
            /// <param name="optimizer">The optimizer.</param>
            /// <param name="step_size">Period of the decay, in epochs (&gt; 0).</param>
            /// <param name="gamma">Multiplicative factor (default 0.1).</param>
            /// <param name="last_epoch">The index of the last epoch when resuming (default −1).</param>
            public static LRScheduler StepLR(Optimizer optimizer, int step_size, double gamma = 0.1, int last_epoch = -1) =>
                new impl.StepLR(optimizer, step_size, gamma, last_epoch);

            /// <summary>Multiplies the learning rate by <paramref name="gamma"/> at each milestone epoch:
            /// lr(e) = base·gamma^(number of milestones ≤ e).</summary>
            /// <param name="optimizer">The optimizer.</param>
            /// <param name="milestones">Epoch indices (a repeated milestone decays once per occurrence).</param>
            /// <param name="gamma">Multiplicative factor (default 0.1).</param>
            /// <param name="last_epoch">The index of the last epoch when resuming (default −1).</param>
            public static LRScheduler MultiStepLR(Optimizer optimizer, IList<int> milestones, double gamma = 0.1, int last_epoch = -1) =>
                new impl.MultiStepLR(optimizer, milestones, gamma, last_epoch);

            /// <summary>Multiplies the learning rate by <paramref name="gamma"/> every epoch: lr(e) = base·gamma^e.</summary>
            /// <param name="optimizer">The optimizer.</param>
            /// <param name="gamma">Multiplicative factor (default 0.1).</param>
            /// <param name="last_epoch">The index of the last epoch when resuming (default −1).</param>
            public static LRScheduler ExponentialLR(Optimizer optimizer, double gamma = 0.1, int last_epoch = -1) =>
                new impl.ExponentialLR(optimizer, gamma, last_epoch);

            /// <summary>Cosine annealing (SGDR without restarts): lr(e) = eta_min + (base − eta_min)·(1 + cos(π·e/T_max))/2,
            /// which keeps oscillating with period 2·T_max after T_max.</summary>
            /// <param name="optimizer">The optimizer.</param>
            /// <param name="T_max">Epochs from the base rate down to eta_min (&gt; 0).</param>
            /// <param name="eta_min">The minimum learning rate (default 0).</param>
            /// <param name="last_epoch">The index of the last epoch when resuming (default −1).</param>
            public static LRScheduler CosineAnnealingLR(Optimizer optimizer, double T_max, double eta_min = 0, int last_epoch = -1) =>
                new impl.CosineAnnealingLR(optimizer, T_max, eta_min, last_epoch);

            /// <summary>The scheduler classes behind the factory functions.</summary>
            public static class impl
            {
                /// <summary>See <see cref="lr_scheduler.StepLR"/>.</summary>
                public sealed class StepLR : LRScheduler
                {
                    private readonly int stepSize;
                    private readonly double gamma;

                    /// <summary>See <see cref="lr_scheduler.StepLR"/>.</summary>
                    /// <param name="optimizer">The optimizer.</param>
                    /// <param name="step_size">Period of the decay, in epochs.</param>
                    /// <param name="gamma">Multiplicative factor.</param>
                    /// <param name="last_epoch">The index of the last epoch when resuming.</param>
                    public StepLR(Optimizer optimizer, int step_size, double gamma = 0.1, int last_epoch = -1) : base(optimizer, last_epoch)
                    {
                        if (step_size <= 0) throw new ArgumentOutOfRangeException(nameof(step_size), step_size, "StepLR's step_size must be a positive number of epochs.");
                        stepSize = step_size;
                        this.gamma = gamma;
                        step();
                    }

                    /// <inheritdoc/>
                    protected override IEnumerable<double> get_lr() =>
                        _last_epoch == 0 || _last_epoch % stepSize != 0 ? CurrentRates() : CurrentRates().Select(lr => lr * gamma);
                }

                /// <summary>See <see cref="lr_scheduler.MultiStepLR"/>.</summary>
                public sealed class MultiStepLR : LRScheduler
                {
                    private readonly Dictionary<int, int> milestoneCounts;
                    private readonly double gamma;

                    /// <summary>See <see cref="lr_scheduler.MultiStepLR"/>.</summary>
                    /// <param name="optimizer">The optimizer.</param>
                    /// <param name="milestones">Epoch indices.</param>
                    /// <param name="gamma">Multiplicative factor.</param>
                    /// <param name="last_epoch">The index of the last epoch when resuming.</param>
                    public MultiStepLR(Optimizer optimizer, IList<int> milestones, double gamma = 0.1, int last_epoch = -1) : base(optimizer, last_epoch)
                    {
                        ArgumentNullException.ThrowIfNull(milestones);
                        milestoneCounts = milestones.GroupBy(m => m).ToDictionary(g => g.Key, g => g.Count());
                        this.gamma = gamma;
                        step();
                    }

                    /// <inheritdoc/>
                    protected override IEnumerable<double> get_lr() =>
                        milestoneCounts.TryGetValue(_last_epoch, out int count)
                            ? CurrentRates().Select(lr => lr * Math.Pow(gamma, count))
                            : CurrentRates();
                }

                /// <summary>See <see cref="lr_scheduler.ExponentialLR"/>.</summary>
                public sealed class ExponentialLR : LRScheduler
                {
                    private readonly double gamma;

                    /// <summary>See <see cref="lr_scheduler.ExponentialLR"/>.</summary>
                    /// <param name="optimizer">The optimizer.</param>
                    /// <param name="gamma">Multiplicative factor.</param>
                    /// <param name="last_epoch">The index of the last epoch when resuming.</param>
                    public ExponentialLR(Optimizer optimizer, double gamma = 0.1, int last_epoch = -1) : base(optimizer, last_epoch)
                    {
                        this.gamma = gamma;
                        step();
                    }

                    /// <inheritdoc/>
                    protected override IEnumerable<double> get_lr() =>
                        _last_epoch == 0 ? CurrentRates() : CurrentRates().Select(lr => lr * gamma);
                }

                /// <summary>See <see cref="lr_scheduler.CosineAnnealingLR"/>.</summary>
                public sealed class CosineAnnealingLR : LRScheduler
                {
                    private readonly double tMax;
                    private readonly double etaMin;

                    /// <summary>See <see cref="lr_scheduler.CosineAnnealingLR"/>.</summary>
                    /// <param name="optimizer">The optimizer.</param>
                    /// <param name="T_max">Epochs from the base rate down to eta_min.</param>
                    /// <param name="eta_min">The minimum learning rate.</param>
                    /// <param name="last_epoch">The index of the last epoch when resuming.</param>
                    public CosineAnnealingLR(Optimizer optimizer, double T_max, double eta_min = 0, int last_epoch = -1) : base(optimizer, last_epoch)
                    {
                        if (!(T_max > 0) || double.IsInfinity(T_max)) throw new ArgumentOutOfRangeException(nameof(T_max), T_max, "CosineAnnealingLR's T_max must be a positive, finite number of epochs.");
                        tMax = T_max;
                        etaMin = eta_min;
                        step();
                    }

                    /// <inheritdoc/>
                    protected override IEnumerable<double> get_lr()
                    {
                        int e = _last_epoch;
                        if (e == 0) return CurrentRates();
                        // Resuming at a later epoch: nothing to chain from yet, use the closed form.
                        if (_step_count == 1) return _base_lrs.Select(b => etaMin + (b - etaMin) * (1 + Math.Cos(Math.PI * e / tMax)) / 2);
                        // Leaving the minimum: the chain's ratio would be 0/0 there, so add the increment instead.
                        if ((e - 1 - tMax) % (2 * tMax) == 0)
                            return CurrentRates().Zip(_base_lrs, (lr, b) => lr + (b - etaMin) * (1 - Math.Cos(Math.PI / tMax)) / 2);
                        double ratio = (1 + Math.Cos(Math.PI * e / tMax)) / (1 + Math.Cos(Math.PI * (e - 1) / tMax));
                        return CurrentRates().Select(lr => ratio * (lr - etaMin) + etaMin);
                    }
                }
            }
        }
    }
}
