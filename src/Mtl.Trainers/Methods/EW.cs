using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>Equal weighting / unitary scalarization: L = Σ Lᵢ. The baseline every method is compared with.</summary>
public sealed class EW : LossWeighting
{
    /// <summary>Creates EW.</summary>
    public EW() : base("EW")
    {
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context) =>
        WeightedSum(losses, Enumerable.Repeat(1.0, losses.Count).ToArray());

    /// <summary>Options of <see cref="EW"/> (no hyperparameters; text "ew").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "ew";

        /// <inheritdoc />
        public override MtlMethod Create() => new EW();
    }
}
