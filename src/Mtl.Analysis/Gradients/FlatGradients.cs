using Mtl.Trainers.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>Gradients of one scalar with respect to a parameter list, flattened into one vector.</summary>
internal static class FlatGradients
{
    /// <summary>
    /// ∂loss/∂parameters as one float64 vector (parameters the loss does not reach contribute zeros).
    /// <paramref name="retainGraph"/> is explicit: TorchSharp frees the graph by default.
    /// </summary>
    public static Tensor Of(Tensor loss, IReadOnlyList<Tensor> parameters, bool retainGraph)
    {
        if (parameters.Count == 0) throw new ArgumentException("The gradient needs at least one parameter tensor.", nameof(parameters));
        Tensor?[] grads = LossGradients.Of(loss, parameters, retainGraph);
        var pieces = new Tensor[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
            pieces[i] = grads[i]?.detach().flatten().to_type(ScalarType.Float64) ?? zeros(parameters[i].numel(), ScalarType.Float64, parameters[i].device);
        return cat(pieces, 0);
    }
}
