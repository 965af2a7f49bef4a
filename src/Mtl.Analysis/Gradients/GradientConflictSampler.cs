using Mtl.Analysis.Objectives;
using Mtl.Trainers.Engine;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>
/// Per-sample, per-task gradients on the SHARED parameters and their pairwise similarities (Elich et al., studies.md A3):
/// inter-task pairs ∇L_s(xᵢ) vs ∇L_t(xᵢ) for every task pair s &lt; t, and inter-sample pairs ∇L_t(x_a) vs ∇L_t(x_b),
/// a &lt; b, for every task. Heads are excluded: each head gets only its own task's gradient, so only the trunk can
/// conflict.
/// </summary>
public static class GradientConflictSampler
{
    /// <summary>Elich et al.'s number of samples per measurement.</summary>
    public const int DefaultSamples = 8;

    /// <summary>
    /// Measures the first <paramref name="samples"/> rows of <paramref name="batch"/> (the trainer's batches are already in
    /// seeded random order, so this keeps the measurement deterministic): one forward of the n rows and one backward per
    /// task, every row's gradient formed per layer (see <see cref="IMultiTaskObjective.Module"/>). The model is switched to evaluation mode for the measurement when <paramref name="evaluationMode"/> is
    /// true (default), so dropout does not add noise of its own to the per-sample gradients; its mode is restored after.
    /// </summary>
    /// <param name="objective">The model and its task losses.</param>
    /// <param name="batch">At least <paramref name="samples"/> rows.</param>
    /// <param name="samples">n ≥ 2 (inter-sample pairs need two samples).</param>
    /// <param name="evaluationMode">Measure with dropout off (true) or in the model's current mode (false).</param>
    public static ConflictSample Sample(IMultiTaskObjective objective, TaskBatch batch, int samples = DefaultSamples, bool evaluationMode = true)
    {
        ArgumentNullException.ThrowIfNull(objective);
        PerSampleGradients.Validate(batch, samples, 2, "The gradient conflict sampler");
        int tasks = objective.TaskNames.Count;
        if (tasks < 1) throw new ArgumentException("The objective has no tasks.", nameof(objective));
        using var scope = NewDisposeScope();
        using IDisposable? mode = evaluationMode ? objective.EvaluationMode() : null;
        IReadOnlyList<Tensor> shared = objective.SharedParameters;
        var targets = Enumerable.Range(0, tasks).Select(t => new PerSampleTarget(l => l[t], shared)).ToArray();
        return Compare(objective.TaskNames, PerSampleGradients.Compute(objective, batch, samples, targets));
    }

    /// <summary>
    /// The pairs from gradients the caller already has (a training monitor that receives per-sample gradients):
    /// <paramref name="perTaskGradients"/>[t] is an n × P matrix whose row i is ∇L_t(xᵢ) on the shared parameters.
    /// </summary>
    /// <param name="taskNames">Task names, one per matrix.</param>
    /// <param name="perTaskGradients">T matrices of the same shape n × P, n ≥ 2.</param>
    public static ConflictSample Compare(IReadOnlyList<string> taskNames, IReadOnlyList<Tensor> perTaskGradients)
    {
        ArgumentNullException.ThrowIfNull(taskNames);
        ArgumentNullException.ThrowIfNull(perTaskGradients);
        int tasks = taskNames.Count;
        if (tasks < 1 || perTaskGradients.Count != tasks)
            throw new ArgumentException($"Pass one gradient matrix per task: {tasks} task names but {perTaskGradients.Count} matrices.", nameof(perTaskGradients));
        long[] shape = perTaskGradients[0].shape;
        for (int t = 0; t < tasks; t++)
            if (perTaskGradients[t].dim() != 2 || !perTaskGradients[t].shape.SequenceEqual(shape))
                throw new ArgumentException(
                    $"Task {taskNames[t]}'s gradients have shape ({string.Join(", ", perTaskGradients[t].shape)}); every task needs the same n × P matrix, one row per sample, as task {taskNames[0]}'s ({string.Join(", ", shape)}).",
                    nameof(perTaskGradients));
        int samples = checked((int)shape[0]);
        if (samples < 2) throw new ArgumentException($"Inter-sample pairs need at least 2 samples; the matrices have {samples} rows.", nameof(perTaskGradients));
        using var scope = NewDisposeScope();
        // Row t·n + i holds ∇L_t(xᵢ); one pairwise pass serves both kinds.
        SimilarityMatrix similarity = GradientSimilarity.Pairwise(cat(perTaskGradients.ToArray(), 0));
        int Row(int task, int sample) => task * samples + sample;

        var pairs = new List<GradientPair>(tasks * (tasks - 1) / 2 * samples + tasks * samples * (samples - 1) / 2);
        for (int s = 0; s < tasks; s++)
            for (int t = s + 1; t < tasks; t++)
            {
                string group = taskNames[s] + "|" + taskNames[t];
                for (int i = 0; i < samples; i++)
                    pairs.Add(new GradientPair(PairKind.InterTask, group, s, t, i, i, similarity[Row(s, i), Row(t, i)]));
            }
        for (int t = 0; t < tasks; t++)
            for (int a = 0; a < samples; a++)
                for (int b = a + 1; b < samples; b++)
                    pairs.Add(new GradientPair(PairKind.InterSample, taskNames[t], t, t, a, b, similarity[Row(t, a), Row(t, b)]));

        var norms = new double[tasks, samples];
        for (int t = 0; t < tasks; t++)
            for (int i = 0; i < samples; i++)
                norms[t, i] = similarity.Norm(Row(t, i));
        return new ConflictSample(samples, taskNames.ToArray(), pairs, norms);
    }
}
