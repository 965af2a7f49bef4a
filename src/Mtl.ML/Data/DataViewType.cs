using System.Collections.Immutable;

namespace Mtl.ML.Data;

/// <summary>The type of a column in an <see cref="IDataView"/>: maps to a .NET representation type.</summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    /// <summary>Creates a type whose values are represented by <paramref name="rawType"/>.</summary>
    protected DataViewType(Type rawType) => RawType = rawType ?? throw new ArgumentNullException(nameof(rawType));

    /// <summary>The .NET type used to hold one value of this column type (for example <see cref="float"/> or <see cref="VBuffer{T}"/>).</summary>
    public Type RawType { get; }

    /// <summary>Whether two types describe the same values.</summary>
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <summary>Value equality of two types.</summary>
    public static bool operator ==(DataViewType? a, DataViewType? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Value inequality of two types.</summary>
    public static bool operator !=(DataViewType? a, DataViewType? b) => !(a == b);
}

/// <summary>A type whose values are not composed of other values (numbers, text, booleans, keys).</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    /// <summary>Creates a primitive type over <paramref name="rawType"/>.</summary>
    protected PrimitiveDataViewType(Type rawType) : base(rawType) { }
}

/// <summary>A type whose values are composed of other values (vectors, images).</summary>
public abstract class StructuredDataViewType : DataViewType
{
    /// <summary>Creates a structured type over <paramref name="rawType"/>.</summary>
    protected StructuredDataViewType(Type rawType) : base(rawType) { }
}

/// <summary>Numeric column types. Use the static singletons (<see cref="Single"/>, <see cref="Double"/>, ...).</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private readonly string _name;

    private NumberDataViewType(Type rawType, string name) : base(rawType) => _name = name;

    /// <summary>Signed 8-bit integer.</summary>
    public static NumberDataViewType SByte { get; } = new(typeof(sbyte), "I1");
    /// <summary>Unsigned 8-bit integer.</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte), "U1");
    /// <summary>Signed 16-bit integer.</summary>
    public static NumberDataViewType Int16 { get; } = new(typeof(short), "I2");
    /// <summary>Unsigned 16-bit integer.</summary>
    public static NumberDataViewType UInt16 { get; } = new(typeof(ushort), "U2");
    /// <summary>Signed 32-bit integer.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int), "I4");
    /// <summary>Unsigned 32-bit integer.</summary>
    public static NumberDataViewType UInt32 { get; } = new(typeof(uint), "U4");
    /// <summary>Signed 64-bit integer.</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long), "I8");
    /// <summary>Unsigned 64-bit integer.</summary>
    public static NumberDataViewType UInt64 { get; } = new(typeof(ulong), "U8");
    /// <summary>32-bit floating point (ML.NET's R4, the usual feature type).</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float), "Single");
    /// <summary>64-bit floating point (ML.NET's R8).</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double), "Double");

    /// <summary>All numeric types, in a fixed order.</summary>
    public static IReadOnlyList<NumberDataViewType> All { get; } =
        [SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double];

    /// <summary>The numeric type for a .NET type, or null when the type is not numeric.</summary>
    public static NumberDataViewType? FromRawType(Type rawType) => All.FirstOrDefault(t => t.RawType == rawType);

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => _name;
}

/// <summary>Text values, held as <see cref="ReadOnlyMemory{T}"/> of <see cref="char"/>.</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType() : base(typeof(ReadOnlyMemory<char>)) { }

    /// <summary>The single text type.</summary>
    public static TextDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => other is TextDataViewType;

    /// <inheritdoc/>
    public override int GetHashCode() => 17;

    /// <inheritdoc/>
    public override string ToString() => "String";
}

/// <summary>Boolean values.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType() : base(typeof(bool)) { }

    /// <summary>The single boolean type.</summary>
    public static BooleanDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => other is BooleanDataViewType;

    /// <inheritdoc/>
    public override int GetHashCode() => 19;

    /// <inheritdoc/>
    public override string ToString() => "Boolean";
}

