namespace Mtl.Trainers.Methods;

/// <summary>What a method consumes from a training step.</summary>
public enum GradientNeed
{
    /// <summary>Only the task losses: the method builds one scalar loss and the step backpropagates it once.</summary>
    CombinedLoss,

    /// <summary>The T×T Gramian G = JJᵀ of the per-task gradients: the method returns task weights w and d = Jᵀw.</summary>
    Gramian,

    /// <summary>The full Jacobian J (one row per task): the method combines coordinates into a direction d.</summary>
    Jacobian,
}

/// <summary>
/// A method's declaration of what it needs from the training step. The step reads nothing else about a method: it
/// serves these declarations (per-task gradients, extra gradients, clipping, a second forward) without ever testing
/// the method's concrete type.
/// </summary>
public sealed record MethodRequirements
{
    private readonly GradientMode[] _modes = [GradientMode.Parameters, GradientMode.Representation];
    private readonly double _clip;

    /// <summary>What the method consumes (losses only, the Gramian or the full Jacobian).</summary>
    public GradientNeed Gradients { get; init; } = GradientNeed.CombinedLoss;

    /// <summary>The gradient modes the method allows (at least one).</summary>
    /// <exception cref="ArgumentException">Empty.</exception>
    public IReadOnlyList<GradientMode> SupportedModes
    {
        get => _modes;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Count == 0)
                throw new ArgumentException("A method must support at least one gradient mode.", nameof(SupportedModes));
            _modes = value.Distinct().ToArray();
        }
    }

    /// <summary>True when the method reads the step's shared representation z (<see cref="StepContext.Representation"/>; GradDrop's sign(z)).</summary>
    public bool NeedsRepresentation { get; init; }

    /// <summary>
    /// True when the method needs the per-task gradient norms ‖∇_W Lᵢ‖ at the last shared weight matrix W (GradNorm); the
    /// step computes them before the main backward, records them in <see cref="StepContext.SharedLayerGradientNorms"/> and
    /// calls <see cref="MtlMethod.OnGradientsReady"/> after the method's gradients are in place.
    /// </summary>
    public bool NeedsSharedLayerGradientNorms { get; init; }

    /// <summary>Norm the step clips the shared gradient to before the optimizer step (Nash-MTL: 1.0); 0 = no clipping.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or not finite.</exception>
    public double SharedGradientClipNorm
    {
        get => _clip;
        init
        {
            if (!(value >= 0) || !double.IsFinite(value))
                throw new ArgumentOutOfRangeException(nameof(SharedGradientClipNorm), value, "The clipping norm must be a finite number ≥ 0 (0 = no clipping).");
            _clip = value;
        }
    }

    /// <summary>
    /// True when the method needs the same batch's task losses after the optimizer step (FAMO): the step runs one extra
    /// forward pass without a graph, records the losses in <see cref="StepContext.LossesAfterStep"/> and calls
    /// <see cref="MtlMethod.AfterStep"/>.
    /// </summary>
    public bool NeedsLossesAfterStep { get; init; }

    /// <summary>
    /// True when the shared update is a weighted sum Σ wᵢgᵢ of whole task gradients (loss and Gramian weightings), so an
    /// optimizer that keeps one state per task (<c>OptimizerKind.PerTaskAdam</c>) can take the weighted task gradients.
    /// </summary>
    public bool YieldsTaskWeights => Gradients != GradientNeed.Jacobian;

    /// <summary>True when <paramref name="mode"/> is one of <see cref="SupportedModes"/>.</summary>
    public bool Supports(GradientMode mode) => _modes.Contains(mode);
}
