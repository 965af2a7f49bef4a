using Mtl.Torch;

namespace Mtl.Trainers.Methods;

public sealed partial class StepContext
{
    /// <summary>
    /// The step's shared representation z (trunk output, batch first), set by the trainer for methods with
    /// <see cref="GradientMethod.NeedsRepresentation"/> (GradDrop reads sign(z)); cleared by <see cref="BeginStep"/>.
    /// The context does not own it.
    /// </summary>
    public Tensor? Representation { get; set; }

    partial void OnBeginStep() => Representation = null;
}
