using Microsoft.ML.Data;
using Mtl.Transforms.Corruptions;

namespace Mtl.Transforms.Image;

/// <summary>
/// Renders a labelled grid of what each corruption does to one image: one row per corruption,
/// one column per severity 0 (clean) … 5, with the corruption names on the left and the
/// severities on top. Corruptions with fewer severities leave the remaining cells empty.
/// </summary>
public static class CorruptionGallery
{
    private const int Margin = 4;
    private static readonly byte[] Background = [32, 32, 36];
    private static readonly byte[] Ink = [235, 235, 235];

    /// <summary>Renders the grid and writes it as a PNG file.</summary>
    /// <param name="image">Source image (gray or RGB; alpha ignored).</param>
    /// <param name="path">Destination PNG path.</param>
    /// <param name="corruptions">Corruption names, one row each; null = the 15 common + 4 extra.</param>
    /// <param name="settings">Table and size scaling; null = automatic.</param>
    /// <param name="seed">Seed of the random draws (each row uses its own stream).</param>
    /// <param name="cellScale">Integer magnification of each cell; 0 picks one that makes cells at least 84 px.</param>
    public static void Save(MLImage image, string path, IEnumerable<string>? corruptions = null, CorruptionSettings? settings = null, ulong seed = 0, int cellScale = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var grid = Render(image.ToPlanar(), corruptions, settings, seed, cellScale);
        SavePng(grid, path);
    }

    /// <summary>Renders the grid and writes it as a PNG file.</summary>
    /// <param name="image">Source image in [0, 1].</param>
    /// <param name="path">Destination PNG path.</param>
    /// <param name="corruptions">Corruption names, one row each; null = the 15 common + 4 extra.</param>
    /// <param name="settings">Table and size scaling; null = automatic.</param>
    /// <param name="seed">Seed of the random draws.</param>
    /// <param name="cellScale">Integer magnification of each cell; 0 = automatic.</param>
    public static void Save(PlanarImage image, string path, IEnumerable<string>? corruptions = null, CorruptionSettings? settings = null, ulong seed = 0, int cellScale = 0)
    {
        using var grid = Render(image, corruptions, settings, seed, cellScale);
        SavePng(grid, path);
    }

    // Written next to the destination and renamed over it, so a failed write never leaves half a PNG.
    private static void SavePng(MLImage grid, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"The gallery is written as PNG; '{path}' does not end in .png.", nameof(path));
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileNameWithoutExtension(full) + "." + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            grid.Save(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Renders the grid as an opaque Rgba32 image.</summary>
    /// <param name="image">Source image in [0, 1].</param>
    /// <param name="corruptions">Corruption names, one row each; null = the 15 common + 4 extra.</param>
    /// <param name="settings">Table and size scaling; null = automatic.</param>
    /// <param name="seed">Seed of the random draws.</param>
    /// <param name="cellScale">Integer magnification of each cell; 0 = automatic.</param>
    public static MLImage Render(PlanarImage image, IEnumerable<string>? corruptions = null, CorruptionSettings? settings = null, ulong seed = 0, int cellScale = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        var names = (corruptions ?? CorruptionRegistry.CommonAndExtra).ToArray();
        if (names.Length == 0) throw new ArgumentException("The gallery needs at least one corruption.", nameof(corruptions));
        var rows = names.Select(CorruptionRegistry.Get).ToArray();
        var s = settings ?? CorruptionSettings.Default;
        int scale = cellScale > 0 ? cellScale : Math.Max(1, (int)Math.Ceiling(84.0 / Math.Max(image.Height, image.Width)));
        int cellW = image.Width * scale, cellH = image.Height * scale;
        int textScale = Math.Max(1, Math.Min(3, cellH / 28));
        int labelW = rows.Max(r => BitmapFont.MeasureWidth(r.Name, textScale)) + 2 * Margin;
        int headerH = BitmapFont.GlyphHeight * textScale + 2 * Margin;
        const int Columns = 6;
        int width = labelW + Columns * (cellW + Margin) + Margin, height = headerH + rows.Length * (cellH + Margin) + Margin;
        var rgb = new byte[checked(width * height * 3)];
        for (int i = 0; i < rgb.Length; i += 3) { rgb[i] = Background[0]; rgb[i + 1] = Background[1]; rgb[i + 2] = Background[2]; }
        for (int col = 0; col < Columns; col++)
        {
            string label = col.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int x = labelW + col * (cellW + Margin) + (cellW - BitmapFont.MeasureWidth(label, textScale)) / 2;
            BitmapFont.Draw(rgb, width, height, x, Margin, label, textScale, Ink[0], Ink[1], Ink[2]);
        }
        for (int row = 0; row < rows.Length; row++)
        {
            int top = headerH + row * (cellH + Margin);
            BitmapFont.Draw(rgb, width, height, Margin, top + (cellH - BitmapFont.GlyphHeight * textScale) / 2, rows[row].Name, textScale, Ink[0], Ink[1], Ink[2]);
            for (int severity = 0; severity <= Math.Min(Columns - 1, rows[row].MaxSeverity); severity++)
            {
                var cell = image.Clone();
                var random = CorruptionRandom.ForRow(seed, (ulong)row, severity);
                rows[row].Apply(cell, severity, s, ref random);
                Blit(cell, rgb, width, labelW + severity * (cellW + Margin), top, scale);
            }
        }
        var rgba = new byte[checked(width * height * 4)];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }
        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Rgba32, rgba);
    }

    private static void Blit(PlanarImage cell, Span<byte> rgb, int width, int left, int top, int scale)
    {
        int n = cell.PlaneSize;
        for (int y = 0; y < cell.Height * scale; y++)
            for (int x = 0; x < cell.Width * scale; x++)
            {
                int src = (y / scale) * cell.Width + x / scale;
                int dst = ((top + y) * width + left + x) * 3;
                for (int c = 0; c < 3; c++)
                    rgb[dst + c] = PlanarConversions.ToByte(cell.Data[(cell.Channels == 3 ? c : 0) * n + src]);
            }
    }
}
