using Mtl.Transforms.Corruptions;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Data;

/// <summary>
/// Corrupts the materialised training images afresh for each epoch (Options.Augmentation): row r of epoch e gets the
/// sampler's draw from the seed (run seed, e, r), applied in pixel space, so the result depends neither on the order the
/// rows are visited nor on threads.
/// </summary>
internal sealed class EpochAugmenter
{
    private readonly CorruptionSampler sampler;
    private readonly float[] clean;
    private readonly long[] rowShape;
    private readonly float scale;
    private readonly float offset;
    private readonly int seed;

    public EpochAugmenter(CorruptionSampler sampler, MaterializedData data, float scale, float offset, int seed)
    {
        if (data.RowShape.Length != 3)
            throw new ArgumentException($"Options.Augmentation needs image features shaped (C, H, W), e.g. Vector<Single, 1, 28, 28>; the feature rows are shaped ({string.Join(", ", data.RowShape)}).");
        if (scale == 0 || !float.IsFinite(scale) || !float.IsFinite(offset))
            throw new ArgumentOutOfRangeException(nameof(scale), $"AugmentationPixelScale must be finite and non-zero and AugmentationPixelOffset finite; got {scale}, {offset}.");
        this.sampler = sampler;
        clean = data.HostFeatures ?? throw new InvalidOperationException("The training data was read without a host copy of its features.");
        rowShape = data.RowShape;
        this.scale = scale;
        this.offset = offset;
        this.seed = seed;
    }

    /// <summary>The corrupted features of one epoch, as a tensor shaped like the clean ones.</summary>
    public Tensor Features(int epoch)
    {
        int channels = (int)rowShape[0], height = (int)rowShape[1], width = (int)rowShape[2];
        int rowSize = channels * height * width, rows = clean.Length / rowSize;
        var corrupted = new float[clean.Length];
        Parallel.For(0, rows, r =>
        {
            Span<float> image = corrupted.AsSpan(r * rowSize, rowSize);
            ReadOnlySpan<float> source = clean.AsSpan(r * rowSize, rowSize);
            for (int i = 0; i < rowSize; i++) image[i] = source[i] * scale + offset;
            sampler.Apply(image, channels, height, width, CorruptionRandom.Combine((ulong)(uint)seed, (ulong)epoch, (ulong)r));
            for (int i = 0; i < rowSize; i++) image[i] = (image[i] - offset) / scale;
        });
        return tensor(corrupted, rowShape.Prepend(rows).ToArray());
    }
}
