using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// Computes per-task gradients for gradient-based MTL methods, in the two modes of docs/architecture.md:
/// <list type="bullet">
/// <item><b>Parameters</b>: T backward passes over the shared trunk with the graph retained; exact per-task gradients of
/// every shared parameter tensor (cost ≈ 1 forward + T backward).</item>
/// <item><b>Representation</b>: per-task gradients at the shared representation z through the heads only, then one trunk
/// backward with Σ wᵢ ∂Lᵢ/∂z (cost ≈ 1 forward + 1 backward + T head backwards).</item>
/// </list>
/// In both, each head receives exactly its own task's gradient.
/// </summary>
internal static class TaskGradientEngine
{
    /// <summary>
    /// Parameters mode: returns the stacked per-task gradients of <paramref name="shared"/> and writes each task's
    /// gradient into its head parameters' .grad.
    /// </summary>
    public static StackedGradients ParameterGradients(IReadOnlyList<Tensor> taskLosses, IReadOnlyList<Tensor> shared,
        IReadOnlyList<IReadOnlyList<Tensor>> headParameters)
    {
        int tasks = taskLosses.Count;
        Validate(taskLosses, headParameters);
        StackedGradients result = StackedGradients.Allocate(tasks, shared);
        try
        {
            for (int i = 0; i < tasks; i++)
            {
                // One scope per task: each pass's gradients are copied into row i and released before the next pass.
                // Kept alive, they pin libtorch's backward buffers and the next pass runs about 2× slower (measured).
                using var scope = NewDisposeScope();
                var inputs = new List<Tensor>(shared.Count + headParameters[i].Count);
                inputs.AddRange(shared);
                inputs.AddRange(headParameters[i]);
                Tensor?[] grads = LossGradients.Of(taskLosses[i], inputs, retainGraph: i < tasks - 1, what: $"task {i}'s loss");
                result.SetRow(i, grads.Take(shared.Count).ToArray());
                AssignHeadGradients(headParameters[i], grads.Skip(shared.Count).ToArray());
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Representation mode, first half: <paramref name="representation"/> must be the detached, grad-requiring copies of
    /// the boundary tensors that the task-specific part consumed. Returns the stacked T×(Σ numel) boundary gradients and
    /// writes each task's parameter gradients.
    /// </summary>
    public static StackedGradients RepresentationGradients(IReadOnlyList<Tensor> taskLosses, IReadOnlyList<Tensor> representation,
        IReadOnlyList<IReadOnlyList<Tensor>> headParameters)
    {
        if (representation.Count == 0 || representation.Any(z => !z.requires_grad || !z.is_leaf))
            throw new ArgumentException("The representation must be one or more detached leaves with requires_grad (z.detach().requires_grad_()).", nameof(representation));
        int tasks = taskLosses.Count;
        Validate(taskLosses, headParameters);
        StackedGradients result = StackedGradients.Allocate(tasks, representation);
        try
        {
            for (int i = 0; i < tasks; i++)
            {
                using var scope = NewDisposeScope();
                var inputs = new List<Tensor>(representation.Count + headParameters[i].Count);
                inputs.AddRange(representation);
                inputs.AddRange(headParameters[i]);
                // Losses prepared by a method may share graph nodes (e.g. one exp of learnable scales), so keep the graph
                // until the last task.
                Tensor?[] grads = LossGradients.Of(taskLosses[i], inputs, retainGraph: i < tasks - 1, what: $"task {i}'s loss");
                result.SetRow(i, grads.Take(representation.Count).ToArray());
                AssignHeadGradients(headParameters[i], grads.Skip(representation.Count).ToArray());
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Representation mode, second half: one backward of the shared part from its boundary tensors with Σ wᵢ ∂Lᵢ/∂z.</summary>
    public static void BackwardThroughTrunk(IReadOnlyList<Tensor> boundaries, StackedGradients representationGradients, ReadOnlySpan<double> weights)
    {
        Tensor[] d = representationGradients.Combine(weights);
        try
        {
            if (boundaries.Count == 1) boundaries[0].backward(new[] { d[0] });
            else autograd.backward(boundaries.ToArray(), d);
        }
        finally
        {
            foreach (Tensor t in d) t.Dispose();
        }
    }

    /// <summary>Writes (or adds) a task's gradients to its head parameters' .grad.</summary>
    internal static void AssignHeadGradients(IReadOnlyList<Tensor> head, IReadOnlyList<Tensor?> grads)
    {
        for (int k = 0; k < head.Count; k++)
        {
            if (grads[k] is null) continue;
            using Tensor? existing = head[k].grad;
            if (existing is null) head[k].grad = grads[k];
            else existing.add_(grads[k]!);
        }
    }

    private static void Validate(IReadOnlyList<Tensor> taskLosses, IReadOnlyList<IReadOnlyList<Tensor>> headParameters)
    {
        if (taskLosses.Count == 0) throw new ArgumentException("no task losses", nameof(taskLosses));
        if (headParameters.Count != taskLosses.Count)
            throw new ArgumentException($"{headParameters.Count} heads for {taskLosses.Count} task losses", nameof(headParameters));
    }
}
