namespace Mtl.Trainers.Methods;

/// <summary>
/// A method that combines per-task gradients into one update direction d (written into the shared
/// parameters' gradients by the trainer; heads keep their own task's gradient).
/// </summary>
/// <remarks>
/// Per step the family's template (1) calls <c>PrepareTaskLosses</c> (identity unless the method rescales losses, like
/// IMTL), (2) asks the step for the per-task gradients of those losses in the chosen <see cref="GradientMode"/>, (3) asks
/// the method for d (through <c>Aggregate</c> on the Jacobian, or through
/// <see cref="GramianWeighting.Weights(double[,], StepContext)"/> and d = Σ wᵢgᵢ for Gramian methods).
/// </remarks>
public abstract partial class GradientMethod : MtlMethod
{
    /// <summary>Creates a gradient method.</summary>
    /// <param name="name">Display name.</param>
    /// <param name="supportedModes">The gradient modes the method allows.</param>
    protected GradientMethod(string name, params GradientMode[] supportedModes) : base(name, GradientNeed.Jacobian, supportedModes)
    {
    }

    /// <summary>Creates a gradient method that consumes less than the Jacobian (the Gramian family).</summary>
    private protected GradientMethod(string name, GradientNeed need, GradientMode[] supportedModes) : base(name, need, supportedModes)
    {
    }
}
