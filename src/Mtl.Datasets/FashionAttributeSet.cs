namespace Mtl.Datasets;

/// <summary>
/// Fashion-MNIST as a three-task set over single 28×28 images: the 10-way <c>Class</c>, a 5-way
/// <c>Coarse</c> category derived from it, and the binary <c>UpperBody</c> attribute. The derived
/// tasks are coarser views of the same label, so the three tasks are related by construction
/// (a model that knows the class knows the rest) but differ in difficulty and loss scale.
/// </summary>
/// <remarks>
/// <para>Coarse: Top = T-shirt/top, Pullover, Coat, Shirt; Bottom = Trouser; Dress = Dress;
/// Footwear = Sandal, Sneaker, Ankle boot; Bag = Bag.</para>
/// <para>UpperBody = the garment covers the upper body: T-shirt/top, Pullover, Dress, Coat, Shirt
/// (yes) versus Trouser, Sandal, Sneaker, Bag, Ankle boot (no). It cuts across Coarse (Dress is
/// upper-body but not a Top), so it is not a relabelling of one coarse class.</para>
/// </remarks>
public sealed class FashionAttributeSet
{
    private static readonly byte[] s_coarseOfClass = [0, 1, 0, 2, 0, 3, 0, 3, 4, 3];
    private static readonly byte[] s_upperBodyOfClass = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0];
    private readonly float[] _lookup;

    /// <summary>Names of the <c>Coarse</c> categories, indexed by 0-based value.</summary>
    public static IReadOnlyList<string> CoarseNames { get; } = ["Top", "Bottom", "Dress", "Footwear", "Bag"];

    /// <summary>Names of the <c>UpperBody</c> values, indexed by 0-based value.</summary>
    public static IReadOnlyList<string> UpperBodyNames { get; } = ["No", "Yes"];

    /// <summary>The coarse category (0-based, see <see cref="CoarseNames"/>) of a Fashion-MNIST class.</summary>
    public static int CoarseOf(int fashionClass) => s_coarseOfClass[CheckClass(fashionClass)];

    /// <summary>1 when a Fashion-MNIST class covers the upper body, else 0 (see <see cref="UpperBodyNames"/>).</summary>
    public static int UpperBodyOf(int fashionClass) => s_upperBodyOfClass[CheckClass(fashionClass)];

    /// <summary>Wraps a Fashion-MNIST split.</summary>
    /// <param name="images">Fashion-MNIST images with its 10 classes (e.g. from <see cref="FashionMnist.Load"/>).</param>
    /// <param name="normalization">How pixel bytes become floats.</param>
    public FashionAttributeSet(LabeledImageSet images, ImageNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.ClassNames.Count != FashionMnist.ClassNames.Count)
            throw new ArgumentException($"{images.Source} has {images.ClassNames.Count} classes; the attribute set needs the 10 Fashion-MNIST classes.", nameof(images));
        Images = images;
        Normalization = normalization;
        _lookup = normalization.CreateLookupTable();
    }

    /// <summary>The underlying images and classes.</summary>
    public LabeledImageSet Images { get; }

    /// <summary>The pixel normalisation applied by <see cref="WriteImage"/>.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Images.Count;

    /// <summary>Writes row <paramref name="row"/>'s image as normalised floats, row-major.</summary>
    public void WriteImage(int row, Span<float> image)
    {
        var bytes = Images.GetImage(row);
        if (image.Length != bytes.Length)
            throw new ArgumentException($"Expected {bytes.Length} values, got {image.Length}.", nameof(image));
        for (int i = 0; i < bytes.Length; i++)
            image[i] = _lookup[bytes[i]];
    }

    private static int CheckClass(int fashionClass)
    {
        if ((uint)fashionClass >= (uint)s_coarseOfClass.Length)
            throw new ArgumentOutOfRangeException(nameof(fashionClass), $"Fashion-MNIST class {fashionClass} is outside 0..9.");
        return fashionClass;
    }
}
