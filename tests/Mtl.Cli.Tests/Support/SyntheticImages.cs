using System.Globalization;
using System.Text;
using SkiaSharp;

namespace Mtl.Cli.Tests.Support;

/// <summary>
/// Small grey PNGs of three patterns a conv net tells apart easily (horizontal stripes, vertical stripes, a bright square),
/// each with a random phase, brightness and noise, written with SkiaSharp (the codec ML.NET's LoadImages reads with).
/// </summary>
internal static class SyntheticImages
{
    public static readonly string[] Patterns = ["horizontal", "vertical", "square"];

    /// <summary>One image of <paramref name="pattern"/> (index into <see cref="Patterns"/>) at <paramref name="brightness"/> in [0.3, 1].</summary>
    public static void WritePng(string path, int pattern, double brightness, Random random, int side = 16, bool colour = false)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, colour ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque));
        int phase = random.Next(4), corner = random.Next(side / 2);
        for (int y = 0; y < side; y++)
            for (int x = 0; x < side; x++)
            {
                bool on = pattern switch
                {
                    0 => (y + phase) / 2 % 2 == 0,
                    1 => (x + phase) / 2 % 2 == 0,
                    _ => x >= corner && x < corner + side / 2 && y >= corner && y < corner + side / 2,
                };
                double v = (on ? brightness : 0.1) + random.NextDouble() * 0.1;
                byte b = (byte)Math.Clamp(v * 255, 0, 255);
                bitmap.SetPixel(x, y, colour ? new SKColor(b, (byte)(b / 2), (byte)(255 - b)) : new SKColor(b, b, b));
            }
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, png.ToArray());
    }

    /// <summary>A folder with one subfolder per pattern, <paramref name="perClass"/> images each.</summary>
    public static string WriteFolder(string root, int perClass = 30, int seed = 1, int side = 16)
    {
        var random = new Random(seed);
        for (int c = 0; c < Patterns.Length; c++)
            for (int i = 0; i < perClass; i++)
                WritePng(Path.Combine(root, Patterns[c], $"{i:D3}.png"), c, 0.6 + random.NextDouble() * 0.4, random, side);
        return root;
    }

    /// <summary>
    /// A CSV beside an img/ folder: image (relative path), shape (the pattern, multiclass; every 9th row missing) and
    /// brightness (regression; every 7th row missing).
    /// </summary>
    public static string WriteTable(string folder, int rows = 120, int seed = 2)
    {
        var random = new Random(seed);
        var text = new StringBuilder("image,shape,brightness\n");
        for (int i = 0; i < rows; i++)
        {
            int pattern = random.Next(Patterns.Length);
            double brightness = 0.3 + random.NextDouble() * 0.7;
            string name = $"img/{i:D4}.png";
            WritePng(Path.Combine(folder, name), pattern, brightness, random);
            text.Append(CultureInfo.InvariantCulture, $"{name},{(i % 9 == 4 ? "" : Patterns[pattern])},{(i % 7 == 3 ? "NA" : brightness.ToString("F3", CultureInfo.InvariantCulture))}\n");
        }
        string path = Path.Combine(folder, "images.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }
}
