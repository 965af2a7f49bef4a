using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Mtl.Trainers.Engine;

namespace Mtl.Trainers.Methods;

public abstract partial class MtlMethod
{
    /// <summary>
    /// The method's learnable parameters (e.g. UW's log-variances), created by <see cref="Initialize"/>. The trainer
    /// adds them to its optimizer; they receive gradients from the losses the method builds. Empty by default.
    /// Parameters are float32 on the CPU; a loss on another device reaches them through a differentiable copy.
    /// Their values are part of <see cref="WriteState"/>.
    /// </summary>
    public virtual IEnumerable<Parameter> Parameters() => [];

    /// <summary>
    /// The family's step template: asks <paramref name="step"/> for what the family consumes (one backward of a combined
    /// loss, the Gramian, or the Jacobian), runs the method's rule and hands the result back. Returns the task weights
    /// of the step, or null for methods without per-task weights.
    /// </summary>
    /// <param name="step">The training step's gradient services.</param>
    /// <param name="losses">The T scalar task losses (graph attached).</param>
    /// <param name="context">The step's context (already begun).</param>
    internal abstract double[]? Apply(IStepGradients step, IReadOnlyList<Tensor> losses, StepContext context);
}
