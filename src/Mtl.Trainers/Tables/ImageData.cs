using SkiaSharp;

namespace Mtl.Trainers.Tables;

/// <summary>
/// The images a table or an image folder refers to, as <see cref="TableSchema.Infer"/> found them (every file's header was
/// read), and the size and colour the model's preprocessing turns each of them into.
/// </summary>
/// <param name="Column">The column that holds the image paths.</param>
/// <param name="Folder">The absolute folder a relative image path is resolved against: the table's folder, or the image folder.
/// The saved model keeps it (ML.NET's <c>LoadImages</c> image folder); an absolute path is used as it is.</param>
/// <param name="Count">Images (rows with an image path).</param>
/// <param name="Side">The square side every image is resized to: the largest side seen, clamped to
/// [<see cref="ImageData.MinSide"/>, <see cref="ImageData.MaxSide"/>], so small images stay small.</param>
/// <param name="Channels">1 when every image is grey (grey files, or colour files whose sampled pixels are all grey), otherwise 3 (RGB).</param>
/// <param name="SmallestSide">The smallest width or height among the images.</param>
/// <param name="LargestSide">The largest width or height among the images.</param>
/// <param name="Classes">For an image folder, the classes (subfolder names) in ordinal order with their image counts; empty for a table.</param>
public sealed record ImageSet(string Column, string Folder, long Count, int Side, int Channels, int SmallestSide, int LargestSide,
    IReadOnlyList<(string Class, int Images)> Classes)
{
    /// <summary>The network's input shape: (channels, side, side).</summary>
    public IReadOnlyList<int> Shape => [Channels, Side, Side];
}

/// <summary>Reading image files: which names are images, what a file's header says, and the rows of a class-per-subfolder folder.</summary>
internal static class ImageData
{
    /// <summary>The file extensions read as images (what ML.NET's <c>LoadImages</c> decodes through SkiaSharp).</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Images are resized to a square side in this range (MultiLeNet's convolutions need at least 12 pixels).</summary>
    public const int MinSide = 12, MaxSide = 32;

    // Images decoded to decide grey or colour; headers alone cannot tell a grey picture saved as RGB.
    private const int ColourSamples = 16;

    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path.Trim()), StringComparer.OrdinalIgnoreCase);

    /// <summary>Width, height and whether the file is stored as grey; throws naming <paramref name="where"/> when it is not an image.</summary>
    public static (int Width, int Height, bool Grey) Probe(string fullPath, string where)
    {
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"{where}: the image '{fullPath}' does not exist. Fix the path (a relative path is read from the " +
                "data's folder) or remove the row.", fullPath);
        using SKCodec? codec = SKCodec.Create(fullPath, out SKCodecResult result);
        if (codec is null || codec.Info.Width <= 0 || codec.Info.Height <= 0)
            throw new InvalidDataException($"{where}: '{fullPath}' is not an image that can be read ({result}); images must be PNG, JPEG, BMP, GIF " +
                "or WEBP files. Replace the file or remove it from the data.");
        return (codec.Info.Width, codec.Info.Height, codec.Info.ColorType == SKColorType.Gray8);
    }

    /// <summary>
    /// Probes every image and summarises them: the square side they are resized to and grey (1 channel) or colour (3).
    /// </summary>
    /// <param name="column">The image-path column.</param>
    /// <param name="folder">The absolute folder relative paths are read from.</param>
    /// <param name="images">Absolute path and where it came from (for errors) of each image.</param>
    /// <param name="classes">An image folder's classes and counts; empty for a table.</param>
    public static ImageSet Summarise(string column, string folder, IReadOnlyList<(string Path, string Where)> images,
        IReadOnlyList<(string Class, int Images)> classes)
    {
        int smallest = int.MaxValue, largest = 0;
        bool allGreyFiles = true;
        foreach ((string path, string where) in images)
        {
            (int w, int h, bool grey) = Probe(path, where);
            smallest = Math.Min(smallest, Math.Min(w, h));
            largest = Math.Max(largest, Math.Max(w, h));
            allGreyFiles &= grey;
        }
        bool greyImages = allGreyFiles || SampledPixelsAreGrey(images);
        return new ImageSet(column, folder, images.Count, Math.Clamp(largest, MinSide, MaxSide), greyImages ? 1 : 3, smallest, largest, classes);
    }

    // Decodes up to ColourSamples images spread over the set: grey when every pixel has R = G = B.
    private static bool SampledPixelsAreGrey(IReadOnlyList<(string Path, string Where)> images)
    {
        int step = Math.Max(1, images.Count / ColourSamples);
        for (int i = 0; i < images.Count; i += step)
        {
            using SKBitmap? bitmap = SKBitmap.Decode(images[i].Path);
            if (bitmap is null) throw new InvalidDataException($"{images[i].Where}: '{images[i].Path}' could not be decoded; replace the file or remove it from the data.");
            for (int y = 0; y < bitmap.Height; y++)
                for (int x = 0; x < bitmap.Width; x++)
                {
                    SKColor c = bitmap.GetPixel(x, y);
                    if (c.Red != c.Green || c.Green != c.Blue) return false;
                }
        }
        return true;
    }

    /// <summary>
    /// The images of a folder with one subfolder per class: (absolute path, class) in class then file-name order. Files
    /// without an image extension are skipped; hidden subfolders (".…") are not classes.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No class subfolders, images directly in the folder, or a class folder without images.</exception>
    public static List<(string Path, string Class)> FolderRows(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"The image folder '{folder}' does not exist; pass a folder with one subfolder of images per class.");
        string full = Path.GetFullPath(folder);
        string[] loose = Directory.EnumerateFiles(full).Where(HasImageExtension).Order(StringComparer.Ordinal).ToArray();
        string[] classes = Directory.EnumerateDirectories(full).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new InvalidDataException($"The image folder '{folder}' has no class subfolders{(loose.Length > 0 ? $" ({loose.Length} images lie directly in it)" : "")}. " +
                "Put the images of each class in a subfolder named after the class, e.g. cats/1.png and dogs/1.png.");
        if (loose.Length > 0)
            throw new InvalidDataException($"The image folder '{folder}' holds {loose.Length} images directly (e.g. '{Path.GetFileName(loose[0])}'), which belong " +
                "to no class. Move each into the subfolder of its class, or out of the folder.");
        var rows = new List<(string, string)>();
        foreach (string classFolder in classes)
        {
            string name = Path.GetFileName(classFolder);
            string[] images = Directory.EnumerateFiles(classFolder).Where(HasImageExtension).Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
                throw new InvalidDataException($"The class folder '{classFolder}' has no images ({string.Join(", ", Extensions)}). Add the class's images, " +
                    "or remove the folder.");
            rows.AddRange(images.Select(i => (i, name)));
        }
        return rows;
    }
}
