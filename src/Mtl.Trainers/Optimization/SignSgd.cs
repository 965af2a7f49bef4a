using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers;

/// <summary>
/// signSGD (Bernstein et al., 2018) as a TorchSharp optimizer, which TorchSharp does not ship: θ ← θ − η·sign(m), with
/// m the gradient (plus weight_decay·θ), or its exponential average when momentum &gt; 0 (Signum). Parameter groups let
/// an <c>lr_scheduler</c> drive it; its state (momentum buffers) saves and loads with TorchSharp's optimizer format.
/// </summary>
internal sealed class SignSgd : OptimizerHelper
{
    /// <summary>Creates signSGD over one parameter group.</summary>
    /// <param name="parameters">Parameters to update.</param>
    /// <param name="lr">Learning rate (step length per coordinate), &gt; 0.</param>
    /// <param name="momentum">EMA factor of the gradient before the sign, in [0, 1) (0 = plain signSGD).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range.</exception>
    public SignSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr > 0) || !double.IsFinite(lr))
            throw new ArgumentOutOfRangeException(nameof(lr), lr, "signSGD's learning rate must be a positive finite number.");
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "signSGD's momentum must be in [0, 1).");
        if (!(weightDecay >= 0) || !double.IsFinite(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "signSGD's weight decay must be a finite number ≥ 0.");
        _defaults = new Options { LearningRate = lr, InitialLearningRate = lr, Momentum = momentum, WeightDecay = weightDecay };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        add_param_group(new ParamGroup<Options>(parameters, new Options()));
    }

    /// <inheritdoc />
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var defaults = (Options)_defaults;
        var options = param_group.Options as Options ?? new Options();
        options.LearningRate ??= defaults.LearningRate;
        options.Momentum ??= defaults.Momentum;
        options.WeightDecay ??= defaults.WeightDecay;
        options.InitialLearningRate = options.LearningRate!.Value;
        param_group.Options = options;
        _parameter_groups.Add(param_group);
        foreach (var p in param_group.Parameters)
        {
            var state = new State(p);
            state.Initialize(options);
            _state[p.Handle] = state;
        }
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<TorchSharp.Modules.ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        double lr = options.LearningRate!.Value, momentum = options.Momentum!.Value, decay = options.WeightDecay!.Value;
        foreach (var p in group.Parameters)
        {
            using var grad = p.grad;
            if (grad is null)
                continue;
            var state = (State)_state[p.Handle];
            Tensor direction = decay != 0 ? grad.add(p, decay) : grad;
            if (momentum != 0)
            {
                state.MomentumBuffer!.mul_(momentum).add_(direction, 1 - momentum);
                direction = state.MomentumBuffer;
            }
            using var sign = direction.sign();
            p.add_(sign, -lr);
        }
    }, closure)!;

    /// <summary>Hyperparameters of a group.</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>Momentum (EMA factor before the sign).</summary>
        public double? Momentum { get; set; }

        /// <summary>L2 weight decay.</summary>
        public double? WeightDecay { get; set; }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(Momentum!.Value);
            writer.Write(WeightDecay!.Value);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            Momentum = reader.ReadDouble();
            WeightDecay = reader.ReadDouble();
        }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            var other = (Options)source;
            (Momentum, WeightDecay) = (other.Momentum, other.WeightDecay);
        }
    }

    /// <summary>Per-parameter state: the momentum buffer (only with momentum).</summary>
    public sealed class State : OptimizerState, IDisposable
    {
        /// <summary>Creates the state of <paramref name="parameter"/>.</summary>
        public State(Parameter parameter) : base(parameter)
        {
        }

        /// <summary>EMA of the gradient (null without momentum).</summary>
        public Tensor? MomentumBuffer { get; private set; }

        /// <inheritdoc />
        public override void Initialize(OptimizerOptions options)
        {
            MomentumBuffer?.Dispose();
            MomentumBuffer = ((Options)options).Momentum is > 0 ? torch.zeros_like(_parameter).DetachFromDisposeScope() : null;
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer) => SaveConditionalStateTensor(writer, MomentumBuffer);

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            bool has = reader.ReadBoolean();
            if (has != MomentumBuffer is not null)
                throw new InvalidDataException("The saved signSGD state was written with a different momentum setting.");
            MomentumBuffer?.Load(reader);
        }

        /// <inheritdoc />
        public override void LoadStateDict(OptimizerState source)
        {
            var other = (State)source;
            if (other.MomentumBuffer is not null && MomentumBuffer is not null)
                MomentumBuffer.copy_(other.MomentumBuffer);
        }

        /// <inheritdoc />
        public void Dispose() => MomentumBuffer?.Dispose();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            foreach (var entry in _state)
                ((State)entry.Item2).Dispose();
    }
}