/// <summary>A 128-bit row identifier, as returned by <see cref="DataViewRow.GetIdGetter"/>.</summary>
public readonly record struct DataViewRowId(ulong Low, ulong High)
{
    /// <summary>Combines this id with another one into a new, well-mixed id (used by views that derive rows, e.g. a shuffle).</summary>
    public DataViewRowId Combine(DataViewRowId other)
    {
        ulong low = Mix(Low ^ Mix(other.Low + 0x9E3779B97F4A7C15UL));
        ulong high = Mix(High ^ Mix(other.High + 0xC2B2AE3D27D4EB4FUL) ^ low);
        return new DataViewRowId(low, high);
    }

    /// <summary>A different id derived from this one and <paramref name="salt"/>.</summary>
    public DataViewRowId Fork(ulong salt) => Combine(new DataViewRowId(salt, ~salt));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>The type of row-id columns (<see cref="DataViewRowId"/> values).</summary>
public sealed class RowIdDataViewType : PrimitiveDataViewType
{
    private RowIdDataViewType() : base(typeof(DataViewRowId)) { }

    /// <summary>The single row-id type.</summary>
    public static RowIdDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => other is RowIdDataViewType;

    /// <inheritdoc/>
    public override int GetHashCode() => 23;

    /// <inheritdoc/>
    public override string ToString() => "RowId";
}

/// <summary>
/// A key (categorical index) type. Values are 1-based: 1..<see cref="Count"/> are valid keys and 0 means missing.
/// The raw type is an unsigned integer (<see cref="uint"/> by default).
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    /// <summary>Creates a key type with <paramref name="count"/> valid values over the unsigned raw type <paramref name="type"/>.</summary>
    public KeyDataViewType(Type type, ulong count) : base(type)
    {
        if (!IsValidDataType(type))
            throw new ArgumentException($"A key type must be backed by byte, ushort, uint or ulong, not {type.Name}.", nameof(type));
        if (count == 0)
            throw new ArgumentOutOfRangeException(nameof(count), "A key type needs at least one value (count must be positive).");
        if (count > MaxCount(type))
            throw new ArgumentOutOfRangeException(nameof(count), $"Count {count} does not fit in the raw type {type.Name}.");
        Count = count;
    }

    /// <summary>Creates a key type with <paramref name="count"/> valid values over <paramref name="type"/>.</summary>
    public KeyDataViewType(Type type, int count) : this(type, count > 0 ? (ulong)count : throw new ArgumentOutOfRangeException(nameof(count), "A key type needs a positive count.")) { }

    /// <summary>The number of valid key values; keys run from 1 to <see cref="Count"/>.</summary>
    public ulong Count { get; }

    /// <summary>Whether <paramref name="type"/> can back a key (byte, ushort, uint, ulong).</summary>
    public static bool IsValidDataType(Type type) =>
        type == typeof(byte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong);

    private static ulong MaxCount(Type type) =>
        type == typeof(byte) ? byte.MaxValue : type == typeof(ushort) ? ushort.MaxValue : type == typeof(uint) ? uint.MaxValue : ulong.MaxValue;

    /// <summary>Reads a key value of any raw type as a 64-bit number.</summary>
    public static ulong ToUInt64<T>(T value) => value switch
    {
        byte b => b,
        ushort s => s,
        uint u => u,
        ulong l => l,
        _ => throw new InvalidOperationException($"{typeof(T).Name} is not a key raw type."),
    };

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => other is KeyDataViewType k && k.RawType == RawType && k.Count == Count;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RawType, Count);

    /// <inheritdoc/>
    public override string ToString() => $"Key<{NumberDataViewType.FromRawType(RawType)}, 0-{Count - 1}>";
}

/// <summary>
/// A vector of a primitive item type with fixed dimensions (for example <c>Vector&lt;Single, 1, 28, 28&gt;</c>),
/// or of unknown length (<see cref="Size"/> = 0). Values are held as <see cref="VBuffer{T}"/>.
/// </summary>
public sealed class VectorDataViewType : StructuredDataViewType
{
    /// <summary>Creates a vector type; no dimensions (or a single 0) means variable length.</summary>
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions)
        : base(typeof(VBuffer<>).MakeGenericType((itemType ?? throw new ArgumentNullException(nameof(itemType))).RawType))
    {
        dimensions ??= Array.Empty<int>();
        if (dimensions.Any(d => d < 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions), "Vector dimensions must be non-negative.");
        if (dimensions.Length > 1 && dimensions.Any(d => d == 0))
            throw new ArgumentOutOfRangeException(nameof(dimensions), "Only a one-dimensional vector may have unknown (0) length.");
        ItemType = itemType;
        Dimensions = dimensions.Length == 0 ? ImmutableArray.Create(0) : ImmutableArray.Create(dimensions);
        long size = 1;
        foreach (int d in Dimensions) size = checked(size * d);
        Size = checked((int)size);
    }

    /// <summary>Creates a vector type with the given item type and dimensions.</summary>
    public VectorDataViewType(PrimitiveDataViewType itemType, ImmutableArray<int> dimensions) : this(itemType, dimensions.ToArray()) { }

    /// <summary>The type of each element.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The dimensions (row-major). A variable-length vector has the single dimension 0.</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>The total number of elements (product of <see cref="Dimensions"/>), or 0 when unknown.</summary>
    public int Size { get; }

    /// <summary>Whether the length is fixed and known.</summary>
    public bool IsKnownSize => Size > 0;

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) =>
        other is VectorDataViewType v && v.ItemType.Equals(ItemType) && v.Dimensions.SequenceEqual(Dimensions);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(ItemType);
        foreach (int d in Dimensions) h.Add(d);
        return h.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => IsKnownSize ? $"Vector<{ItemType}, {string.Join(", ", Dimensions)}>" : $"Vector<{ItemType}>";
}

/// <summary>Helpers on column types.</summary>
public static class DataViewTypeExtensions
{
    /// <summary>The item type of a vector, or the type itself for a scalar.</summary>
    public static DataViewType GetItemType(this DataViewType type) => type is VectorDataViewType v ? v.ItemType : type;

    /// <summary>The number of values in one cell: 1 for a scalar, the vector size (0 = unknown) for a vector.</summary>
    public static int GetValueCount(this DataViewType type) => type is VectorDataViewType v ? v.Size : 1;

    /// <summary>The key count of a key type, or of a vector's key item type; 0 if not a key.</summary>
    public static ulong GetKeyCount(this DataViewType type) => type.GetItemType() is KeyDataViewType k ? k.Count : 0;

    /// <summary>Whether the item type is <see cref="NumberDataViewType.Single"/> or <see cref="NumberDataViewType.Double"/>.</summary>
    public static bool IsFloatingPoint(this DataViewType type) =>
        type.GetItemType() == NumberDataViewType.Single || type.GetItemType() == NumberDataViewType.Double;
}
