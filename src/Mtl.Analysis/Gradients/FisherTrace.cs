using Mtl.Analysis.Objectives;
using Mtl.Trainers.Engine;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>
/// Trace of the (empirical) Fisher information as Mueller et al. estimate it (studies.md B): the mean squared norm of
/// per-sample gradients of the training loss, tr F ≈ (1/n) Σᵢ ‖∇L(xᵢ)‖².
/// </summary>
public static class FisherTrace
{
    /// <summary>
    /// Estimates the trace per task and for the total loss on the first <paramref name="samples"/> rows of
    /// <paramref name="batch"/> (one forward of the n rows and one backward per task and for the total, per-sample gradients formed
    /// per layer; see <see cref="IMultiTaskObjective.Module"/>). With <paramref name="evaluationMode"/> (default) dropout is off
    /// during the measurement and the model's mode is restored after.
    /// </summary>
    /// <param name="objective">The model and its task losses.</param>
    /// <param name="batch">At least <paramref name="samples"/> rows.</param>
    /// <param name="samples">n ≥ 2 (one sample says nothing about a mean over samples).</param>
    /// <param name="evaluationMode">Measure with dropout off (true) or in the model's current mode (false).</param>
    public static FisherTraceReport Measure(IMultiTaskObjective objective, TaskBatch batch, int samples, bool evaluationMode = true)
    {
        ArgumentNullException.ThrowIfNull(objective);
        PerSampleGradients.Validate(batch, samples, 2, "The Fisher trace");
        int tasks = objective.TaskNames.Count;
        using var scope = NewDisposeScope();
        using IDisposable? mode = evaluationMode ? objective.EvaluationMode() : null;
        double[] traces = PerSampleGradients.Compute(objective, batch, samples, PerSampleGradients.TasksAndTotal(objective))
            .Select(FromGradients)
            .ToArray();
        return new FisherTraceReport(samples, objective.TaskNames.ToArray(), traces.Take(tasks).ToArray(), traces[^1]);
    }

    /// <summary>(1/n) Σᵢ ‖gᵢ‖² of an n × P matrix whose rows are per-sample gradients (n ≥ 2), e.g. from a training monitor.</summary>
    public static double FromGradients(Tensor perSampleGradients)
    {
        ArgumentNullException.ThrowIfNull(perSampleGradients);
        if (perSampleGradients.dim() != 2 || perSampleGradients.shape[0] < 2)
            throw new ArgumentException($"The Fisher trace needs an n × P matrix of per-sample gradients with n ≥ 2; got shape ({string.Join(", ", perSampleGradients.shape)}).", nameof(perSampleGradients));
        using var scope = NewDisposeScope();
        return perSampleGradients.detach().to_type(TorchSharp.torch.ScalarType.Float64).square().sum(1).mean().item<double>();
    }
}
