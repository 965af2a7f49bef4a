using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// The one way this code base asks libtorch for "the gradient of a loss with respect to a parameter list". It checks
/// what libtorch would otherwise answer with a native abort: a parameter that takes no gradient (a frozen trunk) is a
/// clear <see cref="InvalidOperationException"/>, and a loss that reaches no trainable tensor (e.g. a task without
/// labelled rows in the batch) has a zero gradient, returned as nulls without calling into libtorch.
/// </summary>
internal static class LossGradients
{
    /// <summary>
    /// ∂<paramref name="loss"/>/∂<paramref name="parameters"/>: one entry per parameter, null where the loss does not
    /// depend on it. <paramref name="retainGraph"/> is explicit: TorchSharp frees the graph by default.
    /// </summary>
    /// <param name="loss">A scalar.</param>
    /// <param name="parameters">Tensors that take gradients.</param>
    /// <param name="retainGraph">Keep the graph for another gradient call.</param>
    /// <param name="createGraph">Build a graph of the gradient itself (for second derivatives).</param>
    /// <param name="what">What the gradient is for, named in the error.</param>
    /// <exception cref="InvalidOperationException">A parameter takes no gradient (frozen).</exception>
    public static Tensor?[] Of(Tensor loss, IReadOnlyList<Tensor> parameters, bool retainGraph, bool createGraph = false, string what = "a loss")
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        int frozen = 0;
        foreach (Tensor p in parameters)
            if (!p.requires_grad) frozen++;
        if (frozen > 0)
            throw new InvalidOperationException(
                $"The gradient of {what} was asked with respect to {parameters.Count} tensors, {frozen} of which take no gradients " +
                "(frozen, e.g. by Options.FreezeTrunk). Ask only for trainable parameters, or leave them trainable.");
        if (parameters.Count == 0 || !loss.requires_grad) return new Tensor?[parameters.Count];
        return Defined(autograd.grad(new[] { loss }, parameters as IList<Tensor> ?? parameters.ToArray(), retain_graph: retainGraph,
            create_graph: createGraph, allow_unused: true));
    }

    /// <summary>
    /// TorchSharp returns an input that the output does not depend on (allowed by <c>allow_unused</c>) as a tensor with
    /// an invalid handle rather than null; this maps those to null.
    /// </summary>
    private static Tensor?[] Defined(IList<Tensor> gradients)
    {
        var result = new Tensor?[gradients.Count];
        for (int k = 0; k < result.Length; k++)
        {
            if (gradients[k] is { IsInvalid: false } g) result[k] = g;
            else gradients[k]?.Dispose(); // an unreached input's empty answer is a live wrapper outside any scope
        }
        return result;
    }
}
