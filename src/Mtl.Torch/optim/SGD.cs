using Mtl.Torch.Modules;

namespace Mtl.Torch
{
    public static partial class torch
    {
        public static partial class optim
        {
            /// <summary>
            /// Stochastic gradient descent, optionally with momentum (PyTorch's <c>torch.optim.SGD</c>). Per parameter,
            /// with d = g + weight_decay·p (g negated when maximizing): b ← d on the first step, then
            /// b ← momentum·b + (1 − dampening)·d; d ← d + momentum·b (nesterov) or b; p ← p − lr·d.
            /// </summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="momentum">Momentum factor (default 0: plain SGD).</param>
            /// <param name="dampening">Dampening of the momentum (default 0).</param>
            /// <param name="weight_decay">L2 penalty added to the gradient (default 0).</param>
            /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0 and dampening 0).</param>
            /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
            public static Modules.SGD SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false) =>
                new(parameters, lr, momentum, dampening, weight_decay, nesterov, maximize);

            /// <summary>SGD over named parameters (as a module's <c>named_parameters()</c> gives them); the names are not used.</summary>
            /// <param name="parameters">The named parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="momentum">Momentum factor.</param>
            /// <param name="dampening">Dampening of the momentum.</param>
            /// <param name="weight_decay">L2 penalty.</param>
            /// <param name="nesterov">Nesterov momentum.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public static Modules.SGD SGD(IEnumerable<(string name, Parameter parameter)> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false) =>
                new(parameters.Select(np => np.parameter), lr, momentum, dampening, weight_decay, nesterov, maximize);

