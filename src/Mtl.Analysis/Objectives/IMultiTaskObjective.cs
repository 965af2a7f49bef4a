using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Objectives;

/// <summary>
/// What every diagnostic needs from a model: per-task training losses on a batch, and which parameters are shared and which
/// belong to each task. <see cref="NetworkObjective"/> adapts a <c>MultiTaskNetwork</c>; any differentiable model with
/// T losses can implement it (the known-answer tests use quadratics and linear regression).
/// </summary>
public interface IMultiTaskObjective
{
    /// <summary>Task names, in task order (they label the diagnostics' rows).</summary>
    IReadOnlyList<string> TaskNames { get; }

    /// <summary>Parameters every task's loss depends on (a network's trunk).</summary>
    IReadOnlyList<Tensor> SharedParameters { get; }

    /// <summary>Parameters only task <paramref name="task"/>'s loss depends on (its head); may be empty.</summary>
    IReadOnlyList<Tensor> TaskParameters(int task);

    /// <summary>The T task losses, each the mean over the rows of <paramref name="batch"/>, with their autograd graph.</summary>
    Tensor[] Losses(TaskBatch batch);

    /// <summary>
    /// Switches the model to evaluation mode (dropout off, batch-norm running statistics) until the result is disposed,
    /// then restores the previous mode. Diagnostics that need a deterministic loss call it.
    /// </summary>
    IDisposable EvaluationMode();

    /// <summary>
    /// The module whose layers compute <see cref="Losses"/>, treating rows independently (in evaluation mode), or null.
    /// With it, per-sample gradients come from one forward of all rows and one backward per quantity, formed per layer
    /// (Linear, Conv2d, batch norm); without it (the default), every row is its own forward and backward.
    /// </summary>
    nn.Module? Module => null;
}
