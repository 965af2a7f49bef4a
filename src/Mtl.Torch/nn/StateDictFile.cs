using System.Text;

namespace Mtl.Torch.Modules;

/// <summary>
/// Reads and writes TorchSharp's state-dict file format (what <c>Module.save</c>/<c>Module.load</c> use), so weight files
/// move between this binding and TorchSharp. Layout, with no header and no padding:
/// <list type="number">
/// <item>entry count: unsigned LEB128 (7 bits per byte, low bits first, high bit = more bytes follow);</item>
/// <item>per entry: the key as <see cref="BinaryWriter.Write(string)"/> writes it (7-bit-encoded byte length, then UTF-8),
/// the element type as LEB128 of its libtorch <see cref="ScalarType"/> code, the number of dimensions as LEB128,
/// each dimension as LEB128, then the elements' raw little-endian bytes in row-major order (numel × element size).</item>
/// </list>
/// Reading validates the whole file before anything is used: structure, known element types, sizes that fit the bytes
/// present, well-formed UTF-8 keys, and no bytes left over after the last entry (when the length is known).
/// </summary>
internal static class StateDictFile
{
    /// <summary>One tensor read from a file: its key, type, shape and the slice of the file that holds its elements.</summary>
    internal sealed record Entry(string Name, ScalarType Type, long[] Shape, ReadOnlyMemory<byte> Data)
    {
        public string ShapeText => "[" + string.Join(", ", Shape) + "]";
    }

    private const int MaxDimensions = 64;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes the entries in order; the stream stays open.</summary>
    internal static void Write(Stream stream, IReadOnlyCollection<KeyValuePair<string, Tensor>> entries)
    {
        using var writer = new BinaryWriter(stream, StrictUtf8, leaveOpen: true);
        WriteLeb128(writer, entries.Count);
        foreach (var (key, tensor) in entries)
        {
            writer.Write(key);
            WriteLeb128(writer, (long)tensor.dtype);
            long[] shape = tensor.shape;
            WriteLeb128(writer, shape.Length);
            foreach (long d in shape) WriteLeb128(writer, d);
            writer.Write(tensor.ToBytes());
        }
        writer.Flush();
    }

    private static void WriteLeb128(BinaryWriter writer, long value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), value, "LEB128 in this format encodes non-negative values only.");
        do
        {
            byte low = (byte)(value & 0x7F);
            value >>= 7;
            writer.Write(value == 0 ? low : (byte)(low | 0x80));
        } while (value != 0);
    }

    /// <summary>Parses a whole file held in memory. <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a complete, well-formed state-dict file.</exception>
    internal static List<Entry> Read(ReadOnlyMemory<byte> data, string source)
    {
        var cursor = new Cursor(data, source);
        long count = cursor.ReadLeb128("the entry count");
        // Each entry takes at least 3 bytes (empty key, type, zero dimensions): a larger count cannot be genuine.
        if (count > cursor.Remaining / 3 + 1)
            throw cursor.Corrupt($"it declares {count} entries but only {cursor.Remaining} bytes follow (the file is truncated or is not a weights file)", 0);
        var entries = new List<Entry>((int)count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            long at = cursor.Position;
            string key = cursor.ReadKey(i);
            if (!names.Add(key)) throw cursor.Corrupt($"entry {i} repeats the key '{key}'", at);
            long typeCode = cursor.ReadLeb128($"the element type of '{key}'");
            if (typeCode > sbyte.MaxValue || !Enum.IsDefined((ScalarType)(sbyte)typeCode))
                throw cursor.Corrupt($"'{key}' has the unknown element type code {typeCode}", at);
            var type = (ScalarType)(sbyte)typeCode;
            long rank = cursor.ReadLeb128($"the number of dimensions of '{key}'");
            if (rank > MaxDimensions) throw cursor.Corrupt($"'{key}' declares {rank} dimensions", at);
            var shape = new long[rank];
            long bytes = type.ElementSize();
            for (int d = 0; d < rank; d++)
            {
                shape[d] = cursor.ReadLeb128($"dimension {d} of '{key}'");
                try
                {
                    bytes = checked(bytes * shape[d]);
                }
                catch (OverflowException)
                {
                    throw cursor.Corrupt($"the shape of '{key}' is too large", at);
                }
            }
            ReadOnlyMemory<byte> elements = cursor.ReadBytes(bytes, $"the {bytes} data bytes of '{key}' ({type}, shape [{string.Join(", ", shape)}])");
            entries.Add(new Entry(key, type, shape, elements));
        }
        if (cursor.Remaining != 0)
            throw cursor.Corrupt($"{cursor.Remaining} unexpected bytes follow the last of its {count} entries", cursor.Position);
        return entries;
    }

    /// <summary>Reads a stream to its end into memory (a model file is parsed only once it is complete).</summary>
    internal static byte[] ReadToEnd(Stream stream)
    {
        if (stream.CanSeek)
        {
            long left = stream.Length - stream.Position;
            if (left > int.MaxValue) throw new NotSupportedException("State-dict streams larger than 2 GB are not supported.");
            var buffer = new byte[left];
            stream.ReadExactly(buffer);
            return buffer;
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class Cursor(ReadOnlyMemory<byte> data, string source)
    {
        private int position;

        public long Position => position;
        public long Remaining => data.Length - position;

        public InvalidDataException Corrupt(string detail, long offset) => new(
            $"{source} is not a valid TorchSharp state-dict file: {detail} (at byte {offset} of {data.Length}). " +
            "Check that the path names a weights file written by Module.save and that it was copied completely.");

        private InvalidDataException Truncated(string what) => new(
            $"{source} ends too early: after {data.Length} bytes, while reading {what} (at byte {position}). " +
            "It is truncated (an interrupted copy or write) or is not a weights file; save the model again or use an intact copy.");

        public long ReadLeb128(string what)
        {
            long result = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (position >= data.Length) throw Truncated(what);
                if (shift > 56) throw Corrupt($"{what} is not a valid LEB128 number", position);
                byte b = data.Span[position++];
                result |= (long)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return result;
            }
        }

        public string ReadKey(int index)
        {
            long start = position;
            // BinaryWriter's string length prefix: 7-bit encoded Int32 (at most 5 bytes).
            int length = 0;
            for (int shift = 0; ; shift += 7)
            {
                if (position >= data.Length) throw Truncated($"the key of entry {index}");
                if (shift > 28) throw Corrupt($"the key length of entry {index} is malformed", start);
                byte b = data.Span[position++];
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) break;
            }
            if (length < 0) throw Corrupt($"the key length of entry {index} is malformed", start);
            ReadOnlyMemory<byte> raw = ReadBytes(length, $"the key of entry {index}");
            try
            {
                return StrictUtf8.GetString(raw.Span);
            }
            catch (DecoderFallbackException)
            {
                throw Corrupt($"the key of entry {index} is not valid UTF-8", start);
            }
        }

        public ReadOnlyMemory<byte> ReadBytes(long count, string what)
        {
            if (count > Remaining) throw Truncated(what);
            ReadOnlyMemory<byte> slice = data.Slice(position, (int)count);
            position += (int)count;
            return slice;
        }
    }
}
