using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// What a training step offers the method families' templates (<c>MtlMethod.Apply</c>): the gradients they consume and
/// the places their result goes. The implementation knows the gradient mode, the shared and head parameters and the
/// optimizer; the methods know none of these.
/// </summary>
internal interface IStepGradients
{
    /// <summary>
    /// Loss weightings: backpropagates the combined loss. An optimizer with one state per task instead receives the
    /// gradients of wᵢLᵢ per task (the method's own parameters still learn from <paramref name="combined"/>).
    /// </summary>
    /// <param name="combined">The scalar loss the method built.</param>
    /// <param name="taskLosses">The T task losses it was built from.</param>
    /// <param name="weights">The effective weights ∂L/∂Lᵢ (null when the method reports none).</param>
    void BackwardCombined(Tensor combined, IReadOnlyList<Tensor> taskLosses, IReadOnlyList<double>? weights);

    /// <summary>
    /// Gradient methods: the per-task gradients of <paramref name="losses"/> in the step's mode (shared parameters or the
    /// shared representation). Heads receive their own task's gradient and the method's parameters the gradient of Σᵢ Lᵢ.
    /// The caller disposes the result.
    /// </summary>
    StackedGradients TaskGradients(IReadOnlyList<Tensor> losses);

    /// <summary>Applies d = Jᵀw: into the shared gradients (Parameters), one trunk backward (Representation), or per task to the optimizer.</summary>
    void ApplyWeights(StackedGradients gradients, IReadOnlyList<double> weights);

    /// <summary>Applies a direction d with the layout of one Jacobian row.</summary>
    void ApplyDirection(StackedGradients gradients, Tensor direction);

    /// <summary>Runs the method's own computation (its solver) and counts the time as solver time.</summary>
    T Solve<T>(Func<T> solver);
}
