using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Methods;

/// <summary>
/// IMTL-L (Liu et al., 2021): learnable loss scales, L = Σ (e^{sᵢ}Lᵢ − sᵢ) with sᵢ initialised to 0; minimising over
/// sᵢ drives every scaled loss e^{sᵢ}Lᵢ towards 1. Effective weights e^{sᵢ}. <see cref="IMTL"/> combines it with IMTL-G.
/// </summary>
/// <remarks>A task without labels in the step's batch (loss 0) drops its −sᵢ term for the step, so its scale does not grow without a loss to balance.</remarks>
public sealed class IMTLL : LossWeighting
{
    private Parameter? _scales;

    /// <summary>Creates IMTL-L.</summary>
    public IMTLL() : base("IMTL-L")
    {
    }

    /// <summary>The current log-scales sᵢ.</summary>
    public double[] LogScales => LearnableVector.Values(_scales);

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount) => _scales = LearnableVector.Create(taskCount, 0.0);

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => _scales is null ? [] : [_scales];

    /// <summary>The scaled task losses e^{sᵢ}Lᵢ − sᵢ, one per task (differentiable in the losses and in s).</summary>
    /// <param name="losses">T scalar task losses.</param>
    /// <param name="context">The step's context: a task without labels in the batch keeps only e^{sᵢ}·0 (null: all labelled).</param>
    public IReadOnlyList<Tensor> Transform(IReadOnlyList<Tensor> losses, StepContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(losses);
        EnsureTaskCount(losses.Count, "the list of losses");
        using var stacked = Stacked(losses);
        using var s = LearnableVector.Like(_scales!, stacked);
        using var factor = s.exp();
        using var scaled = stacked * factor;
        using var regulariser = context?.Labelled is null ? s.alias() : s * LabelledIndicator(context, s);
        using var transformed = scaled - regulariser;
        CurrentWeights = LogScales.Select(Math.Exp).ToArray();
        return transformed.unbind(0);
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        var parts = Transform(losses, context);
        using var stacked = torch.stack(parts.ToArray());
        foreach (var part in parts)
            part.Dispose();
        return stacked.sum();
    }

    /// <summary>Options of <see cref="IMTLL"/> (no hyperparameters; text "imtl-l").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "imtl-l";

        /// <inheritdoc />
        public override MtlMethod Create() => new IMTLL();
    }
}
