namespace Mtl.ML.Data;

/// <summary>Hashes of column values (for sampling keys and seeding), stable across runs and machines.</summary>
public static class ValueHashing
{
    /// <summary>A strong 64-bit mixer (SplitMix64 finalizer).</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Maps a hash to [0, 1).</summary>
    public static double ToUnit(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));

    /// <summary>A function hashing the current value of scalar <paramref name="column"/> of <paramref name="row"/>.</summary>
    public static Func<ulong> MakeHasher(DataViewRow row, DataViewSchema.Column column)
    {
        var t = column.Type.RawType;
        if (t == typeof(ReadOnlyMemory<char>))
        {
            var g = row.GetGetter<ReadOnlyMemory<char>>(column);
            return () =>
            {
                ReadOnlyMemory<char> v = default;
                g(ref v);
                ulong h = 0xCBF29CE484222325UL;
                foreach (char ch in v.Span) h = Mix(h ^ ch);
                return h;
            };
        }
        if (t == typeof(bool)) return Make<bool>(row, column, v => v ? 1UL : 0UL);
        if (t == typeof(float)) return Make<float>(row, column, v => (ulong)BitConverter.SingleToInt32Bits(v == 0 ? 0f : v));
        if (t == typeof(double)) return Make<double>(row, column, v => (ulong)BitConverter.DoubleToInt64Bits(v == 0 ? 0d : v));
        if (t == typeof(DataViewRowId)) return Make<DataViewRowId>(row, column, v => v.Low ^ Mix(v.High));
        if (column.Type is NumberDataViewType || column.Type is KeyDataViewType)
        {
            var read = NumericReader.MakeInteger(row, column);
            return () => Mix(read());
        }
        throw new NotSupportedException($"Column '{column.Name}' of type {column.Type} cannot be hashed; use a scalar number, key, bool or text column.");
    }

    private static Func<ulong> Make<T>(DataViewRow row, DataViewSchema.Column column, Func<T, ulong> toBits)
    {
        var g = row.GetGetter<T>(column);
        return () =>
        {
            T v = default!;
            g(ref v);
            return Mix(toBits(v));
        };
    }
}

/// <summary>Reads numeric scalar columns of any numeric raw type as doubles or integers.</summary>
public static class NumericReader
{
    /// <summary>A function reading the current value of numeric or key scalar <paramref name="column"/> as a double.</summary>
    public static Func<double> Make(DataViewRow row, DataViewSchema.Column column) => column.Type.RawType switch
    {
        var t when t == typeof(float) => Read<float, double>(row, column, v => v),
        var t when t == typeof(double) => Read<double, double>(row, column, v => v),
        var t when t == typeof(sbyte) => Read<sbyte, double>(row, column, v => v),
        var t when t == typeof(byte) => Read<byte, double>(row, column, v => v),
        var t when t == typeof(short) => Read<short, double>(row, column, v => v),
        var t when t == typeof(ushort) => Read<ushort, double>(row, column, v => v),
        var t when t == typeof(int) => Read<int, double>(row, column, v => v),
        var t when t == typeof(uint) => Read<uint, double>(row, column, v => v),
        var t when t == typeof(long) => Read<long, double>(row, column, v => v),
        var t when t == typeof(ulong) => Read<ulong, double>(row, column, v => v),
        _ => throw new NotSupportedException($"Column '{column.Name}' of type {column.Type} is not numeric."),
    };

    /// <summary>A function reading the current value of an integer or key scalar column as 64 bits.</summary>
    public static Func<ulong> MakeInteger(DataViewRow row, DataViewSchema.Column column) => column.Type.RawType switch
    {
        var t when t == typeof(sbyte) => Read<sbyte, ulong>(row, column, v => (ulong)v),
        var t when t == typeof(byte) => Read<byte, ulong>(row, column, v => v),
        var t when t == typeof(short) => Read<short, ulong>(row, column, v => (ulong)v),
        var t when t == typeof(ushort) => Read<ushort, ulong>(row, column, v => v),
        var t when t == typeof(int) => Read<int, ulong>(row, column, v => (ulong)v),
        var t when t == typeof(uint) => Read<uint, ulong>(row, column, v => v),
        var t when t == typeof(long) => Read<long, ulong>(row, column, v => (ulong)v),
        var t when t == typeof(ulong) => Read<ulong, ulong>(row, column, v => v),
        _ => throw new NotSupportedException($"Column '{column.Name}' of type {column.Type} is not an integer column."),
    };

    private static Func<TOut> Read<T, TOut>(DataViewRow row, DataViewSchema.Column column, Func<T, TOut> convert)
    {
        var g = row.GetGetter<T>(column);
        return () =>
        {
            T v = default!;
            g(ref v);
            return convert(v);
        };
    }

}
