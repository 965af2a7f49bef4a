using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers;

/// <summary>
/// Adam and AdamW with the results of TorchSharp's <c>optim.Adam</c>/<c>optim.AdamW</c> (same update; state saved per parameter as
/// step, m, v in TorchSharp's optimizer format),
/// but taken as a handful of ops over contiguous flat buffers instead of ~10 ops per parameter tensor: at
/// <see cref="add_param_group"/> each group's parameters are moved into one flat buffer (every parameter's data becomes
/// a view of it, so autograd, <c>parameters()</c>, state dicts and <c>Module.load</c> see the same tensors) and the
/// group's moments are two flat buffers. A step gathers the grads with one <c>cat</c> and updates the whole group at
/// once; there is nothing to scatter back.
/// </summary>
/// <remarks>
/// <para>Per parameter group: one flat set (the LR scheduler changes group rates; groups may differ in every
/// hyperparameter). A parameter whose <c>.grad</c> is null in a step is skipped, as PyTorch does (no moment decay, its
/// step count stays): that group's step then runs per parameter on views of the flat buffers, and so do later steps
/// until all of its parameters have the same step count again. AMSGrad and maximize are not offered.</para>
/// <para>Build the optimizer after the network reached its device and dtype, and do not rebind a parameter's storage
/// afterwards (<c>set_</c>, moving the module): updates go to the flat buffer. Writing into parameters in place
/// (<c>copy_</c>, <c>Module.load</c>) is fine. In-place updates of the buffer do not bump a parameter's autograd
/// version counter, so step between backward and the next forward, as a training loop does.</para>
/// </remarks>
internal sealed class FlatAdam : OptimizerHelper
{
    private readonly Dictionary<TorchSharp.Modules.ParamGroup, FlatGroup> _flat = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<IntPtr> _owned = new();

