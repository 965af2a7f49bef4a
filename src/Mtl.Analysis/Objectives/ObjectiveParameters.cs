using static TorchSharp.torch;

namespace Mtl.Analysis.Objectives;

/// <summary>The parameter sets the per-task and total diagnostics differentiate with respect to.</summary>
internal static class ObjectiveParameters
{
    /// <summary>What task t's loss depends on: the shared parameters and task t's own.</summary>
    public static IReadOnlyList<Tensor> OfTask(IMultiTaskObjective objective, int task) =>
        objective.SharedParameters.Concat(objective.TaskParameters(task)).ToArray();

    /// <summary>What the total loss Σ_t L_t depends on: the shared parameters and every task's.</summary>
    public static IReadOnlyList<Tensor> All(IMultiTaskObjective objective) =>
        objective.SharedParameters.Concat(Enumerable.Range(0, objective.TaskNames.Count).SelectMany(objective.TaskParameters)).ToArray();

    /// <summary>The total training loss: the unweighted sum of the task losses (EW's objective).</summary>
    public static Tensor Total(Tensor[] losses) => losses.Aggregate((a, b) => a + b);
}
