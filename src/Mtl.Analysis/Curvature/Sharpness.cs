using Mtl.Analysis.Objectives;
using static TorchSharp.torch;

namespace Mtl.Analysis.Curvature;

/// <summary>
/// Sharpness (Mueller et al., studies.md B): the top Hessian eigenvalue of each task's training loss and of their sum,
/// on a fixed batch, by <see cref="HessianPowerIteration"/>.
/// </summary>
public static class Sharpness
{
    /// <summary>
    /// Measures the sharpness of every task loss (w.r.t. the shared parameters and that task's head) and of the total loss
    /// (w.r.t. all parameters) on <paramref name="batch"/>. The model is ALWAYS put in evaluation mode for the measurement
    /// (dropout off: otherwise every Hessian-vector product would see another network) and restored afterwards.
    /// Task t's run uses start-vector seed options.Seed + t, the total's options.Seed + T.
    /// </summary>
    public static SharpnessReport Measure(IMultiTaskObjective objective, TaskBatch batch, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(batch);
        options ??= new PowerIterationOptions();
        options.Validate();
        int tasks = objective.TaskNames.Count;
        using var scope = NewDisposeScope();
        using IDisposable mode = objective.EvaluationMode();
        var perTask = new EigenvalueEstimate[tasks];
        for (int t = 0; t < tasks; t++)
        {
            // A fresh forward per run: each run's gradient graph is consumed by its own products.
            Tensor[] losses = objective.Losses(batch);
            perTask[t] = HessianPowerIteration.TopEigenvalue(losses[t], ObjectiveParameters.OfTask(objective, t), WithSeed(options, options.Seed + t));
        }
        Tensor total = ObjectiveParameters.Total(objective.Losses(batch));
        EigenvalueEstimate all = HessianPowerIteration.TopEigenvalue(total, ObjectiveParameters.All(objective), WithSeed(options, options.Seed + tasks));
        return new SharpnessReport(objective.TaskNames.ToArray(), perTask, all);
    }

    private static PowerIterationOptions WithSeed(PowerIterationOptions o, int seed) => new()
    {
        MaxIterations = o.MaxIterations,
        Tolerance = o.Tolerance,
        ResidualTolerance = o.ResidualTolerance,
        Seed = seed,
    };
}
