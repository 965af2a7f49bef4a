namespace Mtl.Datasets;

/// <summary>
/// A set of labeled grayscale images kept compactly as bytes (0 = black, 255 = white), row-major,
/// one image after another. This is the raw form every builder in this library composes from.
/// </summary>
public sealed class LabeledImageSet
{
    private readonly byte[] _pixels;
    private readonly byte[] _labels;

    /// <summary>Creates a set from packed pixels and 0-based labels.</summary>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="pixels">All images, row-major, one after another: <c>labels.Length * height * width</c> bytes.</param>
    /// <param name="labels">One 0-based label per image, each below <c>classNames.Count</c>.</param>
    /// <param name="classNames">Class names, indexed by label.</param>
    /// <param name="source">Where the data came from (used in messages).</param>
    /// <remarks>The arrays are kept, not copied: do not change them afterwards.</remarks>
    public LabeledImageSet(int height, int width, byte[] pixels, byte[] labels, IReadOnlyList<string> classNames, string source)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(source);
        if (classNames.Count is < 1 or > 256)
            throw new ArgumentException($"Between 1 and 256 class names are needed; got {classNames.Count}.", nameof(classNames));
        if ((long)labels.Length * height * width != pixels.Length)
            throw new InvalidDataException(
                $"{source}: {labels.Length} label(s) but {pixels.Length} pixel bytes, which is {(double)pixels.Length / (height * width)} images of {height}x{width}; " +
                "image and label counts must match.");
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classNames.Count)
                throw new InvalidDataException($"{source}: label {labels[i]} of image {i} is out of range; expected 0..{classNames.Count - 1}.");
        }
        Height = height;
        Width = width;
        _pixels = pixels;
        _labels = labels;
        ClassNames = classNames.ToArray();
        Source = source;
    }

    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Pixels per image (<see cref="Height"/> × <see cref="Width"/>).</summary>
    public int PixelCount => Height * Width;

    /// <summary>Class names, indexed by 0-based label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the data came from (a file or folder).</summary>
    public string Source { get; }

    /// <summary>All labels, 0-based, in image order.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    /// <summary>The pixels of image <paramref name="index"/>, row-major.</summary>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"Image index {index} is outside 0..{Count - 1} of {Source}.");
        return _pixels.AsSpan(index * PixelCount, PixelCount);
    }

    /// <summary>Writes image <paramref name="index"/> as floats, normalised as <paramref name="normalization"/> says.</summary>
    /// <param name="index">Image index.</param>
    /// <param name="destination">Receives <see cref="PixelCount"/> values, row-major.</param>
    /// <param name="normalization">Pixel mapping; <see cref="ImageNormalization.None"/> gives b / 255.</param>
    public void CopyImage(int index, Span<float> destination, ImageNormalization normalization)
    {
        normalization.Validate();
        var image = GetImage(index);
        if (destination.Length != image.Length)
            throw new ArgumentException($"Expected {image.Length} values, got {destination.Length}.", nameof(destination));
        for (int i = 0; i < image.Length; i++)
            destination[i] = (image[i] / 255f - normalization.Mean) / normalization.Std;
    }

    /// <summary>The 0-based label of image <paramref name="index"/>.</summary>
    public int GetLabel(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"Image index {index} is outside 0..{Count - 1} of {Source}.");
        return _labels[index];
    }

    /// <summary>A copy of the contiguous images [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    /// <param name="start">First image.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="description">Appended to <see cref="Source"/> to say which part this is.</param>
    public LabeledImageSet Slice(int start, int count, string description)
    {
        if (start < 0 || count < 0 || start > Count - count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Range [{start}, {start}+{count}) is outside the {Count} images of {Source}.");
        var pixels = _pixels.AsSpan(start * PixelCount, count * PixelCount).ToArray();
        var labels = _labels.AsSpan(start, count).ToArray();
        return new LabeledImageSet(Height, Width, pixels, labels, ClassNames, $"{Source} [{description}]");
    }

    /// <summary>A copy of the images at <paramref name="indices"/>, in that order.</summary>
    /// <param name="indices">Image indices; repeats are allowed.</param>
    /// <param name="description">Appended to <see cref="Source"/> to say which part this is.</param>
    public LabeledImageSet Select(IReadOnlyList<int> indices, string description)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var pixels = new byte[indices.Count * PixelCount];
        var labels = new byte[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            GetImage(indices[i]).CopyTo(pixels.AsSpan(i * PixelCount, PixelCount));
            labels[i] = _labels[indices[i]];
        }
        return new LabeledImageSet(Height, Width, pixels, labels, ClassNames, $"{Source} [{description}]");
    }
}
