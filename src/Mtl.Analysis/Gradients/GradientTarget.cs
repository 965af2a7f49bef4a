using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>One quantity whose per-sample gradient is wanted: a scalar built from the T task losses, and the parameters.</summary>
/// <param name="Loss">The scalar from the sample's task losses (task t's loss, or their sum).</param>
/// <param name="Parameters">The parameters to differentiate with respect to.</param>
internal sealed record GradientTarget(Func<Tensor[], Tensor> Loss, IReadOnlyList<Tensor> Parameters);
