using Mtl.Torch.Modules;

namespace Mtl.Torch
{
    public static partial class torch
    {
        public static partial class optim
        {
            /// <summary>
            /// Adam (Kingma &amp; Ba, 2015; PyTorch's <c>torch.optim.Adam</c>). Per parameter, with g the gradient (negated
            /// when maximizing) plus weight_decay·p (an L2 penalty, coupled with the moments): m ← β₁m + (1−β₁)g,
            /// v ← β₂v + (1−β₂)g², v̂ = max(v̂, v) with amsgrad, p ← p − lr/(1−β₁ᵗ) · m / (√v̂/√(1−β₂ᵗ) + eps).
            /// </summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate (default 1e-3).</param>
            /// <param name="beta1">Decay of the first-moment average (default 0.9).</param>
            /// <param name="beta2">Decay of the second-moment average (default 0.999).</param>
            /// <param name="eps">Added to the denominator for stability (default 1e-8).</param>
            /// <param name="weight_decay">L2 penalty added to the gradient (default 0).</param>
            /// <param name="amsgrad">Use the running maximum of the second moment (AMSGrad).</param>
            /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
            public static Modules.Adam Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false) =>
                new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            /// <summary>Adam over named parameters (as a module's <c>named_parameters()</c> gives them); the names are not used.</summary>
            /// <param name="parameters">The named parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="beta1">First-moment decay.</param>
            /// <param name="beta2">Second-moment decay.</param>
            /// <param name="eps">Denominator term.</param>
            /// <param name="weight_decay">L2 penalty.</param>
            /// <param name="amsgrad">AMSGrad.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public static Modules.Adam Adam(IEnumerable<(string name, Parameter parameter)> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false) =>
                new(parameters.Select(np => np.parameter), lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            /// <summary>Adam over parameter groups with their own options; the arguments are the defaults for unset options.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="beta1">Default first-moment decay.</param>
            /// <param name="beta2">Default second-moment decay.</param>
            /// <param name="eps">Default denominator term.</param>
            /// <param name="weight_decay">Default L2 penalty.</param>
            /// <param name="amsgrad">Default for AMSGrad.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public static Modules.Adam Adam(IEnumerable<Modules.Adam.ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false) =>
                new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            /// <summary>
            /// AdamW (Loshchilov &amp; Hutter, 2019; PyTorch's <c>torch.optim.AdamW</c>): Adam whose weight decay is decoupled
            /// from the moments, p ← p·(1 − lr·weight_decay) before the Adam step on the plain gradient.
            /// </summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate (default 1e-3).</param>
            /// <param name="beta1">Decay of the first-moment average (default 0.9).</param>
            /// <param name="beta2">Decay of the second-moment average (default 0.999).</param>
            /// <param name="eps">Added to the denominator for stability (default 1e-8).</param>
            /// <param name="weight_decay">Decoupled weight decay (default 0.01).</param>
            /// <param name="amsgrad">Use the running maximum of the second moment (AMSGrad).</param>
            /// <param name="maximize">Maximize the objective instead of minimizing it.</param>
            public static Modules.AdamW AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false) =>
                new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            /// <summary>AdamW over named parameters (as a module's <c>named_parameters()</c> gives them); the names are not used.</summary>
            /// <param name="parameters">The named parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="beta1">First-moment decay.</param>
            /// <param name="beta2">Second-moment decay.</param>
            /// <param name="eps">Denominator term.</param>
            /// <param name="weight_decay">Decoupled weight decay.</param>
            /// <param name="amsgrad">AMSGrad.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public static Modules.AdamW AdamW(IEnumerable<(string name, Parameter parameter)> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false) =>
                new(parameters.Select(np => np.parameter), lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);

