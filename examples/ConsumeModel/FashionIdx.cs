using System.Buffers.Binary;
using System.IO.Compression;

namespace ConsumeModel;

/// <summary>
/// Reads the raw Fashion-MNIST IDX files (gzip-compressed or not) without any of this repository's libraries:
/// a consumer of a saved model brings its own data.
/// </summary>
internal static class FashionIdx
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    private const int ImageMagic = 0x00000803, LabelMagic = 0x00000801;

    /// <summary>The 10,000 test images (28×28 bytes each, row-major) and their labels 0…9.</summary>
    public static (byte[][] images, byte[] labels) LoadTestSplit(string directory)
    {
        byte[] imageFile = ReadMaybeGzipped(directory, "t10k-images-idx3-ubyte");
        byte[] labelFile = ReadMaybeGzipped(directory, "t10k-labels-idx1-ubyte");
        byte[][] images = ParseImages(imageFile, "t10k-images-idx3-ubyte");
        byte[] labels = ParseLabels(labelFile, "t10k-labels-idx1-ubyte");
        if (images.Length != labels.Length)
            throw new InvalidDataException($"{directory}: {images.Length} test images but {labels.Length} labels; the two files do not belong together.");
        return (images, labels);
    }

    private static byte[] ReadMaybeGzipped(string directory, string name)
    {
        string raw = Path.Combine(directory, name), gz = raw + ".gz";
        if (File.Exists(raw)) return File.ReadAllBytes(raw);
        if (!File.Exists(gz))
            throw new FileNotFoundException($"Fashion-MNIST file '{name}' (or '{name}.gz') is not in '{directory}'. " +
                $"Install Debian's dataset-fashion-mnist (it fills {DefaultDirectory}) or pass --fashion-dir with the folder holding the IDX files.", raw);
        using var input = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        try
        {
            input.CopyTo(output);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{gz}' is not a valid gzip file ({e.Message}); download the file again.", e);
        }
        return output.ToArray();
    }

    private static byte[][] ParseImages(byte[] file, string name)
    {
        RequireLength(file, 16, name, "header");
        RequireMagic(file, ImageMagic, name);
        int count = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(8));
        int columns = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(12));
        if (rows != 28 || columns != 28)
            throw new InvalidDataException($"{name}: images are {rows}x{columns}; Fashion-MNIST's are 28x28.");
        RequireLength(file, 16 + (long)count * 784, name, $"{count} images");
        var images = new byte[count][];
        for (int i = 0; i < count; i++) images[i] = file.AsSpan(16 + i * 784, 784).ToArray();
        return images;
    }

    private static byte[] ParseLabels(byte[] file, string name)
    {
        RequireLength(file, 8, name, "header");
        RequireMagic(file, LabelMagic, name);
        int count = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(4));
        RequireLength(file, 8 + (long)count, name, $"{count} labels");
        byte[] labels = file.AsSpan(8, count).ToArray();
        int bad = Array.FindIndex(labels, l => l > 9);
        if (bad >= 0) throw new InvalidDataException($"{name}: label {labels[bad]} at item {bad} is outside 0..9.");
        return labels;
    }

    private static void RequireMagic(byte[] file, int expected, string name)
    {
        int magic = BinaryPrimitives.ReadInt32BigEndian(file);
        if (magic != expected)
            throw new InvalidDataException($"{name}: magic number 0x{magic:X8}, expected 0x{expected:X8}; this is not the IDX file it is named after.");
    }

    private static void RequireLength(byte[] file, long needed, string name, string what)
    {
        if (file.Length < needed)
            throw new InvalidDataException($"{name} is truncated: {file.Length} bytes, its {what} need {needed}. Download the file again.");
    }
}
