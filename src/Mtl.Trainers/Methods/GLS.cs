using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Geometric loss strategy (Chennupati et al., 2019): L = (Π Lᵢ)^{1/T}, computed as exp(mean log Lᵢ) for stability.
/// Effective weights ∂L/∂Lᵢ = L/(T·Lᵢ).
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
        double geometric = Math.Exp(values.Select(v => Math.Log(v)).Average());
        CurrentWeights = values.Select(v => geometric / (values.Length * v)).ToArray();
        using var stacked = Stacked(losses);
        using var logs = stacked.log();
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