            /// <summary>AdamW over parameter groups with their own options; the arguments are the defaults for unset options.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="beta1">Default first-moment decay.</param>
            /// <param name="beta2">Default second-moment decay.</param>
            /// <param name="eps">Default denominator term.</param>
            /// <param name="weight_decay">Default decoupled weight decay.</param>
            /// <param name="amsgrad">Default for AMSGrad.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public static Modules.AdamW AdamW(IEnumerable<Modules.AdamW.ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false) =>
                new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);
        }
    }

    namespace Modules
    {
        /// <summary>The Adam optimizer with L2 weight decay, AMSGrad and maximize (PyTorch's update rule). <see cref="AdamW"/> derives from it.</summary>
        public class Adam : OptimizerHelper, torch.optim.IBetas
        {
            private readonly bool decoupledWeightDecay;

            /// <summary>Adam over <paramref name="parameters"/>; see <see cref="torch.optim.Adam(IEnumerable{Parameter}, double, double, double, double, double, bool, bool)"/>.</summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="beta1">First-moment decay.</param>
            /// <param name="beta2">Second-moment decay.</param>
            /// <param name="eps">Denominator term.</param>
            /// <param name="weight_decay">L2 penalty.</param>
            /// <param name="amsgrad">AMSGrad.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                : this(new[] { new ParamGroup { Parameters = parameters } }, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
            {
            }

            /// <summary>Adam over parameter groups; the arguments are the defaults for options a group leaves unset.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="beta1">Default first-moment decay.</param>
            /// <param name="beta2">Default second-moment decay.</param>
            /// <param name="eps">Default denominator term.</param>
            /// <param name="weight_decay">Default L2 penalty.</param>
            /// <param name="amsgrad">Default for AMSGrad.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public Adam(IEnumerable<ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                : this(parameters, new Options { LearningRate = lr, beta1 = beta1, beta2 = beta2, eps = eps, weight_decay = weight_decay, amsgrad = amsgrad, maximize = maximize }, decoupledWeightDecay: false)
            {
            }

            /// <summary>The shared constructor: AdamW passes its own options type and decoupled weight decay.</summary>
            private protected Adam(IEnumerable<Modules.ParamGroup> parameters, Options defaults, bool decoupledWeightDecay) : base(defaults)
            {
                ArgumentNullException.ThrowIfNull(parameters);
                this.decoupledWeightDecay = decoupledWeightDecay;
                foreach (Modules.ParamGroup g in parameters) add_param_group(g);
            }

            /// <summary>The default (β₁, β₂); setting them changes every group (and the default of groups added later).</summary>
            public (double, double) Betas
            {
                get => (((Options)_defaults).beta1!.Value, ((Options)_defaults).beta2!.Value);
                set => SetForAllGroups(o => (((Options)o).beta1, ((Options)o).beta2) = value);
            }

            /// <inheritdoc/>
            protected override OptimizerOptions NewOptions() => new Options();

            /// <inheritdoc/>
            protected override OptimizerState NewState(Parameter parameter, OptimizerOptions options) => new State(parameter);

            /// <inheritdoc/>
            protected override void UpdateParameter(Parameter parameter, Tensor grad, OptimizerState state, OptimizerOptions options)
            {
                var o = (Options)options;
                var s = (State)state;
                double lr = o.LearningRate!.Value, beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, weight_decay = o.weight_decay!.Value;

                s.step += 1;
                double bias_correction1 = 1 - Math.Pow(beta1, s.step);
                double bias_correction2 = 1 - Math.Pow(beta2, s.step);
                Tensor? max = o.amsgrad!.Value ? s.max_exp_avg_sq ?? (s.max_exp_avg_sq = NewZerosLike(s)) : null;
                // One fused native update per parameter (a single pass over contiguous CPU tensors) instead of ~6
                // element-wise ops; same rule as PyTorch: m/bc1 / (√v/√bc2 + eps), L2 or decoupled decay, maximize, AMSGrad.
                Native.Check.Status(Native.NativeMethods.mt_adam_update(parameter.Handle, grad.Handle, s.exp_avg.Handle, s.exp_avg_sq.Handle,
                    max?.Handle ?? IntPtr.Zero, lr, beta1, beta2, o.eps!.Value, weight_decay, bias_correction1, bias_correction2,
                    decoupledWeightDecay ? 1 : 0, o.maximize!.Value ? 1 : 0));
            }

            private static Tensor NewZerosLike(State s) => torch.zeros_like(s.exp_avg);

            /// <summary>Adam's per-parameter state: step count, first and second moments, and the AMSGrad maximum.</summary>
            public sealed class State : OptimizerState
            {
                /// <summary>Zero moments for <paramref name="parameter"/> (the AMSGrad slot stays empty until needed).</summary>
                public State(Parameter parameter) : base(parameter, nameof(exp_avg), nameof(exp_avg_sq), nameof(max_exp_avg_sq))
                {
                    Set(0, NewZeros());
                    Set(1, NewZeros());
                }

                /// <summary>First moment m.</summary>
                public Tensor exp_avg => Get(0)!;

                /// <summary>Second moment v.</summary>
                public Tensor exp_avg_sq => Get(1)!;

                /// <summary>AMSGrad's running maximum v̂ of v; null unless amsgrad.</summary>
                public Tensor? max_exp_avg_sq
                {
                    get => Get(2);
                    set => Set(2, value);
                }

                /// <inheritdoc/>
                public override void LoadStateDict(OptimizerState source)
                {
                    base.LoadStateDict(source);
                    // The moments always exist: a source cannot empty them.
                    if (Get(0) is null) Set(0, NewZeros());
                    if (Get(1) is null) Set(1, NewZeros());
                }
            }

            /// <summary>Adam's hyper-parameters (null = the optimizer's default).</summary>
            public class Options : OptimizerOptions
            {
                /// <summary>First-moment decay β₁.</summary>
                public double? beta1;
                /// <summary>Second-moment decay β₂.</summary>
                public double? beta2;
                /// <summary>Denominator term.</summary>
                public double? eps;
                /// <summary>Weight decay (L2 for Adam, decoupled for AdamW).</summary>
                public double? weight_decay;
                /// <summary>AMSGrad.</summary>
                public bool? amsgrad;
                /// <summary>Maximize instead of minimize.</summary>
                public bool? maximize;

                /// <inheritdoc/>
                public override void LoadStateDict(OptimizerOptions source)
                {
                    base.LoadStateDict(source);
                    var o = (Options)source;
                    (beta1, beta2, eps, weight_decay, amsgrad, maximize) = (o.beta1, o.beta2, o.eps, o.weight_decay, o.amsgrad, o.maximize);
                }

                /// <inheritdoc/>
                public override void SaveStateDict(BinaryWriter writer)
                {
                    base.SaveStateDict(writer);
                    writer.Write(beta1!.Value);
                    writer.Write(beta2!.Value);
                    writer.Write(eps!.Value);
                    writer.Write(weight_decay!.Value);
                    writer.Write(amsgrad!.Value);
                    writer.Write(maximize!.Value);
                }

                /// <inheritdoc/>
                public override void LoadStateDict(BinaryReader reader)
                {
                    base.LoadStateDict(reader);
                    beta1 = reader.ReadDouble();
                    beta2 = reader.ReadDouble();
                    eps = reader.ReadDouble();
                    weight_decay = reader.ReadDouble();
                    amsgrad = reader.ReadBoolean();
                    maximize = reader.ReadBoolean();
                }

                /// <inheritdoc/>
                protected internal override void FillMissingFrom(OptimizerOptions defaults)
                {
                    base.FillMissingFrom(defaults);
                    var d = (Options)defaults;
                    beta1 ??= d.beta1;
                    beta2 ??= d.beta2;
                    eps ??= d.eps;
                    weight_decay ??= d.weight_decay;
                    amsgrad ??= d.amsgrad;
                    maximize ??= d.maximize;
                }

                /// <inheritdoc/>
                protected internal override void Validate()
                {
                    base.Validate();
                    RequireRange(nameof(beta1), beta1, 0, 1);
                    RequireRange(nameof(beta2), beta2, 0, 1);
                    RequireRange(nameof(eps), eps, 0, double.PositiveInfinity);
                    RequireRange(nameof(weight_decay), weight_decay, 0, double.PositiveInfinity);
                    RequireSet(nameof(amsgrad), amsgrad);
                    RequireSet(nameof(maximize), maximize);
                }
            }

            /// <summary>A parameter group of Adam with its own options.</summary>
            public class ParamGroup : ParamGroup<Options>, torch.optim.IBetas
            {
                /// <summary>An empty group.</summary>
                public ParamGroup() { }

                /// <summary>A group with an options record (null = all defaults).</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, Options? options) : base(parameters, options) { }

                /// <summary>A group with its own learning rate and options.</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
                    : base(parameters, new Options { LearningRate = lr, beta1 = beta1, beta2 = beta2, eps = eps, weight_decay = weight_decay, amsgrad = amsgrad, maximize = maximize })
                {
                }

                /// <summary>The group's (β₁, β₂).</summary>
                public (double, double) Betas
                {
                    get => Options is { beta1: double b1, beta2: double b2 } ? (b1, b2) : throw new InvalidOperationException("The group's betas are unset until it is added to an optimizer.");
                    set => ((Options ??= NewGroupOptions()).beta1, Options.beta2) = value;
                }

                /// <summary>The options record a group gets when one is set before the group has options.</summary>
                private protected virtual Options NewGroupOptions() => new();
            }
        }

        /// <summary>AdamW: Adam with decoupled weight decay (PyTorch's update rule); the default weight_decay is 0.01.</summary>
        public class AdamW : Adam
        {
            /// <summary>AdamW over <paramref name="parameters"/>; see <see cref="torch.optim.AdamW(IEnumerable{Parameter}, double, double, double, double, double, bool, bool)"/>.</summary>
            /// <param name="parameters">The parameters to optimize.</param>
            /// <param name="lr">Learning rate.</param>
            /// <param name="beta1">First-moment decay.</param>
            /// <param name="beta2">Second-moment decay.</param>
            /// <param name="eps">Denominator term.</param>
            /// <param name="weight_decay">Decoupled weight decay.</param>
            /// <param name="amsgrad">AMSGrad.</param>
            /// <param name="maximize">Maximize instead of minimize.</param>
            public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false)
                : this(new[] { new ParamGroup { Parameters = parameters } }, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
            {
            }

            /// <summary>AdamW over parameter groups; the arguments are the defaults for options a group leaves unset.</summary>
            /// <param name="parameters">The parameter groups.</param>
            /// <param name="lr">Default learning rate.</param>
            /// <param name="beta1">Default first-moment decay.</param>
            /// <param name="beta2">Default second-moment decay.</param>
            /// <param name="eps">Default denominator term.</param>
            /// <param name="weight_decay">Default decoupled weight decay.</param>
            /// <param name="amsgrad">Default for AMSGrad.</param>
            /// <param name="maximize">Default for maximizing.</param>
            public AdamW(IEnumerable<ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false)
                : base(parameters, new Options { LearningRate = lr, beta1 = beta1, beta2 = beta2, eps = eps, weight_decay = weight_decay, amsgrad = amsgrad, maximize = maximize }, decoupledWeightDecay: true)
            {
            }

            /// <inheritdoc/>
            protected override OptimizerOptions NewOptions() => new Options();

            /// <summary>AdamW's hyper-parameters: Adam's, with weight_decay decoupled.</summary>
            public new sealed class Options : Adam.Options { }

            /// <summary>A parameter group of AdamW with its own options (its options record is an <see cref="Options"/>).</summary>
            public new sealed class ParamGroup : Adam.ParamGroup
            {
                /// <summary>An empty group.</summary>
                public ParamGroup() { }

                /// <summary>A group with an options record (null = all defaults).</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, Options? options) : base(parameters, options) { }

                /// <summary>A group with its own learning rate and options.</summary>
                public ParamGroup(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.01, bool amsgrad = false, bool maximize = false)
                    : base(parameters, new Options { LearningRate = lr, beta1 = beta1, beta2 = beta2, eps = eps, weight_decay = weight_decay, amsgrad = amsgrad, maximize = maximize })
                {
                }

                private protected override Adam.Options NewGroupOptions() => new Options();
            }
        }
    }
}
