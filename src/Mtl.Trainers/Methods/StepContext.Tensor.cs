using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

public sealed partial class StepContext : IDisposable
{
    /// <summary>
    /// The step's shared representation z (trunk output, batch first), set by the trainer for methods with
    /// <see cref="MethodRequirements.NeedsRepresentation"/> (GradDrop reads sign(z)); cleared by <see cref="BeginStep"/>.
    /// The context does not own it.
    /// </summary>
    public Tensor? Representation { get; set; }

    private Generator? _generator;

    /// <summary>
    /// A CPU torch generator for the step's tensor draws (GradDrop's thresholds, Random GradDrop's masks), seeded from
    /// (seed, step) like <see cref="Random"/>; created on first use in a step. Draw on the CPU with it and move the result.
    /// </summary>
    public Generator TorchGenerator => _generator ??= new Generator((ulong)StepSeed(_seed, Step) + 1, torch.CPU);

    /// <summary>Releases the step's torch generator.</summary>
    public void Dispose()
    {
        _generator?.Dispose();
        _generator = null;
    }

    partial void OnBeginStep()
    {
        Representation = null;
        _generator?.Dispose();
        _generator = null;
    }
}
