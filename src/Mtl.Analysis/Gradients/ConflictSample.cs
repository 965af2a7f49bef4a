namespace Mtl.Analysis.Gradients;

/// <summary>Everything one call of <see cref="GradientConflictSampler.Sample"/> measured.</summary>
/// <param name="Samples">Number of rows n whose gradients were compared.</param>
/// <param name="TaskNames">Task names in task order.</param>
/// <param name="Pairs">Every inter-task pair (n per task pair) and inter-sample pair (n(n−1)/2 per task).</param>
/// <param name="GradientNorms">‖∇L_t(xᵢ)‖ on the shared parameters, indexed [task, sample].</param>
public sealed record ConflictSample(int Samples, IReadOnlyList<string> TaskNames, IReadOnlyList<GradientPair> Pairs, double[,] GradientNorms)
{
    /// <summary>The pairs of one kind.</summary>
    public IEnumerable<GradientPair> OfKind(PairKind kind) => Pairs.Where(p => p.Kind == kind);
}