            /// <summary>SGD over parameter groups with their own options; the arguments are the defaults for unset options.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="momentum">Default momentum factor.</param>
            /// <param name="dampening">Default dampening.</param>
            /// <param name="weight_decay">Default L2 penalty.</param>
            /// <param name="nesterov">Default for Nesterov momentum.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public static Modules.SGD SGD(IEnumerable<Modules.SGD.ParamGroup> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false) =>
                new(parameters, lr, momentum, dampening, weight_decay, nesterov, maximize);
        }
    }

    namespace Modules
    {
        /// <summary>Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay (PyTorch's update rule).</summary>
        public class SGD : OptimizerHelper, torch.optim.IMomentum
        {
            /// <summary>SGD over <paramref name="parameters"/>; see <see cref="torch.optim.SGD(IEnumerable{Parameter}, double, double, double, double, bool, bool)"/>.</summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="momentum">Momentum factor.</param>
            /// <param name="dampening">Dampening of the momentum.</param>
            /// <param name="weight_decay">L2 penalty.</param>
            /// <param name="nesterov">Nesterov momentum.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                : this(new[] { new ParamGroup { Parameters = parameters } }, lr, momentum, dampening, weight_decay, nesterov, maximize)
            {
            }

            /// <summary>SGD over parameter groups; the arguments are the defaults for options a group leaves unset.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="momentum">Default momentum factor.</param>
            /// <param name="dampening">Default dampening.</param>
            /// <param name="weight_decay">Default L2 penalty.</param>
            /// <param name="nesterov">Default for Nesterov momentum.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public SGD(IEnumerable<ParamGroup> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                : base(new Options { LearningRate = lr, momentum = momentum, dampening = dampening, weight_decay = weight_decay, nesterov = nesterov, maximize = maximize })
            {
                ArgumentNullException.ThrowIfNull(parameters);
                foreach (ParamGroup g in parameters) add_param_group(g);
            }

            /// <summary>The default momentum; setting it changes every group (and the default of groups added later).</summary>
            public double Momentum
            {
                get => ((Options)_defaults).momentum!.Value;
                set => SetForAllGroups(o => ((Options)o).momentum = value);
            }

            /// <inheritdoc/>
            protected override OptimizerOptions NewOptions() => new Options();

            /// <inheritdoc/>
            protected override OptimizerState NewState(Parameter parameter, OptimizerOptions options) => new State(parameter);

            /// <inheritdoc/>
            protected override void UpdateParameter(Parameter parameter, Tensor grad, OptimizerState state, OptimizerOptions options)
            {
                var o = (Options)options;
                double momentum = o.momentum!.Value;
                Tensor d = EffectiveGradient(grad, parameter, o.weight_decay!.Value, o.maximize!.Value);
                if (momentum != 0)
                {
                    var s = (State)state;
                    Tensor? buffer = s.momentum_buffer;
                    if (buffer is null)
                    {
                        // PyTorch's first step: the buffer is the gradient itself, undamped.
                        buffer = d.clone();
                        s.momentum_buffer = buffer;
                    }
                    else
                    {
                        buffer.mul_(momentum).add_(d, 1 - o.dampening!.Value);
                    }
                    d = o.nesterov!.Value ? d.add(buffer, momentum) : buffer;
                }
                parameter.add_(d, -o.LearningRate!.Value);
            }

            /// <summary>SGD's per-parameter state: the momentum buffer (empty until the first step with momentum).</summary>
            public sealed class State : OptimizerState
            {
                /// <summary>Empty state for <paramref name="parameter"/>.</summary>
                public State(Parameter parameter) : base(parameter, nameof(momentum_buffer)) { }

                /// <summary>The momentum buffer b, or null before the first step.</summary>
                public Tensor? momentum_buffer
                {
                    get => Get(0);
                    set => Set(0, value);
                }
            }

            /// <summary>SGD's hyper-parameters (null = the optimizer's default).</summary>
            public sealed class Options : OptimizerOptions
            {
                /// <summary>Momentum factor.</summary>
                public double? momentum;
                /// <summary>Dampening of the momentum.</summary>
                public double? dampening;
                /// <summary>L2 penalty.</summary>
                public double? weight_decay;
                /// <summary>Nesterov momentum.</summary>
                public bool? nesterov;
                /// <summary>Maximize instead of minimize.</summary>
                public bool? maximize;

                /// <inheritdoc/>
                public override void LoadStateDict(OptimizerOptions source)
                {
                    base.LoadStateDict(source);
                    var o = (Options)source;
                    (momentum, dampening, weight_decay, nesterov, maximize) = (o.momentum, o.dampening, o.weight_decay, o.nesterov, o.maximize);
                }

                /// <inheritdoc/>
                public override void SaveStateDict(BinaryWriter writer)
                {
                    base.SaveStateDict(writer);
                    writer.Write(momentum!.Value);
                    writer.Write(dampening!.Value);
                    writer.Write(weight_decay!.Value);
                    writer.Write(nesterov!.Value);
                    writer.Write(maximize!.Value);
                }

                /// <inheritdoc/>
                public override void LoadStateDict(BinaryReader reader)
                {
                    base.LoadStateDict(reader);
                    momentum = reader.ReadDouble();
                    dampening = reader.ReadDouble();
                    weight_decay = reader.ReadDouble();
                    nesterov = reader.ReadBoolean();
                    maximize = reader.ReadBoolean();
                }

                /// <inheritdoc/>
                protected internal override void FillMissingFrom(OptimizerOptions defaults)
                {
                    base.FillMissingFrom(defaults);
                    var d = (Options)defaults;
                    momentum ??= d.momentum;
                    dampening ??= d.dampening;
                    weight_decay ??= d.weight_decay;
                    nesterov ??= d.nesterov;
                    maximize ??= d.maximize;
                }

                /// <inheritdoc/>
                protected internal override void Validate()
                {
                    base.Validate();
                    RequireRange(nameof(momentum), momentum, 0, double.PositiveInfinity);
                    RequireRange(nameof(dampening), dampening, double.NegativeInfinity, double.PositiveInfinity);
                    RequireRange(nameof(weight_decay), weight_decay, 0, double.PositiveInfinity);
                    RequireSet(nameof(nesterov), nesterov);
                    RequireSet(nameof(maximize), maximize);
                    if (nesterov == true && (momentum <= 0 || dampening != 0))
                        throw new ArgumentException($"Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum {momentum}, dampening {dampening}).");
                }
            }

            /// <summary>A parameter group of SGD with its own options.</summary>
            public sealed class ParamGroup : ParamGroup<Options>, torch.optim.IMomentum
            {
                /// <summary>An empty group.</summary>
                public ParamGroup() { }

                /// <summary>A group with an options record (null = all defaults).</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, Options? options) : base(parameters, options) { }

                /// <summary>A group with its own learning rate and options.</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false, bool maximize = false)
                    : base(parameters, new Options { LearningRate = lr, momentum = momentum, dampening = dampening, weight_decay = weight_decay, nesterov = nesterov, maximize = maximize })
                {
                }

                /// <summary>The group's momentum factor.</summary>
                public double Momentum
                {
                    get => Options?.momentum ?? throw new InvalidOperationException("The group's momentum is unset until it is added to an optimizer.");
                    set => (Options ??= new Options()).momentum = value;
                }
            }
        }
    }
}
