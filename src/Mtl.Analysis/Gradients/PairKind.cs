namespace Mtl.Analysis.Gradients;

/// <summary>Which two gradients a pair compares (Elich et al., studies.md A3).</summary>
public enum PairKind
{
    /// <summary>∇L_s(xᵢ) vs ∇L_t(xᵢ): two tasks on the same sample; grouped by task pair "s|t".</summary>
    InterTask,
    /// <summary>∇L_t(x_a) vs ∇L_t(x_b), a ≠ b: one task on two samples; grouped by task name.</summary>
    InterSample,
}
