using Mtl.Datasets;
using SkiaSharp;

namespace Mtl.Browser.Tests.Support;

/// <summary>
/// A small image folder for the image flow: real Fashion-MNIST test images (Debian's dataset-fashion-mnist) written as
/// 28×28 grey PNGs, one subfolder per class, the first <c>perClass</c> images of each of three easily told apart classes.
/// </summary>
internal static class FashionImages
{
    /// <summary>Folder name → Fashion-MNIST class index: trousers, bags and ankle boots.</summary>
    public static readonly (string Folder, int Label)[] Classes = [("trouser", 1), ("bag", 8), ("boot", 9)];

    /// <summary>Writes the folder and returns its path.</summary>
    public static string WriteFolder(string folder, int perClass = 20)
    {
        LabeledImageSet images = FashionMnist.LoadTestFile();
        foreach ((string name, int label) in Classes)
        {
            string classFolder = Path.Combine(folder, name);
            Directory.CreateDirectory(classFolder);
            int written = 0;
            for (int i = 0; i < images.Count && written < perClass; i++)
            {
                if (images.GetLabel(i) != label) continue;
                WritePng(Path.Combine(classFolder, $"{written:D3}.png"), images.GetImage(i), images.Width, images.Height);
                written++;
            }
        }
        return folder;
    }

    private static void WritePng(string path, ReadOnlySpan<byte> pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        pixels.CopyTo(bitmap.GetPixelSpan());
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }
}
