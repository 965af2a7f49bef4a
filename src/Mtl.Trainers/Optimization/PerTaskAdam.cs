using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Mtl.Trainers.Engine;

namespace Mtl.Trainers;

/// <summary>
/// Adam with one state per task on the shared parameters (Elich et al.), as a TorchSharp optimizer. Task i's weighted
/// shared gradient wᵢgᵢ is normalised by its own first and second moments and the shared update is the sum of the T
/// normalised directions, which makes it invariant to a constant scale of any single task's loss (up to ε), like a
/// head's update under Adam. Two parameter groups: the shared parameters (moments T×nₚ, fed through
/// <see cref="StageTaskGradients"/>) and all others (heads, method parameters: plain Adam on <c>.grad</c>), so an
/// <c>lr_scheduler</c> drives both and the state saves and loads in TorchSharp's optimizer format.
/// </summary>
/// <remarks>Weight decay: decoupled (θ ← θ(1 − η·λ)) on the shared group, where an L2 term has no task to belong to;
/// L2 added to the gradient on the other group, as Adam does.</remarks>
internal sealed class PerTaskAdam : OptimizerHelper
{
    private readonly int _tasks;
    private readonly Parameter[] _shared;
    private Tensor[]? _staged;

    /// <summary>Creates per-task Adam.</summary>
    /// <param name="shared">Shared parameters (one Adam state per task).</param>
    /// <param name="tasks">Number of tasks T ≥ 1.</param>
    /// <param name="others">All other trainable parameters (plain Adam).</param>
    /// <param name="lr">Learning rate &gt; 0.</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="eps">ε ≥ 0.</param>
    /// <param name="weightDecay">Weight decay ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public PerTaskAdam(IEnumerable<Parameter> shared, int tasks, IEnumerable<Parameter> others, double lr = 1e-3,
        double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(shared);
        ArgumentNullException.ThrowIfNull(others);
        ArgumentOutOfRangeException.ThrowIfLessThan(tasks, 1);
        AdamOptions.Check("Per-task Adam", lr, beta1, beta2, eps, weightDecay);
        _tasks = tasks;
        _shared = shared.ToArray();
        _defaults = new Options { LearningRate = lr, InitialLearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay, PerTask = false };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        add_param_group(new ParamGroup<Options>(_shared, new Options { PerTask = true }));
        add_param_group(new ParamGroup<Options>(others.ToArray(), new Options { PerTask = false }));
    }

    /// <summary>Number of tasks.</summary>
    public int TaskCount => _tasks;

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        if (_parameter_groups.Count >= 2)
            throw new NotSupportedException("Per-task Adam has exactly two parameter groups (shared, others); create a new optimizer for other parameters.");
        var defaults = (Options)_defaults;
        var options = param_group.Options as Options ?? new Options();
        options.Fill(defaults);
        param_group.Options = options;
        _parameter_groups.Add(param_group);
        foreach (var p in param_group.Parameters)
        {
            var state = new State(p, options.PerTask!.Value ? _tasks : 0);
            state.Initialize(options);
            _state[p.Handle] = state;
        }
    }

    /// <summary>
    /// Hands the step's per-task shared gradients to the optimizer (row i scaled by wᵢ; no weights = 1). The next
    /// <see cref="step"/> consumes them; <see cref="zero_grad"/> drops them.
    /// </summary>
    /// <param name="gradients">T×nₚ per-task gradients of the shared parameters, in their order.</param>
    /// <param name="weights">T task weights, or null.</param>
    /// <exception cref="ArgumentException">Wrong task or tensor count.</exception>
    internal void StageTaskGradients(StackedGradients gradients, IReadOnlyList<double>? weights)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (gradients.TaskCount != _tasks || gradients.TensorCount != _shared.Length)
            throw new ArgumentException($"Per-task Adam expects {_tasks} tasks × {_shared.Length} shared tensors; got {gradients.TaskCount} × {gradients.TensorCount}.", nameof(gradients));
        if (weights is not null && weights.Count != _tasks)
            throw new ArgumentException($"Per-task Adam got {weights.Count} task weights for {_tasks} tasks.", nameof(weights));
        DropStaged();
        using var noGrad = torch.no_grad();
        using var w = weights is null ? null : torch.tensor(weights.ToArray(), new long[] { _tasks, 1 }, gradients[0].dtype, gradients[0].device);
        _staged = new Tensor[_shared.Length];
        for (int p = 0; p < _shared.Length; p++)
            _staged[p] = (w is null ? gradients[p].clone() : gradients[p] * w).DetachFromDisposeScope();
    }

    /// <summary>Scales the staged task gradients so that the combined shared gradient Σᵢ wᵢgᵢ has norm ≤ <paramref name="maxNorm"/> (as clip_grad_norm_ does).</summary>
    /// <param name="maxNorm">Maximum norm &gt; 0.</param>
    public void ClipStagedCombinedNorm(double maxNorm)
    {
        if (_staged is null)
            throw new InvalidOperationException("No per-task gradients are staged to clip; stage them with StageTaskGradients first.");
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        double squared = 0;
        foreach (var g in _staged)
            squared += g.sum(0L).pow(2).sum().to_type(ScalarType.Float64).item<double>();
        double coefficient = maxNorm / (Math.Sqrt(squared) + 1e-6);
        if (coefficient < 1)
            foreach (var g in _staged)
                g.mul_(coefficient);
    }

    /// <summary>Zeroes the gradients of all parameters and drops staged task gradients.</summary>
    public override void zero_grad()
    {
        base.zero_grad();
        DropStaged();
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null)
    {
        var result = _step<TorchSharp.Modules.ParamGroup>(group =>
        {
            var options = (Options)group.Options;
            if (options.PerTask!.Value)
                PerTaskStep(options);
            else
                PlainStep(group, options);
        }, closure);
        DropStaged();
        return result!;
    }

    private void PerTaskStep(Options options)
    {
        if (_shared.Length == 0)
            return;
        if (_staged is null)
            throw new InvalidOperationException(
                "Per-task Adam has no per-task gradients of the shared parameters for this step: the training step must call StageTaskGradients before step().");
        double lr = options.LearningRate!.Value, beta1 = options.Beta1!.Value, beta2 = options.Beta2!.Value, eps = options.Eps!.Value, decay = options.WeightDecay!.Value;
        for (int p = 0; p < _shared.Length; p++)
        {
            var state = (State)_state[_shared[p].Handle];
            state.Step++;
            double bias1 = 1 - Math.Pow(beta1, state.Step), bias2 = 1 - Math.Pow(beta2, state.Step);
            Tensor g = _staged[p];
            state.ExpAvg.mul_(beta1).add_(g, 1 - beta1);
            state.ExpAvgSq.mul_(beta2).addcmul_(g, g, 1 - beta2);
            Tensor denominator = (state.ExpAvgSq / bias2).sqrt_().add_(eps);
            Tensor direction = (state.ExpAvg / denominator).sum(0L).view(_shared[p].shape);
            if (decay != 0)
                _shared[p].mul_(1 - lr * decay);
            _shared[p].add_(direction, -lr / bias1);
        }
    }

    private void PlainStep(TorchSharp.Modules.ParamGroup group, Options options)
    {
        foreach (var p in group.Parameters)
        {
            var gradient = p.grad;
            if (gradient is null)
                continue;
            var state = (State)_state[p.Handle];
            state.Step++;
            AdamUpdate.Apply(p, gradient, state.ExpAvg, state.ExpAvgSq, state.Step, options.LearningRate!.Value, options, decoupledWeightDecay: false);
        }
    }

    private void DropStaged()
    {
        if (_staged is null)
            return;
        foreach (var t in _staged)
            t.Dispose();
        _staged = null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
            return;
        DropStaged();
        foreach (var entry in _state)
            ((State)entry.Item2).Dispose();
    }

    /// <summary>Hyperparameters of a group.</summary>
    public sealed class Options : AdamOptions
    {
        /// <summary>True for the shared group (one state per task).</summary>
        public bool? PerTask { get; set; }

        internal void Fill(Options defaults)
        {
            FillFrom(defaults);
            PerTask ??= defaults.PerTask;
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(PerTask!.Value);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            bool perTask = reader.ReadBoolean();
            if (perTask != PerTask)
                throw new InvalidDataException("The saved per-task Adam state has its parameter groups in another order.");
        }
    }

    /// <summary>Per-parameter state: step count and moments (T×n for shared parameters, the parameter's shape otherwise).</summary>
    public sealed class State : AdamMomentState
    {
        private readonly int _tasks;

        /// <summary>Creates the state of <paramref name="parameter"/> (<paramref name="tasks"/> &gt; 0: one row per task).</summary>
        public State(Parameter parameter, int tasks) : base(parameter) => _tasks = tasks;

        /// <inheritdoc />
        public override void Initialize(OptimizerOptions options)
        {
            long[] shape = _tasks > 0 ? [_tasks, _parameter.numel()] : _parameter.shape;
            SetMoments(torch.zeros(shape, _parameter.dtype, _parameter.device).DetachFromDisposeScope(),
                torch.zeros(shape, _parameter.dtype, _parameter.device).DetachFromDisposeScope());
        }
    }
}
