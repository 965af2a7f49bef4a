namespace Mtl.ML.Data;

/// <summary>Copies values deeply (vectors get their own buffers), so a kept value is not changed by the next row.</summary>
public static class ValueCopier
{
    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>, reusing its buffers.</summary>
    public delegate void Copier<T>(in T source, ref T destination);

    /// <summary>The copier for values of type <typeparamref name="T"/>.</summary>
    public static Copier<T> For<T>() => Cache<T>.Copy;

    private static class Cache<T>
    {
        public static readonly Copier<T> Copy = Make();

        private static Copier<T> Make()
        {
            if (typeof(T).IsGenericType && typeof(T).GetGenericTypeDefinition() == typeof(VBuffer<>))
            {
                var m = typeof(ValueCopier).GetMethod(nameof(CopyVector), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                    .MakeGenericMethod(typeof(T).GetGenericArguments()[0]);
                return (Copier<T>)m.CreateDelegate(typeof(Copier<T>));
            }
            return static (in T s, ref T d) => d = s;
        }
    }

    private static void CopyVector<TItem>(in VBuffer<TItem> source, ref VBuffer<TItem> destination) => source.CopyTo(ref destination);
}

/// <summary>
/// Growable storage of the values of one column (used by caches and shuffles). Values are deep-copied on append.
/// </summary>
public abstract class ColumnStore
{
    /// <summary>The stored column.</summary>
    public abstract DataViewType Type { get; }

    /// <summary>The number of stored values.</summary>
    public abstract int Count { get; }

    /// <summary>Creates a store for values of <paramref name="type"/>.</summary>
    public static ColumnStore Create(DataViewType type) =>
        (ColumnStore)Activator.CreateInstance(typeof(ColumnStore<>).MakeGenericType(type.RawType), type)!;

    /// <summary>An action that reads the current value of <paramref name="column"/> from <paramref name="row"/> and appends it.</summary>
    public abstract Action MakeAppender(DataViewRow row, DataViewSchema.Column column);

    /// <summary>An action that reads the current value of <paramref name="column"/> from <paramref name="row"/> into slot <c>slot()</c> (for fixed-size pools).</summary>
    public abstract Action<int> MakeSlotWriter(DataViewRow row, DataViewSchema.Column column);

    /// <summary>Makes room for <paramref name="count"/> slots.</summary>
    public abstract void EnsureSlots(int count);

    /// <summary>A getter returning the value at index <c>index()</c>.</summary>
    public abstract Delegate MakeGetter(Func<int> index);
}

/// <summary>A <see cref="ColumnStore"/> of <typeparamref name="T"/> values.</summary>
public sealed class ColumnStore<T> : ColumnStore
{
    private T[] _values = new T[16];
    private int _count;
    private readonly ValueCopier.Copier<T> _copy = ValueCopier.For<T>();

    /// <summary>Creates a store for <paramref name="type"/>.</summary>
    public ColumnStore(DataViewType type)
    {
        if (type.RawType != typeof(T)) throw new ArgumentException($"Type {type} is not held as {typeof(T).Name}.");
        Type = type;
    }

    /// <inheritdoc/>
    public override DataViewType Type { get; }
    /// <inheritdoc/>
    public override int Count => _count;

    /// <summary>The value at <paramref name="index"/>.</summary>
    public ref readonly T this[int index] => ref _values[index];

    /// <inheritdoc/>
    public override Action MakeAppender(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T temp = default!;
        return () =>
        {
            if (_count == _values.Length) Array.Resize(ref _values, _values.Length * 2);
            getter(ref temp);
            // Getters may hand out buffers they reuse; the store keeps a private copy.
            _copy(in temp, ref _values[_count++]);
        };
    }

    /// <inheritdoc/>
    public override Action<int> MakeSlotWriter(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        T temp = default!;
        return slot =>
        {
            getter(ref temp);
            _copy(in temp, ref _values[slot]);
        };
    }

    /// <inheritdoc/>
    public override void EnsureSlots(int count)
    {
        if (_values.Length < count) Array.Resize(ref _values, count);
        _count = Math.Max(_count, count);
    }

    /// <inheritdoc/>
    public override Delegate MakeGetter(Func<int> index)
    {
        ValueGetter<T> getter = (ref T value) => _copy(in _values[index()], ref value);
        return getter;
    }
}
