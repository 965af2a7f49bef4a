using System.Buffers.Binary;
using System.IO.Compression;

namespace Mtl.Datasets.Idx;

/// <summary>
/// Reads IDX files, raw or gzip-compressed (detected from the gzip magic bytes 1F 8B, not from the file name).
/// </summary>
/// <remarks>
/// Layout: two zero bytes, a type code (only 0x08, unsigned byte, is supported: it is the type every
/// MNIST-family file uses), the number of dimensions, then one big-endian Int32 per dimension, then the
/// values. Every deviation is reported as an <see cref="InvalidDataException"/> naming the file: a wrong
/// magic number, an unsupported type, a truncated header or body, or bytes left after the data.
/// </remarks>
public static class IdxReader
{
    /// <summary>Type code of unsigned-byte data in the IDX magic number.</summary>
    public const byte UnsignedByteType = 0x08;

    // A sanity bound: larger values mean a damaged header rather than a real data set.
    private const int MaxDimensionCount = 16;

    /// <summary>Reads an IDX file from disk.</summary>
    /// <param name="path">Path of a raw or gzip-compressed IDX file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid unsigned-byte IDX file.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Reads an IDX array from a stream (raw or gzip-compressed).</summary>
    /// <param name="stream">The stream, positioned at the start of the file.</param>
    /// <param name="sourceName">Name used in error messages, usually the file path.</param>
    /// <exception cref="InvalidDataException">The content is not a valid unsigned-byte IDX array.</exception>
    public static IdxArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        Span<byte> start = stackalloc byte[4];
        int startRead = ReadUpTo(stream, start, sourceName);
        bool gzip = startRead >= 2 && start[0] == 0x1F && start[1] == 0x8B;
        Stream body = new PrefixedStream(start[..startRead].ToArray(), stream);
        if (gzip)
            body = new GZipStream(body, CompressionMode.Decompress);
        using (body)
            return ReadUncompressed(body, gzip ? $"{sourceName} (gzip)" : sourceName);
    }

    /// <summary>
    /// Reads an IDX image file: three dimensions [count, rows, columns].
    /// </summary>
    /// <param name="path">Path of a raw or gzip-compressed idx3 file.</param>
    /// <returns>The array; its dimensions are [count, rows, columns].</returns>
    /// <exception cref="InvalidDataException">The file is invalid or not three-dimensional.</exception>
    public static IdxArray ReadImages(string path)
    {
        var array = Read(path);
        if (array.Dimensions.Count != 3)
            throw new InvalidDataException(
                $"IDX file '{path}' has {array.Dimensions.Count} dimension(s) [{string.Join(", ", array.Dimensions)}]; " +
                "an image file needs 3 (count, rows, columns). Is this a label file?");
        return array;
    }

    /// <summary>
    /// Reads an IDX label file: one dimension, every value below <paramref name="classCount"/>.
    /// </summary>
    /// <param name="path">Path of a raw or gzip-compressed idx1 file.</param>
    /// <param name="classCount">Number of classes; each label must be in [0, classCount).</param>
    /// <returns>The labels, 0-based.</returns>
    /// <exception cref="InvalidDataException">The file is invalid, not one-dimensional, or holds a label out of range.</exception>
    public static byte[] ReadLabels(string path, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        var array = Read(path);
        if (array.Dimensions.Count != 1)
            throw new InvalidDataException(
                $"IDX file '{path}' has {array.Dimensions.Count} dimensions [{string.Join(", ", array.Dimensions)}]; " +
                "a label file needs 1. Is this an image file?");
        var labels = array.Data;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
                throw new InvalidDataException(
                    $"IDX label file '{path}': label {labels[i]} at index {i} is out of range; expected 0..{classCount - 1}.");
        }
        return labels;
    }

    private static IdxArray ReadUncompressed(Stream stream, string sourceName)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = ReadUpTo(stream, magic, sourceName);
        if (got < 4)
            throw new InvalidDataException($"IDX file '{sourceName}' is truncated: {got} byte(s), too short for the 4-byte magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw new InvalidDataException(
                $"IDX file '{sourceName}' has a wrong magic number 0x{Convert.ToHexString(magic)}; an IDX file starts with two zero bytes " +
                "(e.g. 0x00000803 for images, 0x00000801 for labels). Is it the right file, fully downloaded?");
        if (magic[2] != UnsignedByteType)
            throw new InvalidDataException(
                $"IDX file '{sourceName}' has data type 0x{magic[2]:X2} (magic 0x{Convert.ToHexString(magic)}); only unsigned bytes (0x08) are supported.");
        int dimensionCount = magic[3];
        if (dimensionCount is 0 or > MaxDimensionCount)
            throw new InvalidDataException(
                $"IDX file '{sourceName}' declares {dimensionCount} dimensions (magic 0x{Convert.ToHexString(magic)}); expected 1 to {MaxDimensionCount}.");

        var header = new byte[4 * dimensionCount];
        got = ReadUpTo(stream, header, sourceName);
        if (got < header.Length)
            throw new InvalidDataException(
                $"IDX file '{sourceName}' is truncated in its header: {dimensionCount} dimension sizes need {header.Length} bytes, found {got}.");
        var dimensions = new int[dimensionCount];
        long total = 1;
        for (int d = 0; d < dimensionCount; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * d));
            if (size < 0)
                throw new InvalidDataException($"IDX file '{sourceName}': dimension {d} has a negative size {size}; the header is damaged.");
            dimensions[d] = size;
            total *= size;
            if (total > Array.MaxLength)
                throw new InvalidDataException(
                    $"IDX file '{sourceName}': dimensions [{string.Join(", ", dimensions.Take(d + 1))}...] exceed the largest supported array; the header is damaged.");
        }

        var data = new byte[total];
        got = ReadUpTo(stream, data, sourceName);
        if (got < data.Length)
            throw new InvalidDataException(
                $"IDX file '{sourceName}' is truncated: dimensions [{string.Join(", ", dimensions)}] need {data.Length} data bytes, found {got}. " +
                "Re-download or reinstall the file.");
        if (ReadUpTo(stream, stackalloc byte[1], sourceName) != 0)
            throw new InvalidDataException(
                $"IDX file '{sourceName}' has bytes after the {data.Length} data bytes its dimensions [{string.Join(", ", dimensions)}] declare; the header or file is damaged.");
        return new IdxArray(dimensions, data);
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns the bytes read. Damaged gzip data becomes an error naming the file.</summary>
    private static int ReadUpTo(Stream stream, Span<byte> buffer, string sourceName)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"IDX file '{sourceName}' could not be decompressed: {e.Message} The file is damaged or truncated.", e);
        }
    }

    /// <summary>Replays bytes already consumed (for the gzip sniff) before the rest of the stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream inner) : Stream
    {
        private int _prefixPosition;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPosition < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _prefixPosition);
                prefix.AsSpan(_prefixPosition, n).CopyTo(buffer);
                _prefixPosition += n;
                return n;
            }
            return inner.Read(buffer);
        }
    }
}
