namespace Mtl.Analysis.Studies;

/// <summary>How much of the loss-scale protocol one preset runs (per setup: rows, epochs, batch).</summary>
/// <param name="ToyRows">Rows of the toy regression.</param>
/// <param name="ToyEpochs">Epochs on the toy.</param>
/// <param name="ToyBatch">Batch size on the toy.</param>
/// <param name="ImageRows">Training rows of the Multi-* image set for the MultiLeNet.</param>
/// <param name="ImageEpochs">Epochs of the MultiLeNet.</param>
/// <param name="ImageBatch">Batch size of the MultiLeNet.</param>
/// <param name="ExpectedTime">Expected wall time on 2 cores (stated in the report).</param>
public sealed record LossScaleSettings(int ToyRows, int ToyEpochs, int ToyBatch, int ImageRows, int ImageEpochs, int ImageBatch, string ExpectedTime)
{
    /// <summary>The settings of <paramref name="preset"/>.</summary>
    public static LossScaleSettings For(StudyPreset preset) => preset switch
    {
        StudyPreset.Smoke => new(256, 2, 64, 256, 1, 64, "seconds"),
        StudyPreset.Quick => new(2048, 10, 64, 6000, 2, 128, "3–7 minutes"),
        StudyPreset.Paper => new(8192, 50, 64, 50000, 10, 256, "about 40 minutes"),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown preset; use smoke, quick or paper."),
    };
}
