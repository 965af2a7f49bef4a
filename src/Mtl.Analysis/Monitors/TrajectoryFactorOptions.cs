using Mtl.Analysis.Objectives;

namespace Mtl.Analysis.Monitors;

/// <summary>What <see cref="TrajectoryFactorMonitor"/> measures, on which fixed rows, and when.</summary>
public sealed class TrajectoryFactorOptions
{
    /// <summary>Fixed training rows (one target per task the run trains, in head order); the caller owns the tensors.</summary>
    public TaskBatch? Training { get; set; }

    /// <summary>Fixed validation rows (same layout); the caller owns the tensors.</summary>
    public TaskBatch? Validation { get; set; }

    /// <summary>A checkpoint every this many global steps (0 = none between epoch ends).</summary>
    public int EveryNSteps { get; set; }

    /// <summary>A checkpoint at every epoch's end (skipped when a step checkpoint fell on the same step).</summary>
    public bool AtEpochEnds { get; set; } = true;

    /// <summary>A checkpoint before the first step (the weights at initialisation).</summary>
    public bool AtStart { get; set; } = true;

    /// <summary>Rows of <see cref="Training"/> (its first ones) the sharpness is measured on.</summary>
    public int SharpnessRows { get; set; } = 256;

    /// <summary>Power-iteration cap for the sharpness (0 = do not measure sharpness).</summary>
    public int SharpnessIterations { get; set; } = 20;

    /// <summary>Relative-change tolerance of the power iteration.</summary>
    public double SharpnessTolerance { get; set; } = 1e-3;

    /// <summary>Per-sample gradients the Fisher trace averages (first rows of <see cref="Training"/>; 0 = do not measure).</summary>
    public int FisherSamples { get; set; } = 32;

    /// <summary>Small batch b of the gradient noise scale, B being all of <see cref="Training"/> (0 = do not measure).</summary>
    public int NoiseSmallBatch { get; set; } = 32;

    /// <summary>Called with each checkpoint as soon as it is measured (live progress); null = nobody listens.</summary>
    public Action<TrajectoryCheckpoint>? Checkpointed { get; set; }

    /// <summary>Seed of the power iteration's start vectors.</summary>
    public int Seed { get; set; }
}
