namespace Mtl.Analysis.Gradients;

/// <summary>
/// When to measure gradient conflicts during training: every <see cref="EveryIterations"/> steps on
/// <see cref="Samples"/> rows of the step's batch (Elich et al.: every 5 iterations, 8 samples).
/// </summary>
public sealed class ConflictSamplingSchedule
{
    /// <summary>Elich et al.'s interval between measurements.</summary>
    public const int DefaultEveryIterations = 5;

    /// <summary>Creates a schedule.</summary>
    /// <param name="everyIterations">k ≥ 1: measure at steps 0, k, 2k, …</param>
    /// <param name="samples">n ≥ 2 rows per measurement.</param>
    public ConflictSamplingSchedule(int everyIterations = DefaultEveryIterations, int samples = GradientConflictSampler.DefaultSamples)
    {
        if (everyIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(everyIterations), everyIterations, "Conflicts are measured every k ≥ 1 iterations.");
        if (samples < 2)
            throw new ArgumentOutOfRangeException(nameof(samples), samples, "Inter-sample pairs need at least 2 samples per measurement.");
        EveryIterations = everyIterations;
        Samples = samples;
    }

    /// <summary>k: iterations between measurements.</summary>
    public int EveryIterations { get; }

    /// <summary>n: rows per measurement.</summary>
    public int Samples { get; }

    /// <summary>Whether the zero-based training step <paramref name="step"/> is a measurement step.</summary>
    public bool IsDue(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "Training steps count from 0.");
        return step % EveryIterations == 0;
    }
}
