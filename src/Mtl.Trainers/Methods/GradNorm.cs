using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Methods;

/// <summary>
/// GradNorm (Chen et al., 2018): task weights w = T·softmax(p) with learnable p (start 0). The network is trained on
/// Σ wᵢLᵢ (w held constant, <see cref="LossWeighting.Combine"/>); p is trained on the balancing loss
/// L_grad = Σᵢ |Gᵢ − mean(G)·rᵢ^α| (target detached) from <see cref="BalanceLoss(IReadOnlyList{double}, StepContext)"/>,
/// where Gᵢ = ‖∇_W(wᵢLᵢ)‖ at the last shared layer W and rᵢ = (Lᵢ/Lᵢ(0)) / meanⱼ(Lⱼ/Lⱼ(0)).
/// </summary>
/// <remarks>
/// GradNorm declares <see cref="MethodRequirements.NeedsSharedLayerGradientNorms"/>: each step the trainer records the
/// per-task norms nᵢ = ‖∇_W Lᵢ‖ of the <em>unweighted</em> losses at the last shared layer W in
/// <see cref="StepContext.SharedLayerGradientNorms"/> (plain gradients, no create_graph: since wᵢ &gt; 0,
/// ‖∇_W(wᵢLᵢ)‖ = wᵢnᵢ exactly, and that product is built here, differentiable in p). After the backward of
/// <c>Combine(losses)</c> (which gives p no gradient) it calls <see cref="OnGradientsReady"/>, which backpropagates
/// <c>BalanceLoss(norms, context)</c> into p, and steps the optimizer that holds <see cref="MtlMethod.Parameters"/>.
/// Lᵢ(0) are the losses of the first step. A task without labels in a step's batch (loss 0, zero gradient) is left out of
/// that step's balance (its Gᵢ is its own target, and the means run over the labelled tasks); its Lᵢ(0) is its loss in the
/// first step that has labels for it.
/// </remarks>
public sealed class GradNorm : LossWeighting
{
    private Parameter? _logits;
    private double[]? _initialLosses;
    private double[]? _lastLosses;
    private bool _balancePending;

    /// <summary>Creates GradNorm.</summary>
    /// <param name="alpha">Restoring-force strength α (1.5 in the paper).</param>
    public GradNorm(double alpha = 1.5) : base("GradNorm")
    {
        if (!(alpha >= 0) || !double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "GradNorm's α must be a finite number ≥ 0.");
        Alpha = alpha;
    }

    /// <summary>α.</summary>
    public double Alpha { get; }

    /// <inheritdoc />
    public override MethodRequirements Requirements => base.Requirements with { NeedsSharedLayerGradientNorms = true };

    /// <summary>Backpropagates the balancing loss of the step's recorded shared-layer norms into the logits p.</summary>
    /// <param name="context">The step's context, with <see cref="StepContext.SharedLayerGradientNorms"/>.</param>
    public override void OnGradientsReady(StepContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var norms = context.SharedLayerGradientNorms ?? throw new InvalidOperationException(
            "GradNorm needs the per-task gradient norms at the last shared layer: record them with StepContext.RecordSharedLayerGradientNorms before OnGradientsReady.");
        using var balance = BalanceLoss(norms, context);
        balance.backward();
    }

