namespace Mtl.Trainers.Methods;

/// <summary>Where per-task gradients are taken when a method combines them.</summary>
public enum GradientMode
{
    /// <summary>
    /// With respect to the shared parameters θ: one backward pass per task over the trunk (exact per-task
    /// gradients gᵢ = ∇θLᵢ; the Jacobian J has one row per task and one column per shared parameter).
    /// </summary>
    Parameters,

    /// <summary>
    /// With respect to the shared representation z (the trunk output): per-task gradients through the heads only,
    /// then one trunk backward of Σ wᵢ∂Lᵢ/∂z. Cheaper; exact for loss weightings, an approximation for the rest.
    /// </summary>
    Representation,
}
