namespace Mtl.Analysis.Monitors;

/// <summary>
/// The trajectory factors at one checkpoint, all measured on the monitor's fixed rows with dropout off and with the
/// tasks' own losses (LossWeight 1). Per-task lists are in head order; a factor that was not measured is NaN.
/// </summary>
/// <param name="Step">Global steps done (0 = at initialisation).</param>
/// <param name="Epochs">Epochs done, fractional (Step / steps per epoch).</param>
/// <param name="TrainingLoss">Mean loss per task on the fixed training rows.</param>
/// <param name="ValidationLoss">Mean loss per task on the fixed validation rows.</param>
/// <param name="SharpnessPerTask">Top Hessian eigenvalue of each task's loss (trunk + its head).</param>
/// <param name="SharpnessTotal">Top Hessian eigenvalue of the summed loss (all parameters).</param>
/// <param name="SharpnessConverged">Whether every power iteration converged within its cap.</param>
/// <param name="HessianVectorProducts">Hessian-vector products the sharpness took.</param>
/// <param name="FisherPerTask">Fisher trace (mean squared per-sample gradient norm) per task.</param>
/// <param name="FisherTotal">Fisher trace of the summed loss.</param>
/// <param name="NoiseScalePerTask">Simple gradient noise scale B_simple per task.</param>
/// <param name="NoiseScaleTotal">B_simple of the summed loss.</param>
/// <param name="TrunkDistance">‖θ_trunk − θ_trunk,0‖ from the start of training.</param>
/// <param name="HeadDistance">‖θ_head − θ_head,0‖ per task.</param>
/// <param name="Seconds">Wall time the checkpoint's measurements took.</param>
public sealed record TrajectoryCheckpoint(long Step, double Epochs, IReadOnlyList<double> TrainingLoss, IReadOnlyList<double> ValidationLoss,
    IReadOnlyList<double> SharpnessPerTask, double SharpnessTotal, bool SharpnessConverged, int HessianVectorProducts,
    IReadOnlyList<double> FisherPerTask, double FisherTotal, IReadOnlyList<double> NoiseScalePerTask, double NoiseScaleTotal,
    double TrunkDistance, IReadOnlyList<double> HeadDistance, double Seconds);