    /// <summary>The losses of the first step, Lᵢ(0) (null before it).</summary>
    public IReadOnlyList<double>? InitialLosses => _initialLosses;

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount) => _logits = LearnableVector.Create(taskCount, 0.0);

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => _logits is null ? [] : [_logits];

    /// <summary>The current weights T·softmax(p).</summary>
    public double[] TaskWeights()
    {
        var p = LearnableVector.Values(_logits);
        double max = p.Length == 0 ? 0 : p.Max();
        var e = p.Select(x => Math.Exp(x - max)).ToArray();
        double s = e.Sum();
        return e.Select(x => p.Length * x / s).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        if (_balancePending)
            throw new InvalidOperationException(
                "GradNorm's weights are trained by BalanceLoss, but it was not called after the previous step's Combine: " +
                "the trainer must call BalanceLoss(taskGradientNorms, context).backward() every step (see the GradNorm remarks), otherwise GradNorm silently becomes EW.");
        var values = Values(losses);
        RequirePositive(values, context);
        _initialLosses ??= values.Select((v, i) => context.IsLabelled(i) ? v : double.NaN).ToArray();
        for (int i = 0; i < values.Length; i++)
            if (double.IsNaN(_initialLosses[i]) && context.IsLabelled(i)) _initialLosses[i] = values[i];
        _lastLosses = values;
        _balancePending = true;
        return WeightedSum(losses, TaskWeights());
    }

    /// <summary>L_grad from the unweighted per-task gradient norms nᵢ = ‖∇_W Lᵢ‖ (Gᵢ = wᵢ(p)·nᵢ); backward gives p its gradient.</summary>
    /// <param name="taskGradientNorms">nᵢ for the losses of the last <see cref="LossWeighting.Combine"/>.</param>
    /// <param name="context">The step's context.</param>
    public Tensor BalanceLoss(IReadOnlyList<double> taskGradientNorms, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(taskGradientNorms);
        var norms = CheckedNorms(taskGradientNorms.ToArray());
        using var p = (_logits ?? throw new InvalidOperationException("GradNorm is not initialised: call Initialize(taskCount) or Combine first.")).alias();
        using var softmax = torch.nn.functional.softmax(p, 0);
        using var weights = softmax * (double)TaskCount;
        using var normTensor = torch.tensor(norms, dtype: weights.dtype);
        using var g = weights * normTensor;
        return BalanceLossFrom(g, context);
    }

    /// <summary>
    /// L_grad from weighted norms Gᵢ = ‖∇_W(wᵢLᵢ)‖ that the trainer computed itself with create_graph from the weights
    /// of <see cref="WeightsTensor"/> (so they are differentiable in p).
    /// </summary>
    /// <param name="weightedGradientNorms">T scalar tensors Gᵢ.</param>
    /// <param name="context">The step's context.</param>
    public Tensor BalanceLoss(IReadOnlyList<Tensor> weightedGradientNorms, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(weightedGradientNorms);
        if (weightedGradientNorms.Count != TaskCount)
            throw new ArgumentException($"GradNorm needs {TaskCount} gradient norms, got {weightedGradientNorms.Count}.", nameof(weightedGradientNorms));
        using var g = torch.stack(weightedGradientNorms.Select(t => t.reshape(1)).ToArray()).reshape(TaskCount);
        using (var detached = g.detach())
        using (var values = detached.to_type(ScalarType.Float64).cpu())
            CheckedNorms(values.data<double>().ToArray());
        return BalanceLossFrom(g, context);
    }

    /// <summary>w = T·softmax(p) as a differentiable float32 tensor (for trainers that form wᵢLᵢ themselves).</summary>
    public Tensor WeightsTensor()
    {
        if (_logits is null)
            throw new InvalidOperationException("GradNorm is not initialised: call Initialize(taskCount) first.");
        using var softmax = torch.nn.functional.softmax(_logits, 0);
        return softmax * (double)TaskCount;
    }

    private double[] CheckedNorms(double[] norms)
    {
        if (norms.Length != TaskCount)
            throw new ArgumentException($"GradNorm needs {TaskCount} gradient norms, got {norms.Length}.", nameof(norms));
        for (int i = 0; i < norms.Length; i++)
            if (!(norms[i] >= 0) || !double.IsFinite(norms[i]))
                throw new ArgumentException($"The gradient norm of task {i} is {norms[i]}; norms must be finite and ≥ 0.", nameof(norms));
        return norms;
    }

    /// <summary>Σ|Gᵢ − mean(G)·rᵢ^α| with the target as a constant.</summary>
    private Tensor BalanceLossFrom(Tensor g, StepContext context)
    {
        if (_lastLosses is null || _initialLosses is null)
            throw new InvalidOperationException("GradNorm.BalanceLoss needs the step's losses: call Combine(losses, context) first in the same step.");
        _balancePending = false;
        int[] labelled = context.LabelledTasks();
        var ratios = _lastLosses.Zip(_initialLosses, (l, l0) => l / l0).ToArray();
        double[] gValues;
        using (var detached = g.detach())
        using (var values = detached.to_type(ScalarType.Float64).cpu())
            gValues = values.data<double>().ToArray();
        var target = (double[])gValues.Clone();
        if (labelled.Length > 0)
        {
            double meanRatio = labelled.Average(i => ratios[i]);
            double meanG = labelled.Average(i => gValues[i]);
            foreach (int i in labelled) target[i] = meanG * Math.Pow(ratios[i] / meanRatio, Alpha);
        }
        using var targetTensor = torch.tensor(target, dtype: g.dtype, device: g.device);
        using var difference = g - targetTensor;
        using var absolute = difference.abs();
        return absolute.sum();
    }

    /// <inheritdoc />
    protected override void OnWriteState(BinaryWriter writer)
    {
        MethodState.WriteDoubles(writer, _initialLosses);
        MethodState.WriteDoubles(writer, _lastLosses);
        writer.Write(_balancePending);
    }

    /// <inheritdoc />
    protected override void OnReadState(BinaryReader reader)
    {
        var initial = MethodState.ReadDoubles(reader, TaskCount, "GradNorm initial losses");
        var last = MethodState.ReadDoubles(reader, TaskCount, "GradNorm last losses");
        bool pending = reader.ReadBoolean();
        (_initialLosses, _lastLosses, _balancePending) = (initial, last, pending);
    }

    /// <summary>Options of <see cref="GradNorm"/>; text "gradnorm(alpha=1.5)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Restoring-force strength α (1.5 in the paper).</summary>
        public double Alpha = 1.5;

        /// <inheritdoc />
        public override string Name => "gradnorm";

        /// <inheritdoc />
        public override MtlMethod Create() => new GradNorm(Alpha);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Alpha), () => Alpha, v => Alpha = v, OptionChecks.NonNegativeFinite, "a finite number ≥ 0"),
        ];
    }
}
