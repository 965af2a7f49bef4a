using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>
/// The column type of images (<see cref="MLImage"/> values), as ML.NET's <c>ImageDataViewType</c>:
/// a known size after <c>ResizeImages</c>, or 0×0 when the images may have any size.
/// </summary>
public sealed class ImageDataViewType : StructuredDataViewType
{
    /// <summary>Images of any size.</summary>
    public ImageDataViewType() : this(0, 0) { }

    /// <summary>Images of a known size (both 0 = any size).</summary>
    /// <param name="height">Rows (0 = unknown).</param>
    /// <param name="width">Columns (0 = unknown).</param>
    public ImageDataViewType(int height, int width) : base(typeof(MLImage))
    {
        if (height < 0 || width < 0 || (height == 0) != (width == 0))
            throw new ArgumentOutOfRangeException(nameof(height), $"Image type size {height}×{width}: give both sides positive, or both 0 for any size.");
        Height = height;
        Width = width;
    }

    /// <summary>Rows, or 0 when unknown.</summary>
    public int Height { get; }

    /// <summary>Columns, or 0 when unknown.</summary>
    public int Width { get; }

    /// <summary>Whether the size is fixed and known.</summary>
    public bool IsKnownSize => Height > 0;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is ImageDataViewType t && t.Height == Height && t.Width == Width;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(typeof(ImageDataViewType), Height, Width);

    /// <inheritdoc />
    public override string ToString() => IsKnownSize ? $"Image<{Height}, {Width}>" : "Image";
}

/// <summary>What an image step does with a row whose image cannot be read.</summary>
public enum ImageErrorHandling
{
    /// <summary>Throw an exception naming the file (the default, as in ML.NET).</summary>
    Throw = 0,
    /// <summary>Drop the row from the output view, log a warning naming the file and count it.</summary>
    SkipRow = 1,
}
