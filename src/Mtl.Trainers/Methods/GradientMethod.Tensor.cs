using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Engine;

namespace Mtl.Trainers.Methods;

public abstract partial class GradientMethod
{
    /// <summary>
    /// The losses whose per-task gradients the method combines. Identity by default; a method that rescales the
    /// losses first (IMTL's learnable scales) returns new loss tensors, and its learnable parameters then receive the
    /// gradient of Σᵢ of these losses with weight 1 (as the heads do).
    /// </summary>
    /// <param name="losses">The T scalar task losses of the step.</param>
    /// <param name="context">The step's context.</param>
    public virtual IReadOnlyList<Tensor> PrepareTaskLosses(IReadOnlyList<Tensor> losses, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        return losses;
    }

    /// <summary>
    /// Combines the per-task gradients into one direction: <paramref name="jacobian"/> has one row per task (shape
    /// [T, …]); the result has the shape of one row (shape [...]). Gramian methods implement it as
    /// G = JJᵀ → w → d = Jᵀw.
    /// </summary>
    /// <param name="jacobian">Per-task gradients, task first.</param>
    /// <param name="context">The step's context.</param>
    public abstract Tensor Aggregate(Tensor jacobian, StepContext context);

    /// <summary>The aggregator template: per-task gradients, the full Jacobian, d = <c>Aggregate</c>(J), d applied.</summary>
    internal override double[]? Apply(IStepGradients step, IReadOnlyList<Tensor> losses, StepContext context)
    {
        IReadOnlyList<Tensor> prepared = PrepareTaskLosses(losses, context);
        using StackedGradients gradients = step.TaskGradients(prepared);
        using Tensor jacobian = gradients.Jacobian();
        RequireFinite(jacobian, context);
        using Tensor direction = step.Solve(() => Aggregate(jacobian, context));
        step.ApplyDirection(gradients, direction);
        return null;
    }

    /// <summary>Throws the divergence error, naming the task of the first row of <paramref name="jacobian"/> with a NaN or infinite entry.</summary>
    /// <exception cref="NonFiniteLossException">An entry is not finite.</exception>
    protected static void RequireFinite(Tensor jacobian, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentNullException.ThrowIfNull(context);
        if (NonFiniteValues.First(jacobian) is not { } bad) return;
        // Row-major [T, …]: the flat index's row is the task.
        long perRow = jacobian.numel() / jacobian.shape[0];
        int task = (int)(bad.Index / perRow);
        throw context.NonFinite(NonFiniteSite.Jacobian, task < context.TaskCount ? task : -1, bad.Value);
    }

    /// <summary>Checks that a Jacobian has one row per task and returns it viewed as [T, D].</summary>
    protected Tensor RowsOf(Tensor jacobian, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        ArgumentNullException.ThrowIfNull(context);
        if (jacobian.Dimensions < 1 || jacobian.shape[0] != context.TaskCount)
            throw new ArgumentException(
                $"'{Name}' expects a Jacobian with one row per task ({context.TaskCount}), shape [T, ...]; got [{string.Join(", ", jacobian.shape)}].", nameof(jacobian));
        EnsureTaskCount(context.TaskCount, "the Jacobian");
        return jacobian.reshape(context.TaskCount, -1);
    }
}
