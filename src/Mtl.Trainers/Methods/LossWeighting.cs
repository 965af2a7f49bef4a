using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Engine;

namespace Mtl.Trainers.Methods;

/// <summary>
/// A method that needs only the task losses: it turns the T scalar losses into one scalar loss L to backpropagate
/// (so it works identically in both gradient modes). It may own learnable parameters (<see cref="MtlMethod.Parameters"/>)
/// and reports the effective weight ∂L/∂Lᵢ of every task in <see cref="MtlMethod.CurrentWeights"/>.
/// </summary>
/// <remarks>
/// A task without a labelled row in the step's batch (<see cref="StepContext.Labelled"/>) arrives with loss 0 and a zero
/// gradient. Weightings that only multiply losses (EW, fixed, RLW, DWA, whose epoch means count labelled rows) need nothing
/// more; those that take logarithms, ratios or minima of losses, or learn per-task parameters (UW, IMTL-L, FAMO, GradNorm,
/// GLS, analytic UW, STCH) leave the task out of that step, as each one's remarks say.
/// </remarks>
public abstract class LossWeighting : MtlMethod
{
    /// <summary>Creates a loss weighting (both gradient modes).</summary>
    /// <param name="name">Display name.</param>
    protected LossWeighting(string name) : base(name, GradientNeed.CombinedLoss, [GradientMode.Parameters, GradientMode.Representation])
    {
    }

    /// <summary>The loss-weighting template: combine the losses (timed as solver work), then one backward of the result.</summary>
    internal sealed override double[]? Apply(IStepGradients step, IReadOnlyList<Tensor> losses, StepContext context)
    {
        Tensor total = step.Solve(() => Combine(losses, context));
        using (total)
            step.BackwardCombined(total, losses, CurrentWeights);
        return CurrentWeights;
    }

    /// <summary>Combines the task losses into the scalar loss of the step.</summary>
    /// <param name="losses">T scalar (one-element) loss tensors, in task order.</param>
    /// <param name="context">The step's context.</param>
    /// <returns>A scalar tensor to call <c>backward()</c> on.</returns>
    /// <exception cref="ArgumentException">Wrong number of losses or a loss with more than one element.</exception>
    public Tensor Combine(IReadOnlyList<Tensor> losses, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentNullException.ThrowIfNull(context);
        if (losses.Count != context.TaskCount)
            throw new ArgumentException($"'{Name}' got {losses.Count} task losses but the step context has {context.TaskCount} tasks.", nameof(losses));
        for (int i = 0; i < losses.Count; i++)
        {
            if (losses[i] is null)
                throw new ArgumentException($"The loss of task {i} is null.", nameof(losses));
            if (losses[i].numel() != 1)
                throw new ArgumentException($"'{Name}' needs scalar task losses, but the loss of task {i} has shape [{string.Join(", ", losses[i].shape)}]; reduce it (e.g. mean over the batch) first.", nameof(losses));
        }
        EnsureTaskCount(losses.Count, "the list of losses");
        return CombineCore(losses, context);
    }

    /// <summary>The method's rule; must also set <see cref="MtlMethod.CurrentWeights"/>.</summary>
    /// <param name="losses">T validated scalar losses.</param>
    /// <param name="context">The step's context.</param>
    protected abstract Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context);

    /// <summary>The losses as one 1-D tensor of length T (differentiable).</summary>
    protected static Tensor Stacked(IReadOnlyList<Tensor> losses) =>
        torch.stack(losses.Select(l => l.reshape(1)).ToArray()).reshape(losses.Count);

    /// <summary>The loss values as doubles (one device-to-host copy).</summary>
    protected static double[] Values(IReadOnlyList<Tensor> losses)
    {
        using var stacked = Stacked(losses);
        using var detached = stacked.detach();
        using var values = detached.to_type(ScalarType.Float64).cpu();
        return values.data<double>().ToArray();
    }

    /// <summary>1 for each task labelled in the step's batch, 0 for the others, like <paramref name="like"/> (dtype and device).</summary>
    protected static Tensor LabelledIndicator(StepContext context, Tensor like) =>
        torch.tensor(Enumerable.Range(0, context.TaskCount).Select(i => context.IsLabelled(i) ? 1.0 : 0.0).ToArray(), dtype: like.dtype, device: like.device);

    /// <summary>Σ wᵢLᵢ with constant weights (also recorded as <see cref="MtlMethod.CurrentWeights"/>).</summary>
    protected Tensor WeightedSum(IReadOnlyList<Tensor> losses, double[] weights)
    {
        CurrentWeights = (double[])weights.Clone();
        using var stacked = Stacked(losses);
        using var w = torch.tensor(weights, dtype: stacked.dtype, device: stacked.device);
        using var product = stacked * w;
        return product.sum();
    }

    /// <summary>
    /// Throws a clear error when a method that takes logarithms or ratios of losses gets a non-positive one; a task not
    /// labelled in the step's batch (loss 0 by construction) is not checked.
    /// </summary>
    protected void RequirePositive(double[] values, StepContext context)
    {
        for (int i = 0; i < values.Length; i++)
            if (context.IsLabelled(i) && !(values[i] > 0))
                throw new InvalidOperationException(
                    $"The MTL method '{Name}' needs positive task losses (it uses their logarithm or ratio), but task {i} has loss {values[i]} at step {context.Step}. Use it with losses such as cross-entropy or MSE, or choose another method.");
    }
}