    /// <summary>Creates Adam (L2 decay added to the gradient) or AdamW (decoupled decay) over one parameter group.</summary>
    /// <param name="parameters">Parameters to update (one dtype and device).</param>
    /// <param name="lr">Learning rate &gt; 0.</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="eps">ε ≥ 0, added outside the square root.</param>
    /// <param name="weightDecay">Weight decay ≥ 0.</param>
    /// <param name="decoupledWeightDecay">False: Adam (λθ added to the gradient); true: AdamW (θ ← θ(1 − η·λ)).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (named).</exception>
    /// <exception cref="ArgumentException">Parameters of mixed dtypes or devices, or one listed twice.</exception>
    public FlatAdam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0, bool decoupledWeightDecay = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        AdamOptions.Check(decoupledWeightDecay ? "AdamW" : "Adam", lr, beta1, beta2, eps, weightDecay);
        _defaults = new Options
        {
            LearningRate = lr, InitialLearningRate = lr, Beta1 = beta1, Beta2 = beta2, Eps = eps, WeightDecay = weightDecay,
            DecoupledWeightDecay = decoupledWeightDecay,
        };
        _parameter_groups = new List<TorchSharp.Modules.ParamGroup>();
        add_param_group(new ParamGroup<Options>(parameters, new Options()));
    }

    /// <summary>True for AdamW (decoupled weight decay), false for Adam (L2 added to the gradient).</summary>
    public bool DecoupledWeightDecay => ((Options)_defaults).DecoupledWeightDecay!.Value;

    /// <summary>
    /// Adds a group (unset options take the optimizer's defaults) and moves its parameters' data into the group's flat
    /// buffer, values unchanged.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter of the group is out of range.</exception>
    /// <exception cref="ArgumentException">A parameter already in the optimizer or listed twice, mixed dtypes or devices, or a
    /// group that asks for the other weight-decay kind.</exception>
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var defaults = (Options)_defaults;
        var options = param_group.Options as Options ?? new Options();
        options.Fill(defaults);
        AdamOptions.Check(defaults.DecoupledWeightDecay!.Value ? "AdamW" : "Adam", options.LearningRate!.Value,
            options.Beta1!.Value, options.Beta2!.Value, options.Eps!.Value, options.WeightDecay!.Value);
        param_group.Options = options;
        var parameters = param_group.Parameters.ToArray();
        var group = new FlatGroup(parameters, _owned);
        _parameter_groups.Add(param_group);
        _flat[param_group] = group;
        for (int i = 0; i < parameters.Length; i++)
            _state[parameters[i].Handle] = group.States[i];
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null) => _step<TorchSharp.Modules.ParamGroup>(group =>
    {
        var options = (Options)group.Options;
        _flat[group].Step(options.LearningRate!.Value, options, options.DecoupledWeightDecay!.Value);
    }, closure)!;

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
            return;
        foreach (var group in _flat.Values)
            group.Dispose();
        _flat.Clear();
    }

    /// <summary>One group's flat buffers: the parameters' data, m and v, and per-parameter views of m and v.</summary>
    private sealed class FlatGroup : IDisposable
    {
        private readonly Parameter[] _parameters;
        private readonly Tensor? _values, _expAvg, _expAvgSq;
        private readonly Tensor?[] _gradients;
        // The cat's inputs: each parameter's flattened grad, then zeros up to the next aligned offset (if any).
        private readonly Tensor[] _pieces;
        private readonly int[] _gradientPiece;

        public FlatGroup(Parameter[] parameters, HashSet<IntPtr> owned)
        {
            _parameters = parameters;
            _gradients = new Tensor?[parameters.Length];
            _gradientPiece = new int[parameters.Length];
            States = new State[parameters.Length];
            _pieces = [];
            if (parameters.Length == 0)
                return;
            var first = parameters[0];
            var handles = new HashSet<IntPtr>();
            foreach (var p in parameters)
            {
                if (owned.Contains(p.Handle) || !handles.Add(p.Handle))
                    throw new ArgumentException("A parameter appears twice in FlatAdam's groups; give every parameter to one group once.", nameof(parameters));
                if (p.dtype != first.dtype || p.device.type != first.device.type || p.device.index != first.device.index)
                    throw new ArgumentException(
                        $"FlatAdam keeps a group in one flat buffer, so its parameters need one dtype and device; got {first.dtype} on {first.device} and {p.dtype} on {p.device}. Put them in separate groups.",
                        nameof(parameters));
            }
            owned.UnionWith(handles);
            using var noGrad = torch.no_grad();
            // Every parameter starts on a 64-byte boundary, as a tensor of its own would, so the BLAS and convolution
            // kernels that read it get the alignment they are tuned for. The gaps hold zeros in θ, m, v and g, which
            // an Adam step leaves at zero (NaN when ε = 0) and no tensor ever reads.
            long alignment = Math.Max(1, 64 / first.ElementSize);
            var offsets = new long[parameters.Length];
            var pieces = new List<Tensor>();
            long total = 0;
            for (int i = 0; i < parameters.Length; i++)
            {
                long n = parameters[i].numel(), padded = (n + alignment - 1) / alignment * alignment;
                offsets[i] = total;
                total += padded;
                _gradientPiece[i] = pieces.Count;
                pieces.Add(null!);
                if (padded > n)
                    pieces.Add(torch.zeros(padded - n, first.dtype, first.device).DetachFromDisposeScope());
            }
            _pieces = pieces.ToArray();
            _values = torch.zeros(total, first.dtype, first.device).DetachFromDisposeScope();
            _expAvg = torch.zeros_like(_values).DetachFromDisposeScope();
            _expAvgSq = torch.zeros_like(_values).DetachFromDisposeScope();
            for (int i = 0; i < parameters.Length; i++)
            {
                var p = parameters[i];
                using (var data = View(_values, offsets[i], p.shape))
                {
                    data.copy_(p);
                    p.set_(data);   // p now reads and writes its slice of the flat buffer
                }
                States[i] = new State(p, View(_expAvg, offsets[i], p.shape), View(_expAvgSq, offsets[i], p.shape));
            }
        }

        public State[] States { get; }

        private static Tensor View(Tensor flat, long offset, long[] shape)
        {
            using var slice = flat.narrow(0, offset, shape.Aggregate(1L, (a, b) => a * b));
            return slice.view(shape).DetachFromDisposeScope();
        }

        /// <summary>One step under the caller's no_grad and dispose scope: flat when every parameter has a grad and all share one step count.</summary>
        public void Step(double lr, AdamOptions options, bool decoupled)
        {
            if (_parameters.Length == 0)
                return;
            bool complete = true;
            for (int i = 0; i < _parameters.Length; i++)
            {
                _gradients[i] = _parameters[i].grad;
                complete &= _gradients[i] is not null;
            }
            if (complete && States.All(s => s.Step == States[0].Step))
            {
                for (int i = 0; i < _parameters.Length; i++)
                    _pieces[_gradientPiece[i]] = _gradients[i]!.reshape(-1);
                var gradient = torch.cat(_pieces, 0);
                long step = States[0].Step + 1;
                AdamUpdate.Apply(_values!, gradient, _expAvg!, _expAvgSq!, step, lr, options, decoupled);
                foreach (var s in States)
                    s.Step = step;
                foreach (int piece in _gradientPiece)
                    _pieces[piece] = null!;   // the step's scope disposes the flattened grads
            }
            else
            {
                for (int i = 0; i < _parameters.Length; i++)
                {
                    if (_gradients[i] is not { } gradient)
                        continue;
                    var s = States[i];
                    s.Step++;
                    AdamUpdate.Apply(_parameters[i], gradient, s.ExpAvg, s.ExpAvgSq, s.Step, lr, options, decoupled);
                }
            }
            Array.Clear(_gradients);
        }

        public void Dispose()
        {
            foreach (var s in States)
                s?.Dispose();
            for (int i = 0; i < _pieces.Length; i++)
                if (!_gradientPiece.Contains(i))
                    _pieces[i].Dispose();
            _values?.Dispose();
            _expAvg?.Dispose();
            _expAvgSq?.Dispose();
        }
    }

    /// <summary>Hyperparameters of a group.</summary>
    public sealed class Options : AdamOptions
    {
        /// <summary>True for AdamW; one value for all groups of an optimizer (unset: the optimizer's).</summary>
        public bool? DecoupledWeightDecay { get; set; }

        internal void Fill(Options defaults)
        {
            if (DecoupledWeightDecay is { } own && own != defaults.DecoupledWeightDecay)
                throw new ArgumentException(
                    $"A FlatAdam group cannot switch to {(own ? "AdamW" : "Adam")}: the optimizer is {(own ? "Adam" : "AdamW")} for all its groups. Leave Options.DecoupledWeightDecay unset or create another optimizer.");
            FillFrom(defaults);
            DecoupledWeightDecay = defaults.DecoupledWeightDecay;
        }

        /// <inheritdoc />
        public override void SaveStateDict(BinaryWriter writer)
        {
            base.SaveStateDict(writer);
            writer.Write(DecoupledWeightDecay!.Value);
        }

        /// <inheritdoc />
        public override void LoadStateDict(BinaryReader reader)
        {
            base.LoadStateDict(reader);
            bool decoupled = reader.ReadBoolean();
            if (decoupled != DecoupledWeightDecay)
                throw new InvalidDataException(
                    $"The saved state is {(decoupled ? "AdamW" : "Adam")}'s but this optimizer is {(DecoupledWeightDecay == true ? "AdamW" : "Adam")}; load it into the same kind.");
        }
    }

    /// <summary>A parameter's step count and moments: views of its group's flat m and v, shaped like the parameter.</summary>
    public sealed class State : AdamMomentState
    {
        internal State(Parameter parameter, Tensor expAvg, Tensor expAvgSq) : base(parameter) => SetMoments(expAvg, expAvgSq);

        /// <summary>Zeroes the moments in place (they stay views of the flat buffers) and resets the step count.</summary>
        public override void Initialize(OptimizerOptions options)
        {
            ExpAvg.zero_();
            ExpAvgSq.zero_();
            Step = 0;
        }
    }
}
