using Mtl.Torch.Modules;

namespace Mtl.Torch
{
    public static partial class torch
    {
        public static partial class optim
        {
            /// <summary>
            /// signSGD (Bernstein et al., 2018), with optional momentum ("Signum"). Not in PyTorch or TorchSharp: an
            /// addition for the optimizer studies. Per parameter, with d = g + weight_decay·p (g negated when
            /// maximizing): without momentum p ← p − lr·sign(d); with momentum β, m ← β·m + (1−β)·d (m starts at 0)
            /// and p ← p − lr·sign(m). The update's size per coordinate is exactly lr (0 where the direction is 0).
            /// </summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate: the step per coordinate.</param>
            /// <param name="momentum">Momentum β in [0, 1) (default 0: plain signSGD).</param>
            /// <param name="weight_decay">L2 penalty added to the gradient before the sign (default 0).</param>
            /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
            public static Modules.SignSGD SignSGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weight_decay = 0, bool maximize = false) =>
                new(parameters, lr, momentum, weight_decay, maximize);

            /// <summary>signSGD over named parameters (as a module's <c>named_parameters()</c> gives them); the names are not used.</summary>
            /// <param name="parameters">The named parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="momentum">Momentum β.</param>
            /// <param name="weight_decay">L2 penalty.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public static Modules.SignSGD SignSGD(IEnumerable<(string name, Parameter parameter)> parameters, double lr, double momentum = 0, double weight_decay = 0, bool maximize = false) =>
                new(parameters.Select(np => np.parameter), lr, momentum, weight_decay, maximize);

            /// <summary>signSGD over parameter groups with their own options; the arguments are the defaults for unset options.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="momentum">Default momentum.</param>
            /// <param name="weight_decay">Default L2 penalty.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public static Modules.SignSGD SignSGD(IEnumerable<Modules.SignSGD.ParamGroup> parameters, double lr, double momentum = 0, double weight_decay = 0, bool maximize = false) =>
                new(parameters, lr, momentum, weight_decay, maximize);
        }
    }

    namespace Modules
    {
        /// <summary>signSGD / Signum: steps by the sign of the gradient (or of its momentum average). Not a TorchSharp type.</summary>
        public class SignSGD : OptimizerHelper, torch.optim.IMomentum
        {
            /// <summary>signSGD over <paramref name="parameters"/>; see <see cref="torch.optim.SignSGD(IEnumerable{Parameter}, double, double, double, bool)"/>.</summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="momentum">Momentum β.</param>
            /// <param name="weight_decay">L2 penalty.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public SignSGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weight_decay = 0, bool maximize = false)
                : this(new[] { new ParamGroup { Parameters = parameters } }, lr, momentum, weight_decay, maximize)
            {
            }

            /// <summary>signSGD over parameter groups; the arguments are the defaults for options a group leaves unset.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="momentum">Default momentum β.</param>
            /// <param name="weight_decay">Default L2 penalty.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public SignSGD(IEnumerable<ParamGroup> parameters, double lr, double momentum = 0, double weight_decay = 0, bool maximize = false)
                : base(new Options { LearningRate = lr, momentum = momentum, weight_decay = weight_decay, maximize = maximize })
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
                    Tensor buffer = s.momentum_buffer ?? (s.momentum_buffer = torch.zeros_like(parameter));
                    d = buffer.mul_(momentum).add_(d, 1 - momentum);
                }
                parameter.add_(d.sign(), -o.LearningRate!.Value);
            }

            /// <summary>signSGD's per-parameter state: the momentum average (empty until the first step with momentum).</summary>
            public sealed class State : OptimizerState
            {
                /// <summary>Empty state for <paramref name="parameter"/>.</summary>
                public State(Parameter parameter) : base(parameter, nameof(momentum_buffer)) { }

                /// <summary>The momentum average m, or null before the first step with momentum.</summary>
                public Tensor? momentum_buffer
                {
                    get => Get(0);
                    set => Set(0, value);
                }
            }

            /// <summary>signSGD's hyper-parameters (null = the optimizer's default).</summary>
            public sealed class Options : OptimizerOptions
            {
                /// <summary>Momentum β.</summary>
                public double? momentum;
                /// <summary>L2 penalty.</summary>
                public double? weight_decay;
                /// <summary>Maximize instead of minimize.</summary>
                public bool? maximize;

                /// <inheritdoc/>
                public override void LoadStateDict(OptimizerOptions source)
                {
                    base.LoadStateDict(source);
                    var o = (Options)source;
                    (momentum, weight_decay, maximize) = (o.momentum, o.weight_decay, o.maximize);
                }

                /// <inheritdoc/>
                public override void SaveStateDict(BinaryWriter writer)
                {
                    base.SaveStateDict(writer);
                    writer.Write(momentum!.Value);
                    writer.Write(weight_decay!.Value);
                    writer.Write(maximize!.Value);
                }

                /// <inheritdoc/>
                public override void LoadStateDict(BinaryReader reader)
                {
                    base.LoadStateDict(reader);
                    momentum = reader.ReadDouble();
                    weight_decay = reader.ReadDouble();
                    maximize = reader.ReadBoolean();
                }

                /// <inheritdoc/>
                protected internal override void FillMissingFrom(OptimizerOptions defaults)
                {
                    base.FillMissingFrom(defaults);
                    var d = (Options)defaults;
                    momentum ??= d.momentum;
                    weight_decay ??= d.weight_decay;
                    maximize ??= d.maximize;
                }

                /// <inheritdoc/>
                protected internal override void Validate()
                {
                    base.Validate();
                    RequireRange(nameof(momentum), momentum, 0, 1);
                    RequireRange(nameof(weight_decay), weight_decay, 0, double.PositiveInfinity);
                    RequireSet(nameof(maximize), maximize);
                }
            }

            /// <summary>A parameter group of signSGD with its own options.</summary>
            public sealed class ParamGroup : ParamGroup<Options>
            {
                /// <summary>An empty group.</summary>
                public ParamGroup() { }

                /// <summary>A group with an options record (null = all defaults).</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, Options? options) : base(parameters, options) { }

                /// <summary>A group with its own learning rate and options.</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weight_decay = 0, bool maximize = false)
                    : base(parameters, new Options { LearningRate = lr, momentum = momentum, weight_decay = weight_decay, maximize = maximize })
                {
                }
            }
        }
    }
}
