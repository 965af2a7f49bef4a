namespace Mtl.Transforms.Image;

/// <summary>
/// A tiny 5×7 bitmap font (upper-case letters, digits and a little punctuation) for labelling
/// generated images such as the corruption gallery. Lower-case input is drawn upper-case;
/// characters without a glyph are drawn as a hollow box.
/// </summary>
public static class BitmapFont
{
    /// <summary>Glyph width in font pixels.</summary>
    public const int GlyphWidth = 5;

    /// <summary>Glyph height in font pixels.</summary>
    public const int GlyphHeight = 7;

    /// <summary>Horizontal advance per character (glyph plus one pixel of spacing).</summary>
    public const int Advance = GlyphWidth + 1;

    // Each glyph: 7 rows of 5 columns, '#' = ink.
    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['A'] = ".###.#...##...#######...##...##...#",
        ['B'] = "####.#...##...#####.#...##...#####.",
        ['C'] = ".###.#...##....#....#....#...#.###.",
        ['D'] = "####.#...##...##...##...##...#####.",
        ['E'] = "######....#....####.#....#....#####",
        ['F'] = "######....#....####.#....#....#....",
        ['G'] = ".###.#...##....#.####...##...#.####",
        ['H'] = "#...##...##...#######...##...##...#",
        ['I'] = ".###...#....#....#....#....#...###.",
        ['J'] = "..###...#....#....#....#.#..#..##..",
        ['K'] = "#...##..#.#.#..##...#.#..#..#.#...#",
        ['L'] = "#....#....#....#....#....#....#####",
        ['M'] = "#...###.###.#.##...##...##...##...#",
        ['N'] = "#...##...###..##.#.##..###...##...#",
        ['O'] = ".###.#...##...##...##...##...#.###.",
        ['P'] = "####.#...##...#####.#....#....#....",
        ['Q'] = ".###.#...##...##...##.#.##..#..##.#",
        ['R'] = "####.#...##...#####.#.#..#..#.#...#",
        ['S'] = ".#####....#.....###.....#....#####.",
        ['T'] = "#####..#....#....#....#....#....#..",
        ['U'] = "#...##...##...##...##...##...#.###.",
        ['V'] = "#...##...##...##...##...#.#.#...#..",
        ['W'] = "#...##...##...##.#.##.#.##.#.#.#.#.",
        ['X'] = "#...##...#.#.#...#...#.#.#...##...#",
        ['Y'] = "#...##...#.#.#...#....#....#....#..",
        ['Z'] = "#####....#...#...#...#...#....#####",
        ['0'] = ".###.#...##..###.#.###..##...#.###.",
        ['1'] = "..#...##....#....#....#....#...###.",
        ['2'] = ".###.#...#....#...#...#...#...#####",
        ['3'] = "#####...#...#.....#.....##...#.###.",
        ['4'] = "...#...##..#.#.#..#.#####...#....#.",
        ['5'] = "######....####.....#....##...#.###.",
        ['6'] = "..##..#...#....####.#...##...#.###.",
        ['7'] = "#####....#...#...#...#....#....#...",
        ['8'] = ".###.#...##...#.###.#...##...#.###.",
        ['9'] = ".###.#...##...#.####....#...#..##..",
        ['_'] = "..............................#####",
        ['-'] = "...............#####...............",
        ['.'] = "..............................##...",
        [':'] = ".....##...##.........##...##.......",
        ['='] = "..........#####.....#####..........",
        ['('] = "...#...#...#....#....#.....#.....#.",
        [')'] = ".#.....#.....#....#....#...#...#...",
        ['/'] = ".........#...#...#...#...#.........",
        ['×'] = "......#...#.#.#...#...#.#.#...#....",
        [' '] = "...................................",
    };

    /// <summary>Whether the font has a glyph for <paramref name="c"/> (case-insensitive); others draw as a hollow box.</summary>
    /// <param name="c">The character.</param>
    public static bool HasGlyph(char c) => Glyphs.ContainsKey(char.ToUpperInvariant(c));

    /// <summary>Whether the font pixel (gx, gy) of a character is inked.</summary>
    /// <param name="c">The character.</param>
    /// <param name="gx">Column 0–4.</param>
    /// <param name="gy">Row 0–6.</param>
    public static bool IsInked(char c, int gx, int gy)
    {
        if ((uint)gx >= GlyphWidth || (uint)gy >= GlyphHeight) return false;
        if (Glyphs.TryGetValue(char.ToUpperInvariant(c), out var glyph))
        {
            int i = gy * GlyphWidth + gx;
            return i < glyph.Length && glyph[i] == '#';
        }
        return gx == 0 || gy == 0 || gx == GlyphWidth - 1 || gy == GlyphHeight - 1;
    }

    /// <summary>Width in pixels of <paramref name="text"/> at integer <paramref name="scale"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="scale">Pixels per font pixel.</param>
    public static int MeasureWidth(string text, int scale) => text.Length == 0 ? 0 : (text.Length * Advance - 1) * scale;

    /// <summary>Draws text into an interleaved RGB buffer (clipped to the buffer).</summary>
    /// <param name="rgb">width×height×3 bytes.</param>
    /// <param name="width">Buffer width.</param>
    /// <param name="height">Buffer height.</param>
    /// <param name="x">Left edge.</param>
    /// <param name="y">Top edge.</param>
    /// <param name="text">The text.</param>
    /// <param name="scale">Pixels per font pixel.</param>
    /// <param name="r">Red.</param>
    /// <param name="g">Green.</param>
    /// <param name="b">Blue.</param>
    public static void Draw(Span<byte> rgb, int width, int height, int x, int y, string text, int scale, byte r, byte g, byte b)
    {
        for (int k = 0; k < text.Length; k++)
            for (int gy = 0; gy < GlyphHeight; gy++)
                for (int gx = 0; gx < GlyphWidth; gx++)
                {
                    if (!IsInked(text[k], gx, gy)) continue;
                    for (int sy = 0; sy < scale; sy++)
                        for (int sx = 0; sx < scale; sx++)
                        {
                            int px = x + (k * Advance + gx) * scale + sx, py = y + gy * scale + sy;
                            if ((uint)px >= (uint)width || (uint)py >= (uint)height) continue;
                            int i = (py * width + px) * 3;
                            rgb[i] = r; rgb[i + 1] = g; rgb[i + 2] = b;
                        }
                }
    }
}
