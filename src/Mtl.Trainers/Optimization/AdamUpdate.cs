using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>
/// One Adam/AdamW update of θ in place, op for op as TorchSharp's <c>optim.Adam</c>/<c>optim.AdamW</c> take it (so the
/// results match theirs): L2 decay added to the gradient (Adam) or θ ← θ(1 − η·λ) (AdamW), m ← β₁m + (1−β₁)g,
/// v ← β₂v + (1−β₂)g², θ ← θ − η/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε). Works on one parameter or on flat buffers alike.
/// Call it under no_grad; temporaries go to the caller's dispose scope.
/// </summary>
internal static class AdamUpdate
{
    /// <summary>Updates <paramref name="parameter"/>, <paramref name="expAvg"/> and <paramref name="expAvgSq"/> in place for step <paramref name="step"/> (≥ 1).</summary>
    public static void Apply(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, long step,
        double lr, AdamOptions options, bool decoupledWeightDecay)
    {
        double beta1 = options.Beta1!.Value, beta2 = options.Beta2!.Value, eps = options.Eps!.Value, decay = options.WeightDecay!.Value;
        double bias1 = 1 - Math.Pow(beta1, step), bias2 = 1 - Math.Pow(beta2, step);
        // Scalars held until the update is done: TorchSharp's temporaries from implicit double → Scalar conversions are
        // freed by their finalizers, which a garbage collection on another thread can run while the native op still
        // reads them (seen once as a corrupted Scalar in Adam's step during a long test run).
        using Scalar keep1 = beta1.ToScalar(), add1 = (1 - beta1).ToScalar(), keep2 = beta2.ToScalar(), add2 = (1 - beta2).ToScalar();
        using Scalar correction2 = Math.Sqrt(bias2).ToScalar(), epsilon = eps.ToScalar(), stepSize = (-lr / bias1).ToScalar();
        Tensor g = gradient;
        if (decay != 0)
        {
            if (decoupledWeightDecay)
            {
                using Scalar shrink = (1 - lr * decay).ToScalar();
                parameter.mul_(shrink);
            }
            else
            {
                using Scalar l2 = decay.ToScalar();
                g = gradient.add(parameter, l2);
            }
        }
        expAvg.mul_(keep1).add_(g, add1);
        expAvgSq.mul_(keep2).addcmul_(g, g, add2);
        Tensor denominator = expAvgSq.sqrt().div_(correction2).add_(epsilon);
        parameter.addcdiv_(expAvg, denominator, stepSize);
    }
}
