using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Methods;

/// <summary>
/// IMTL (Liu et al., 2021) = IMTL-L + IMTL-G: the task losses are first rescaled by IMTL-L's learnable scales
/// (<see cref="PrepareTaskLosses"/> returns e^{sᵢ}Lᵢ − sᵢ), then the gradients of those losses are combined with
/// IMTL-G's equal-projection weights. The scales are <see cref="Parameters"/> and get the gradient of Σᵢ(e^{sᵢ}Lᵢ − sᵢ).
/// </summary>
public sealed class IMTL : GramianWeighting
{
    private readonly IMTLL _lossScales = new();

    /// <summary>Creates IMTL.</summary>
    public IMTL() : base("IMTL", GradientMode.Parameters, GradientMode.Representation)
    {
    }

    /// <summary>The IMTL-L log-scales sᵢ.</summary>
    public double[] LogScales => _lossScales.LogScales;

    /// <inheritdoc />
    protected override void OnInitialize(int taskCount) => _lossScales.Initialize(taskCount);

    /// <inheritdoc />
    public override IEnumerable<Parameter> Parameters() => _lossScales.Parameters();

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> PrepareTaskLosses(IReadOnlyList<Tensor> losses, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        EnsureTaskCount(losses.Count, "the list of losses");
        return _lossScales.Transform(losses, context);
    }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context) => IMTLG.EqualProjectionWeights(gramian);

    /// <summary>Options of <see cref="IMTL"/> (no hyperparameters; text "imtl").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "imtl";

        /// <inheritdoc />
        public override MtlMethod Create() => new IMTL();
    }
}
