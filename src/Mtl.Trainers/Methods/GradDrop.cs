using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>
/// GradDrop (Chen et al., 2020) on representation gradients. With Gᵢ = Σ_batch sign(z) ⊙ ∇_z Lᵢ (one value per
/// feature), purity P = ½(1 + ΣᵢGᵢ / Σᵢ|Gᵢ|) and U ~ Uniform(0, 1) per feature, task i keeps a feature's gradient where
/// (P &gt; U and Gᵢ &gt; 0) or (P &lt; U and Gᵢ &lt; 0); the kept parts (plus <see cref="Leak"/> times the dropped ones) are summed
/// and backpropagated through z. Representation mode only; needs z (declared in <see cref="Requirements"/>).
/// </summary>
/// <remarks>
/// Call: <c>Aggregate(J, context)</c> with J the per-task gradients at z (shape [T, …] where each row has z's
/// elements, batch first) and <c>context.Representation = z</c>. U is drawn from <see cref="StepContext.TorchGenerator"/>, so the same
/// (seed, step) draws the same thresholds. Kurin et al. rescale the result to the norm of the plain sum
/// (<see cref="RescaleToSumNorm"/>).
/// </remarks>
public sealed class GradDrop : GradientMethod
{
    /// <summary>Creates GradDrop.</summary>
    /// <param name="leak">Fraction of a dropped gradient that is kept anyway, in [0, 1] (0 = pure GradDrop).</param>
    /// <param name="rescaleToSumNorm">Rescale the result to the norm of Σᵢ∇_zLᵢ (Kurin et al.).</param>
    public GradDrop(double leak = 0.0, bool rescaleToSumNorm = false) : base("GradDrop", GradientMode.Representation)
    {
        if (!(leak >= 0 && leak <= 1))
            throw new ArgumentOutOfRangeException(nameof(leak), leak, "GradDrop's leak must be in [0, 1].");
        Leak = leak;
        RescaleToSumNorm = rescaleToSumNorm;
    }

    /// <summary>Leak in [0, 1].</summary>
    public double Leak { get; }

    /// <summary>True to rescale the result to the norm of the plain sum.</summary>
    public bool RescaleToSumNorm { get; }

    /// <inheritdoc />
    public override MethodRequirements Requirements => base.Requirements with { NeedsRepresentation = true };

    /// <inheritdoc />
    public override Tensor Aggregate(Tensor jacobian, StepContext context)
    {
        using var rows = RowsOf(jacobian, context);
        var z = context.Representation ?? throw new InvalidOperationException(
            "GradDrop needs the shared representation z of the step: set StepContext.Representation = z before Aggregate.");
        long batch = z.Dimensions == 0 ? 1 : z.shape[0];
        long features = z.numel() / Math.Max(batch, 1);
        if (rows.shape[1] != z.numel())
            throw new ArgumentException(
                $"GradDrop: each Jacobian row must hold one gradient per element of z ({z.numel()} = [{string.Join(", ", z.shape)}]), but rows have {rows.shape[1]}. GradDrop works on representation gradients (GradientMode.Representation).", nameof(jacobian));
        int tasks = context.TaskCount;
        using var perSample = rows.reshape(tasks, batch, features);
        using var zDetached = z.detach();
        using var zFlat = zDetached.reshape(1, batch, features);
        using var signs = zFlat.sign();
        using var signed = perSample * signs;
        using var g = signed.sum(1); // [T, F]
        using var total = g.sum(0L);
        using var absolute = g.abs();
        using var magnitude = absolute.sum(0L);
        using var ratio = total / (magnitude + 1e-7);
        using var purity = (ratio + 1) * 0.5;
        using var drawn = torch.rand([features], purity.dtype, torch.CPU, generator: context.TorchGenerator);
        using var u = drawn.to(purity.device);
        using var keepPositive = purity > u;
        using var keepNegative = purity < u;
        using var positive = g > 0.0;
        using var negative = g < 0.0;
        using var mask = (keepPositive & positive) | (keepNegative & negative); // [T, F] by broadcasting
        using var maskValues = mask.to_type(rows.dtype);
        using var factor = maskValues * (1 - Leak) + Leak;
        using var kept = perSample * factor.unsqueeze(1);
        using var summed = kept.sum(0L);
        using var combined = summed.reshape(-1);
        Tensor result = RescaleToSumNorm ? RescaledToPlainSum(combined, rows) : combined.alias();
        using (result)
            return result.reshape(jacobian.shape[1..]);
    }

    /// <summary>result·‖Σᵢ rowᵢ‖/‖result‖ (Kurin et al.'s normalisation).</summary>
    internal static Tensor RescaledToPlainSum(Tensor result, Tensor rows)
    {
        using var plain = rows.sum(0L);
        using var plainNorm = plain.norm();
        using var resultNorm = result.norm();
        using var scale = plainNorm / (resultNorm + 1e-7);
        return result * scale;
    }

    /// <summary>Options of <see cref="GradDrop"/>; text "graddrop(leak=0,rescaletosumnorm=true)".</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Fraction of a dropped gradient kept anyway, in [0, 1] (0 = pure GradDrop).</summary>
        public double Leak;

        /// <summary>Rescale the result to the norm of Σᵢ∇_zLᵢ (Kurin et al.).</summary>
        public bool RescaleToSumNorm;

        /// <inheritdoc />
        public override string Name => "graddrop";

        /// <inheritdoc />
        public override MtlMethod Create() => new GradDrop(Leak, RescaleToSumNorm);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Number(nameof(Leak), () => Leak, v => Leak = v, (v, path) => OptionChecks.InRange(v, 0, 1, highInclusive: true, path), "a number in [0, 1]"),
            MethodArgument.Flag(nameof(RescaleToSumNorm), () => RescaleToSumNorm, v => RescaleToSumNorm = v),
        ];
    }
}
