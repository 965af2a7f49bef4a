using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Random GradDrop (Kurin et al., 2022): every element of every task gradient is kept with probability 1 − p
/// (an independent Bernoulli mask, regardless of signs), the kept parts are summed, and the sum is rescaled to the
/// norm of the plain sum. A control for GradDrop that shows how much of its effect is just noise. The masks are drawn
/// from <see cref="StepContext.TorchGenerator"/> (the same (seed, step) draws the same masks).
/// </summary>
public sealed class RandomGradDrop : GradientMethod
{
    /// <summary>Creates Random GradDrop.</summary>
    /// <param name="dropProbability">p, the probability of dropping an element, in [0, 1).</param>
    /// <param name="rescaleToSumNorm">Rescale the result to the norm of the plain sum (Kurin et al. do).</param>
    public RandomGradDrop(double dropProbability = 0.5, bool rescaleToSumNorm = true)
        : base("RandomGradDrop", GradientMode.Representation, GradientMode.Parameters)
    {
        if (!(dropProbability >= 0 && dropProbability < 1))
            throw new ArgumentOutOfRangeException(nameof(dropProbability), dropProbability, "The drop probability must be in [0, 1).");
        DropProbability = dropProbability;
        RescaleToSumNorm = rescaleToSumNorm;
    }

    /// <summary>p.</summary>
    public double DropProbability { get; }

    /// <summary>True to rescale to the norm of the plain sum.</summary>
    public bool RescaleToSumNorm { get; }

    /// <inheritdoc />
    public override Tensor Aggregate(Tensor jacobian, StepContext context)
    {
        using var rows = RowsOf(jacobian, context);
        using var drawn = torch.rand(rows.shape, rows.dtype, torch.CPU, generator: context.TorchGenerator);
        using var u = drawn.to(rows.device);
        using var keep = u >= DropProbability;
        using var mask = keep.to_type(rows.dtype);
        using var kept = rows * mask;
        using var combined = kept.sum(0L);
        Tensor result = RescaleToSumNorm ? GradDrop.RescaledToPlainSum(combined, rows) : combined.alias();
        using (result)
            return result.reshape(jacobian.shape[1..]);
    }

    /// <summary>Options of <see cref="RandomGradDrop"/>; text "random-graddrop(dropprobability=0.5)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>p, the probability of dropping an element, in [0, 1).</summary>
        public double DropProbability = 0.5;

        /// <summary>Rescale the result to the norm of the plain sum (Kurin et al. do).</summary>
        public bool RescaleToSumNorm = true;

        /// <inheritdoc />
        public override string Name => "random-graddrop";

        /// <inheritdoc />
        public override MtlMethod Create() => new RandomGradDrop(DropProbability, RescaleToSumNorm);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(DropProbability), () => DropProbability, v => DropProbability = v, (v, path) => OptionChecks.InRange(v, 0, 1, highInclusive: false, path), "a number in [0, 1)"),
            MethodArgument.Flag(nameof(RescaleToSumNorm), () => RescaleToSumNorm, v => RescaleToSumNorm = v),
        ];
    }
}
