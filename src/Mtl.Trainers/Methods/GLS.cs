using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Geometric loss strategy (Chennupati et al., 2019): L = (Π Lᵢ)^{1/T}, computed as exp(mean log Lᵢ) for stability.
/// Effective weights ∂L/∂Lᵢ = L/(T·Lᵢ). A task without labels in the step's batch (loss 0, which would make the product 0)
/// is left out: the mean runs over the labelled tasks, and its weight is 0.
/// </summary>
public sealed class GLS : LossWeighting
{
    /// <summary>Creates GLS.</summary>
    public GLS() : base("GLS")
    {
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        var values = Values(losses);
        RequirePositive(values, context);
        int[] labelled = context.LabelledTasks();
        if (labelled.Length == 0) return WeightedSum(losses, new double[values.Length]);
        double geometric = Math.Exp(labelled.Average(i => Math.Log(values[i])));
        CurrentWeights = values.Select((v, i) => context.IsLabelled(i) ? geometric / (labelled.Length * v) : 0).ToArray();
        using var stacked = Stacked(losses);
        using var kept = labelled.Length == values.Length ? stacked.alias() : stacked.index_select(0, torch.tensor(labelled.Select(i => (long)i).ToArray(), device: stacked.device));
        using var logs = kept.log();
        using var mean = logs.mean();
        return mean.exp();
    }

    /// <summary>Options of <see cref="GLS"/> (no hyperparameters; text "gls").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "gls";

        /// <inheritdoc />
        public override MtlMethod Create() => new GLS();
    }
}
