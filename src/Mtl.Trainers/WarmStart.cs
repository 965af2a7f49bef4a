using Mtl.Trainers.Network;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>Starting from a trained model's weights (<see cref="TrainingHooks.InitialModel"/>) and freezing the trunk.</summary>
internal static class WarmStart
{
    /// <summary>
    /// Copies every parameter and buffer of <paramref name="from"/> into <paramref name="to"/>, after checking that names and
    /// shapes agree. The buffers include the regression heads' target statistics, so a warm-started network keeps its
    /// initial model's standard units (its heads were learnt in them) rather than the new training data's.
    /// </summary>
    /// <exception cref="ArgumentException">The two networks differ (the message names the first difference).</exception>
    public static void CopyWeights(MultiTaskNetwork from, MultiTaskNetwork to)
    {
        Dictionary<string, Tensor> source = from.state_dict();
        Dictionary<string, Tensor> target = to.state_dict();
        const string fix = "The initial model must have the same architecture, trunk, input shape and tasks (in the same order, with the same class counts and head sizes).";
        // Names before shapes: a different task count shows as a missing or extra head, not as the per-task statistics' shape.
        string? missing = target.Keys.FirstOrDefault(k => !source.ContainsKey(k));
        if (missing is not null)
            throw new ArgumentException($"TrainingHooks.InitialModel has no weight '{missing}' that this network needs. {fix}");
        string? extra = source.Keys.FirstOrDefault(k => !target.ContainsKey(k));
        if (extra is not null)
            throw new ArgumentException($"TrainingHooks.InitialModel has a weight '{extra}' this network does not. {fix}");
        foreach ((string name, Tensor t) in target)
        {
            Tensor s = source[name];
            if (!s.shape.SequenceEqual(t.shape))
                throw new ArgumentException($"TrainingHooks.InitialModel's weight '{name}' has shape ({string.Join(", ", s.shape)}); this network's is ({string.Join(", ", t.shape)}). {fix}");
        }
        using var noGrad = no_grad();
        foreach ((string name, Tensor t) in target)
            t.copy_(source[name]);
    }

    /// <summary>Turns off gradients of <paramref name="parameters"/> until the result is disposed.</summary>
    public static IDisposable Freeze(IReadOnlyList<Parameter> parameters) => new Frozen(parameters);

    private sealed class Frozen : IDisposable
    {
        private readonly IReadOnlyList<Parameter> parameters;

        public Frozen(IReadOnlyList<Parameter> parameters)
        {
            this.parameters = parameters;
            foreach (Parameter p in parameters) p.requires_grad = false;
        }

        public void Dispose()
        {
            foreach (Parameter p in parameters) p.requires_grad = true;
        }
    }
}
