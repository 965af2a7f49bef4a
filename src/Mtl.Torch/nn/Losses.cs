using static Mtl.Torch.torch;

namespace Mtl.Torch.Modules;

/// <summary>Base of the loss modules: forward(input, target) → loss, with a reduction (TorchSharp's <c>Loss</c>).</summary>
public abstract class Loss : nn.Module<Tensor, Tensor, Tensor>
{
    private protected Loss(string name, nn.Reduction reduction) : base(name) => this.reduction = reduction;

    /// <summary>How the per-element losses are reduced.</summary>
    public nn.Reduction reduction { get; }

    /// <summary>Loss modules register their weight tensors explicitly (as non-persistent buffers): no reflection.</summary>
    protected override void RegisterComponents() { }
}

/// <summary>Cross entropy of logits against class indices or probabilities; see <see cref="nn.functional.cross_entropy"/>.</summary>
public sealed class CrossEntropyLoss : Loss
{
    private readonly Tensor? weight;
    private readonly long ignoreIndex;
    private readonly double labelSmoothing;

    internal CrossEntropyLoss(Tensor? weight, long ignore_index, nn.Reduction reduction, double label_smoothing) : base(nameof(CrossEntropyLoss), reduction)
    {
        if (!(label_smoothing >= 0 && label_smoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(label_smoothing), label_smoothing, "label_smoothing must be in [0, 1].");
        this.weight = weight?.detach().DetachFromDisposeScope();
        if (this.weight is not null) register_buffer(nameof(weight), this.weight, persistent: false);
        ignoreIndex = ignore_index;
        labelSmoothing = label_smoothing;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.cross_entropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
}

/// <summary>Negative log-likelihood of log-probabilities; see <see cref="nn.functional.nll_loss"/>.</summary>
public sealed class NLLLoss : Loss
{
    private readonly Tensor? weight;
    private readonly long ignoreIndex;

    internal NLLLoss(Tensor? weight, long ignore_index, nn.Reduction reduction) : base(nameof(NLLLoss), reduction)
    {
        this.weight = weight?.detach().DetachFromDisposeScope();
        if (this.weight is not null) register_buffer(nameof(weight), this.weight, persistent: false);
        ignoreIndex = ignore_index;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.nll_loss(input, target, weight, ignoreIndex, reduction);
}

/// <summary>Squared error.</summary>
public sealed class MSELoss : Loss
{
    internal MSELoss(nn.Reduction reduction) : base(nameof(MSELoss), reduction) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.mse_loss(input, target, reduction);
}

/// <summary>Absolute error.</summary>
public sealed class L1Loss : Loss
{
    internal L1Loss(nn.Reduction reduction) : base(nameof(L1Loss), reduction) { }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.l1_loss(input, target, reduction);
}

/// <summary>Smooth L1 (Huber-style) loss with threshold beta.</summary>
public sealed class SmoothL1Loss : Loss
{
    private readonly double beta;

    internal SmoothL1Loss(nn.Reduction reduction, double beta) : base(nameof(SmoothL1Loss), reduction) => this.beta = beta;

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.smooth_l1_loss(input, target, reduction, beta);
}

/// <summary>Binary cross entropy on logits, with optional element weights and positive-class weights.</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    private readonly Tensor? weight, posWeights;

    internal BCEWithLogitsLoss(Tensor? weight, nn.Reduction reduction, Tensor? pos_weights) : base(nameof(BCEWithLogitsLoss), reduction)
    {
        this.weight = weight?.detach().DetachFromDisposeScope();
        posWeights = pos_weights?.detach().DetachFromDisposeScope();
        if (this.weight is not null) register_buffer(nameof(weight), this.weight, persistent: false);
        if (posWeights is not null) register_buffer("pos_weight", posWeights, persistent: false);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.binary_cross_entropy_with_logits(input, target, weight, reduction, posWeights);
}

/// <summary>Binary cross entropy on probabilities.</summary>
public sealed class BCELoss : Loss
{
    private readonly Tensor? weight;

    internal BCELoss(Tensor? weight, nn.Reduction reduction) : base(nameof(BCELoss), reduction)
    {
        this.weight = weight?.detach().DetachFromDisposeScope();
        if (this.weight is not null) register_buffer(nameof(weight), this.weight, persistent: false);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input, Tensor target) => nn.functional.binary_cross_entropy(input, target, weight, reduction);
}
