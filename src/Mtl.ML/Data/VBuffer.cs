namespace Mtl.ML.Data;

/// <summary>
/// A vector value: dense (all <see cref="Length"/> values stored) or sparse (only the values at
/// increasing <c>indices</c>; the rest are default). The buffers may be reused between rows, so copy
/// what you keep (<see cref="CopyTo(ref VBuffer{T})"/>).
/// </summary>
public readonly struct VBuffer<T>
{
    private readonly T[]? _values;
    private readonly int[]? _indices;
    private readonly int _count;

    /// <summary>Creates a dense vector of <paramref name="length"/> values taken from the start of <paramref name="values"/>.</summary>
    public VBuffer(int length, T[] values, int[]? indices = null)
        : this(length, length, values, indices) { }

    /// <summary>
    /// Creates a vector with <paramref name="count"/> stored values. It is dense when <paramref name="count"/> equals
    /// <paramref name="length"/>; otherwise <paramref name="indices"/> gives the (strictly increasing) position of each stored value.
    /// </summary>
    public VBuffer(int length, int count, T[]? values, int[]? indices)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "Length must be non-negative.");
        if (count < 0 || count > length) throw new ArgumentOutOfRangeException(nameof(count), $"Count {count} must lie in [0, {length}].");
        if (count > 0 && (values is null || values.Length < count))
            throw new ArgumentException($"The values array must hold at least {count} items.", nameof(values));
        if (count < length && count > 0 && (indices is null || indices.Length < count))
            throw new ArgumentException($"A sparse vector needs at least {count} indices.", nameof(indices));
        Length = length;
        _count = count;
        _values = values;
        _indices = indices;
    }

    /// <summary>The logical length of the vector.</summary>
    public int Length { get; }

    /// <summary>Whether every value is stored.</summary>
    public bool IsDense => _count == Length;

    /// <summary>The stored values (all values when dense).</summary>
    public ReadOnlySpan<T> GetValues() => _values is null ? ReadOnlySpan<T>.Empty : _values.AsSpan(0, _count);

    /// <summary>The indices of the stored values (empty when dense).</summary>
    public ReadOnlySpan<int> GetIndices() => IsDense || _indices is null ? ReadOnlySpan<int>.Empty : _indices.AsSpan(0, _count);

    /// <summary>The whole vector, with defaults filled in for values not stored.</summary>
    public IEnumerable<T> DenseValues()
    {
        if (IsDense)
        {
            for (int i = 0; i < Length; i++) yield return _values![i];
            yield break;
        }
        int next = 0;
        for (int i = 0; i < Length; i++)
        {
            if (next < _count && _indices![next] == i) yield return _values![next++];
            else yield return default!;
        }
    }

    /// <summary>The stored (index, value) pairs; for a dense vector, every pair.</summary>
    public IEnumerable<KeyValuePair<int, T>> Items(bool all = false)
    {
        if (IsDense || all)
        {
            int j = 0;
            foreach (T v in DenseValues()) yield return new(j++, v);
            yield break;
        }
        for (int k = 0; k < _count; k++) yield return new(_indices![k], _values![k]);
    }

    /// <summary>The value at <paramref name="index"/> (default when not stored).</summary>
    public T GetItemOrDefault(int index)
    {
        if ((uint)index >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(index), $"Index {index} is outside the vector of length {Length}.");
        if (IsDense) return _values![index];
        int k = Array.BinarySearch(_indices!, 0, _count, index);
        return k >= 0 ? _values![k] : default!;
    }

    /// <summary>Copies this vector into <paramref name="destination"/>, reusing its buffers when they are large enough.</summary>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length, _count);
        GetValues().CopyTo(editor.Values);
        if (!IsDense) GetIndices().CopyTo(editor.Indices);
        destination = editor.Commit();
    }

    /// <summary>Copies this vector into <paramref name="destination"/> as a dense vector.</summary>
    public void CopyToDense(ref VBuffer<T> destination)
    {
        var editor = VBufferEditor.Create(ref destination, Length);
        if (IsDense) GetValues().CopyTo(editor.Values);
        else
        {
            editor.Values.Clear();
            var values = GetValues();
            var indices = GetIndices();
            for (int k = 0; k < values.Length; k++) editor.Values[indices[k]] = values[k];
        }
        destination = editor.Commit();
    }

    /// <summary>Copies the whole vector (dense) into <paramref name="destination"/> at <paramref name="destinationIndex"/>.</summary>
    public void CopyTo(Span<T> destination, int destinationIndex = 0)
    {
        if (destination.Length - destinationIndex < Length)
            throw new ArgumentException($"The destination has room for {destination.Length - destinationIndex} values; the vector has {Length}.", nameof(destination));
        var target = destination.Slice(destinationIndex, Length);
        if (IsDense) { GetValues().CopyTo(target); return; }
        target.Clear();
        var vals = GetValues();
        var idx = GetIndices();
        for (int k = 0; k < vals.Length; k++) target[idx[k]] = vals[k];
    }

    internal T[]? ValuesArray => _values;
    internal int[]? IndicesArray => _indices;

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join(", ", DenseValues().Take(16))}{(Length > 16 ? ", ..." : "")}] (length {Length})";
}

/// <summary>Creates <see cref="VBufferEditor{T}"/> instances.</summary>
public static class VBufferEditor
{
    /// <summary>
    /// Starts editing <paramref name="destination"/> as a vector of <paramref name="newLogicalLength"/> with
    /// <paramref name="valuesCount"/> stored values (dense when null or equal to the length), reusing its arrays when big enough.
    /// </summary>
    public static VBufferEditor<T> Create<T>(ref VBuffer<T> destination, int newLogicalLength, int? valuesCount = null, bool keepOldOnResize = false)
    {
        int count = valuesCount ?? newLogicalLength;
        if (newLogicalLength < 0) throw new ArgumentOutOfRangeException(nameof(newLogicalLength));
        if (count < 0 || count > newLogicalLength) throw new ArgumentOutOfRangeException(nameof(valuesCount));
        T[]? values = destination.ValuesArray;
        if (values is null || values.Length < count)
        {
            var fresh = new T[count];
            if (keepOldOnResize && values is not null) values.AsSpan().CopyTo(fresh);
            values = fresh;
        }
        int[]? indices = destination.IndicesArray;
        if (count < newLogicalLength && (indices is null || indices.Length < count)) indices = new int[count];
        return new VBufferEditor<T>(newLogicalLength, count, values, indices);
    }
}

/// <summary>Writable view on the buffers of a <see cref="VBuffer{T}"/>; call <see cref="Commit"/> to get the new vector.</summary>
public readonly ref struct VBufferEditor<T>
{
    private readonly int _length;
    private readonly int _count;
    private readonly T[] _values;
    private readonly int[]? _indices;

    internal VBufferEditor(int length, int count, T[] values, int[]? indices)
    {
        _length = length;
        _count = count;
        _values = values;
        _indices = indices;
        Values = values.AsSpan(0, count);
        Indices = indices is null || count == length ? Span<int>.Empty : indices.AsSpan(0, count);
    }

    /// <summary>The values to fill.</summary>
    public Span<T> Values { get; }

    /// <summary>The indices to fill (sparse vectors only).</summary>
    public Span<int> Indices { get; }

    /// <summary>Finishes editing and returns the vector.</summary>
    public VBuffer<T> Commit() => new(_length, _count, _values, _indices);
}
