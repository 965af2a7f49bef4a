namespace Mtl.Analysis.Studies;

/// <summary>How much of the generalization-gap protocol one preset runs.</summary>
/// <param name="Rows">Training rows of the Multi-* set.</param>
/// <param name="Epochs">Epochs per run.</param>
/// <param name="Seeds">Seeds (each: one STL run per task and one MTL run).</param>
/// <param name="BatchSize">Mini-batch size.</param>
/// <param name="CheckpointEvery">Steps between checkpoints.</param>
/// <param name="FixedTrainingRows">Fixed training rows the losses and factors are measured on (the first ones).</param>
/// <param name="FixedValidationRows">Fixed validation rows the validation loss is measured on.</param>
/// <param name="SharpnessRows">Rows of the sharpness batch.</param>
/// <param name="SharpnessIterations">Power-iteration cap.</param>
/// <param name="FisherSamples">Per-sample gradients of the Fisher trace.</param>
/// <param name="NoiseSmallBatch">Small batch b of the noise scale (B = the fixed training rows).</param>
/// <param name="Levels">Matched training-loss levels.</param>
/// <param name="ExpectedTime">Expected wall time on 2 cores.</param>
public sealed record GapSettings(int Rows, int Epochs, int Seeds, int BatchSize, int CheckpointEvery, int FixedTrainingRows, int FixedValidationRows,
    int SharpnessRows, int SharpnessIterations, int FisherSamples, int NoiseSmallBatch, int Levels, string ExpectedTime)
{
    /// <summary>The settings of <paramref name="preset"/>.</summary>
    public static GapSettings For(StudyPreset preset) => preset switch
    {
        StudyPreset.Smoke => new(512, 2, 1, 64, 4, 64, 64, 32, 3, 4, 16, 5, "seconds"),
        StudyPreset.Quick => new(12000, 5, 2, 128, 31, 512, 1024, 256, 20, 32, 64, 8, "5–10 minutes"),
        StudyPreset.Paper => new(50000, 100, 3, 256, 65, 2048, 2048, 256, 20, 64, 128, 12, "about 9 hours"),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown preset; use smoke, quick or paper."),
    };
}
