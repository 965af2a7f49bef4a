using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Analytic uncertainty weighting (Elich et al.): UW's log-variances at their closed-form optimum, which amounts to
/// L = Σ Lᵢ / sg[Lᵢ] (sg = stop-gradient): every task contributes ∇Lᵢ/Lᵢ, so the update is fully invariant to a
/// constant scale of any loss. Effective weights 1/Lᵢ; 0 for a task without labels in the step's batch (loss 0).
/// </summary>
public sealed class AnalyticUW : LossWeighting
{
    /// <summary>Creates analytic UW.</summary>
    public AnalyticUW() : base("AnalyticUW")
    {
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context)
    {
        var values = Values(losses);
        RequirePositive(values, context);
        return WeightedSum(losses, values.Select((v, i) => context.IsLabelled(i) ? 1 / v : 0).ToArray());
    }

    /// <summary>Options of <see cref="AnalyticUW"/> (no hyperparameters; text "analyticuw").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "analyticuw";

        /// <inheritdoc />
        public override MtlMethod Create() => new AnalyticUW();
    }
}
