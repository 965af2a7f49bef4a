using Mtl.ML;
using Mtl.Transforms.Image;

namespace Mtl.Transforms;

/// <summary>
/// The image steps of <c>mlContext.Transforms</c>, with ML.NET's names, parameter order and
/// defaults: <c>LoadImages</c>, <c>LoadRawImageBytes</c>, <c>ResizeImages</c>,
/// <c>ConvertToGrayscale</c>, <c>ExtractPixels</c>, <c>ConvertToImage</c>.
/// </summary>
public static class ImageEstimatorsCatalog
{
    /// <summary>Loads images from the files named in <paramref name="inputColumnName"/> (PNG, JPEG, BMP).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Image column to create.</param>
    /// <param name="imageFolder">Folder the paths are relative to (null = as given).</param>
    /// <param name="inputColumnName">Text column of paths (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="onError">Throw on an unreadable file (default), or drop the row, log and count it.</param>
    public static ImageLoadingEstimator LoadImages(this TransformsCatalog catalog, string outputColumnName, string? imageFolder,
        string? inputColumnName = null, ImageErrorHandling onError = ImageErrorHandling.Throw)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(catalog.Environment, new ImageLoadingTransformer(catalog.Environment, imageFolder, false, onError, (outputColumnName, inputColumnName ?? outputColumnName)));
    }

    /// <summary>Loads the raw bytes of the files named in <paramref name="inputColumnName"/> as <c>Vector&lt;Byte&gt;</c>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Byte-vector column to create.</param>
    /// <param name="imageFolder">Folder the paths are relative to (null = as given).</param>
    /// <param name="inputColumnName">Text column of paths (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="onError">Throw on a missing file (default), or drop the row (missing, unreadable or empty file), log and count it.</param>
    public static ImageLoadingEstimator LoadRawImageBytes(this TransformsCatalog catalog, string outputColumnName, string? imageFolder,
        string? inputColumnName = null, ImageErrorHandling onError = ImageErrorHandling.Throw)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(catalog.Environment, new ImageLoadingTransformer(catalog.Environment, imageFolder, true, onError, (outputColumnName, inputColumnName ?? outputColumnName)));
    }

    /// <summary>Resizes images to <paramref name="imageWidth"/>×<paramref name="imageHeight"/>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Image column to create.</param>
    /// <param name="imageWidth">Target width.</param>
    /// <param name="imageHeight">Target height.</param>
    /// <param name="inputColumnName">Image column (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="resizing">Aspect-ratio handling (default IsoCrop, as ML.NET).</param>
    /// <param name="cropAnchor">Crop or placement anchor.</param>
    public static ImageResizingEstimator ResizeImages(this TransformsCatalog catalog, string outputColumnName, int imageWidth, int imageHeight,
        string? inputColumnName = null, ImageResizingEstimator.ResizingKind resizing = ImageResizingEstimator.ResizingKind.IsoCrop,
        ImageResizingEstimator.Anchor cropAnchor = ImageResizingEstimator.Anchor.Center)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(catalog.Environment, new ImageResizingTransformer(catalog.Environment, imageWidth, imageHeight, resizing, cropAnchor, (outputColumnName, inputColumnName ?? outputColumnName)));
    }

    /// <summary>Converts images to gray (BT.601 luma; output <see cref="MLPixelFormat.Gray8"/>).</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Image column to create.</param>
    /// <param name="inputColumnName">Image column (null = <paramref name="outputColumnName"/>).</param>
    public static ImageGrayscalingEstimator ConvertToGrayscale(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(catalog.Environment, new ImageGrayscalingTransformer(catalog.Environment, (outputColumnName, inputColumnName ?? outputColumnName)));
    }

    /// <summary>Extracts pixels into a vector: (pixel − offset) · scale, planar C×H×W or interleaved H×W×C.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">Vector column to create.</param>
    /// <param name="inputColumnName">Image column of known size (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="colorsToExtract">Colors to extract.</param>
    /// <param name="orderOfExtraction">Their order.</param>
    /// <param name="interleavePixelColors">H, W, C (true) or C, H, W (false).</param>
    /// <param name="offsetImage">Subtracted from each value first.</param>
    /// <param name="scaleImage">Multiplies it second.</param>
    /// <param name="outputAsFloatArray">Single (true) or Byte (false, offset and scale ignored).</param>
    public static ImagePixelExtractingEstimator ExtractPixels(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null,
        ImagePixelExtractingEstimator.ColorBits colorsToExtract = ImagePixelExtractingEstimator.ColorBits.Rgb,
        ImagePixelExtractingEstimator.ColorsOrder orderOfExtraction = ImagePixelExtractingEstimator.ColorsOrder.ARGB,
        bool interleavePixelColors = false, float offsetImage = 0f, float scaleImage = 1f, bool outputAsFloatArray = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(catalog.Environment, new ImagePixelExtractingTransformer(catalog.Environment, colorsToExtract, orderOfExtraction,
            interleavePixelColors, offsetImage, scaleImage, outputAsFloatArray, (outputColumnName, inputColumnName ?? outputColumnName)));
    }

    /// <summary>Converts pixel vectors to images: pixel = round(value · scale − offset), clamped to 0–255.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="imageHeight">Image height.</param>
    /// <param name="imageWidth">Image width.</param>
    /// <param name="outputColumnName">Image column to create.</param>
    /// <param name="inputColumnName">Vector column (null = <paramref name="outputColumnName"/>).</param>
    /// <param name="colorsPresent">Colors in the vector.</param>
    /// <param name="orderOfColors">Their order.</param>
    /// <param name="interleavedColors">H, W, C (true) or C, H, W (false).</param>
    /// <param name="scaleImage">Multiplies each value first.</param>
    /// <param name="offsetImage">Subtracted second.</param>
    /// <param name="defaultAlpha">Alpha when absent.</param>
    /// <param name="defaultRed">Red when absent.</param>
    /// <param name="defaultGreen">Green when absent.</param>
    /// <param name="defaultBlue">Blue when absent.</param>
    public static VectorToImageConvertingEstimator ConvertToImage(this TransformsCatalog catalog, int imageHeight, int imageWidth, string outputColumnName,
        string? inputColumnName = null, ImagePixelExtractingEstimator.ColorBits colorsPresent = ImagePixelExtractingEstimator.ColorBits.Rgb,
        ImagePixelExtractingEstimator.ColorsOrder orderOfColors = ImagePixelExtractingEstimator.ColorsOrder.ARGB, bool interleavedColors = false,
        float scaleImage = 1f, float offsetImage = 0f, int defaultAlpha = 255, int defaultRed = 0, int defaultGreen = 0, int defaultBlue = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new(catalog.Environment, new VectorToImageConvertingTransformer(catalog.Environment, imageHeight, imageWidth, colorsPresent, orderOfColors,
            interleavedColors, scaleImage, offsetImage, defaultAlpha, defaultRed, defaultGreen, defaultBlue, (outputColumnName, inputColumnName ?? outputColumnName)));
    }
}
