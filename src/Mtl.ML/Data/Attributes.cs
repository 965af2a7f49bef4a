namespace Mtl.ML.Data;

/// <summary>Names the column a field or property maps to (default: the member name).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
}

/// <summary>Declares a vector column's dimensions, e.g. <c>[VectorType(1, 28, 28)]</c>; no dimensions = variable size.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class VectorTypeAttribute : Attribute
{
    /// <summary>A variable-size vector.</summary>
    public VectorTypeAttribute() => Dims = [];

    /// <summary>A vector of the given size.</summary>
    public VectorTypeAttribute(int size) => Dims = [size];

    /// <summary>A vector with the given dimensions.</summary>
    public VectorTypeAttribute(params int[] dims) => Dims = dims ?? [];

    /// <summary>The dimensions (empty = variable size).</summary>
    public int[] Dims { get; }

    /// <summary>The total size (0 = variable).</summary>
    public int Size => Dims.Length == 0 ? 0 : Dims.Aggregate(1, (a, b) => a * b);
}

/// <summary>Declares an unsigned integer member as a key column with <see cref="Count"/> values (1-based, 0 = missing).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class KeyTypeAttribute(ulong count) : Attribute
{
    /// <summary>The number of key values.</summary>
    public ulong Count { get; } = count;
}

/// <summary>Excludes a field or property from the columns.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NoColumnAttribute : Attribute { }
