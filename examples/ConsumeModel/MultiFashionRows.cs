using Microsoft.ML.Data;

namespace ConsumeModel;

/// <summary>One Multi-Fashion-shaped row as the saved model expects it: the image and the two tasks' labels.</summary>
internal sealed class MultiFashionRow
{
    /// <summary>Normalised pixels <c>(b / 255 − 0.2860) / 0.3530</c>, 1×28×28.</summary>
    [VectorType(1, 28, 28)]
    public float[] Image { get; set; } = Array.Empty<float>();

    /// <summary>
    /// Class index 0…9 of the left item. ML.NET's <c>LoadFromEnumerable</c> stores a <c>[KeyType]</c> member's value v as
    /// the key v + 1 (keys count from 1, 0 meaning missing), so the index goes in as it is.
    /// </summary>
    [KeyType(10)]
    public uint Left { get; set; }

    /// <summary>Class index 0…9 of the right item (see <see cref="Left"/>).</summary>
    [KeyType(10)]
    public uint Right { get; set; }
}

/// <summary>
/// Builds Multi-Fashion-shaped rows from raw Fashion-MNIST images with the Multi-MNIST canvas protocol: the left
/// image at [0, 28)², a partner at [6, 34)² of a 36×36 canvas, the maximum where they overlap, and a nearest-neighbour
/// resize to 28×28 (source index ⌊d·36/28⌋). Partners are drawn here with <see cref="Random"/>, so the pairs are not
/// the ones `mtl train` tested on — same distribution, different draw.
/// </summary>
internal static class MultiFashionRows
{
    /// <summary>Fashion-MNIST's pixel mean and standard deviation, the normalisation the network was trained with.</summary>
    public const float PixelMean = 0.2860f, PixelStd = 0.3530f;

    /// <summary>The Fashion-MNIST class names, in label order.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>One row per image: image i on the left and a seeded random other image on the right.</summary>
    public static List<MultiFashionRow> Build(byte[][] images, byte[] labels, int seed)
    {
        if (images.Length < 2) throw new ArgumentException($"Pairing needs at least two images; got {images.Length}.", nameof(images));
        var random = new Random(seed);
        var rows = new List<MultiFashionRow>(images.Length);
        for (int i = 0; i < images.Length; i++)
        {
            int partner = random.Next(images.Length - 1);
            if (partner >= i) partner++; // never pair an image with itself
            rows.Add(new MultiFashionRow
            {
                Image = Normalize(Compose(images[i], images[partner])),
                Left = labels[i],
                Right = labels[partner],
            });
        }
        return rows;
    }

    /// <summary>The 28×28 result of placing both images on the 36×36 canvas and resizing it back.</summary>
    public static byte[] Compose(byte[] left, byte[] right)
    {
        const int side = 28, canvas = 36, offset = 6;
        var output = new byte[side * side];
        for (int y = 0; y < side; y++)
        {
            int cy = y * canvas / side;
            for (int x = 0; x < side; x++)
            {
                int cx = x * canvas / side;
                byte l = cy < side && cx < side ? left[cy * side + cx] : (byte)0;
                int ry = cy - offset, rx = cx - offset;
                byte r = (uint)ry < side && (uint)rx < side ? right[ry * side + rx] : (byte)0;
                output[y * side + x] = Math.Max(l, r);
            }
        }
        return output;
    }

    private static float[] Normalize(byte[] pixels)
    {
        var result = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) result[i] = (pixels[i] / 255f - PixelMean) / PixelStd;
        return result;
    }
}
