using Mtl.Torch.Modules;

namespace Mtl.Trainers.Methods;

public abstract partial class MtlMethod
{
    /// <summary>
    /// The method's learnable parameters (e.g. UW's log-variances), created by <see cref="Initialize"/>. The trainer
    /// adds them to its optimizer; they receive gradients from the losses the method builds. Empty by default.
    /// Parameters are float32 on the CPU; a loss on another device reaches them through a differentiable copy.
    /// </summary>
    public virtual IEnumerable<Parameter> Parameters() => [];
}
