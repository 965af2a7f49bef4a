using System.Reflection;

namespace Mtl.ML.Data;

/// <summary>
/// How the public fields and properties of a class map to columns (name, type). Built from attributes with
/// <see cref="Create"/>; entries can be edited before use (for example to set a vector size at run time).
/// </summary>
public sealed class SchemaDefinition : List<SchemaDefinition.Column>
{
    /// <summary>Which members to consider.</summary>
    [Flags]
    public enum Direction
    {
        /// <summary>Readable members (for reading objects into a view).</summary>
        Read = 1,
        /// <summary>Writable members (for writing rows into objects).</summary>
        Write = 2,
        /// <summary>Both readable and writable.</summary>
        Both = Read | Write,
    }

    /// <summary>One member-to-column mapping.</summary>
    public sealed class Column
    {
        /// <summary>Creates a mapping.</summary>
        public Column(string memberName, string columnName, DataViewType columnType)
        {
            MemberName = memberName;
            ColumnName = columnName;
            ColumnType = columnType;
        }

        /// <summary>The field or property name.</summary>
        public string MemberName { get; set; }
        /// <summary>The column name.</summary>
        public string ColumnName { get; set; }
        /// <summary>The column type.</summary>
        public DataViewType ColumnType { get; set; }
        /// <summary>Annotations of the column.</summary>
        public DataViewSchema.Annotations Annotations { get; set; } = DataViewSchema.Annotations.Empty;
    }

    /// <summary>The mapping of <paramref name="userType"/>'s public instance fields and properties.</summary>
    public static SchemaDefinition Create(Type userType, Direction direction = Direction.Both)
    {
        ArgumentNullException.ThrowIfNull(userType);
        var def = new SchemaDefinition();
        foreach (var member in Members(userType, direction))
        {
            if (member.GetCustomAttribute<NoColumnAttribute>() is not null) continue;
            var memberType = member is FieldInfo f ? f.FieldType : ((PropertyInfo)member).PropertyType;
            string name = member.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? member.Name;
            def.Add(new Column(member.Name, name, InferType(userType, member, memberType)));
        }
        return def;
    }

    internal static IEnumerable<MemberInfo> Members(Type userType, Direction direction)
    {
        foreach (var f in userType.GetFields(BindingFlags.Public | BindingFlags.Instance))
            if ((direction & Direction.Write) == 0 || !f.IsInitOnly) yield return f;
        foreach (var p in userType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0) continue;
            if ((direction & Direction.Read) != 0 && p.GetMethod?.IsPublic != true) continue;
            if ((direction & Direction.Write) != 0 && p.SetMethod?.IsPublic != true) continue;
            yield return p;
        }
    }

    private static readonly List<Func<MemberInfo, Type, DataViewType?>> Resolvers = new();

    /// <summary>
    /// Lets another assembly map its own member types to column types (e.g. an image class to an image column type, sized by
    /// an attribute on the member). A resolver returns null for members it does not handle. The member's value is passed
    /// through unchanged, so the column type's raw type must be the member type.
    /// </summary>
    public static void RegisterColumnTypeResolver(Func<MemberInfo, Type, DataViewType?> resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        lock (Resolvers) Resolvers.Add(resolver);
    }

    private static DataViewType? Resolve(MemberInfo member, Type memberType)
    {
        lock (Resolvers)
            foreach (var resolve in Resolvers)
                if (resolve(member, memberType) is { } type) return type;
        return null;
    }

    private static DataViewType InferType(Type userType, MemberInfo member, Type memberType)
    {
        if (Resolve(member, memberType) is { } custom) return custom;
        if (memberType.Assembly != typeof(SchemaDefinition).Assembly && !memberType.Assembly.GetName().Name!.StartsWith("System", StringComparison.Ordinal))
        {
            // The assembly that defines the member type may register a resolver in its module initializer; run it once.
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(memberType.Assembly.ManifestModule.ModuleHandle);
            if (Resolve(member, memberType) is { } late) return late;
        }
        var vectorAttr = member.GetCustomAttribute<VectorTypeAttribute>();
        var keyAttr = member.GetCustomAttribute<KeyTypeAttribute>();
        Type? itemType = memberType.IsArray ? memberType.GetElementType()
            : memberType.IsGenericType && memberType.GetGenericTypeDefinition() == typeof(VBuffer<>) ? memberType.GetGenericArguments()[0]
            : null;
        string where = $"{userType.Name}.{member.Name}";
        if (itemType is null && vectorAttr is not null)
            throw new InvalidOperationException($"{where} has [VectorType] but is a {memberType.Name}; use an array or VBuffer.");
        var primitive = PrimitiveFor(itemType ?? memberType, keyAttr, where);
        if (itemType is null) return primitive;
        return new VectorDataViewType(primitive, vectorAttr?.Dims ?? []);
    }

    private static PrimitiveDataViewType PrimitiveFor(Type type, KeyTypeAttribute? key, string where)
    {
        if (key is not null)
        {
            if (!KeyDataViewType.IsValidDataType(type))
                throw new InvalidOperationException($"{where} has [KeyType] but is a {type.Name}; keys need byte, ushort, uint or ulong.");
            return new KeyDataViewType(type, key.Count);
        }
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>)) return TextDataViewType.Instance;
        if (type == typeof(bool)) return BooleanDataViewType.Instance;
        if (type == typeof(DataViewRowId)) return RowIdDataViewType.Instance;
        return NumberDataViewType.FromRawType(type)
            ?? throw new InvalidOperationException($"{where} has type {type.Name}, which cannot be a column. Use a number, bool, string, an array or VBuffer of those, or mark it [NoColumn].");
    }
}

/// <summary>Reads and writes object members as column values (string ↔ text, arrays ↔ vectors).</summary>
internal static class MemberAccess
{
    public static MemberInfo Find(Type type, string name) =>
        (MemberInfo?)type.GetField(name, BindingFlags.Public | BindingFlags.Instance)
        ?? type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
        ?? throw new InvalidOperationException($"{type.Name} has no public field or property '{name}'.");

    public static Type MemberType(MemberInfo m) => m is FieldInfo f ? f.FieldType : ((PropertyInfo)m).PropertyType;

    public static Func<object, object?> Reader(MemberInfo m) => m is FieldInfo f ? f.GetValue : ((PropertyInfo)m).GetValue;

    public static Action<object, object?> Writer(MemberInfo m) => m is FieldInfo f ? f.SetValue : ((PropertyInfo)m).SetValue;

    /// <summary>A getter reading member <paramref name="m"/> of <c>current()</c> as a value of <paramref name="columnType"/>.</summary>
    public static Delegate MakeGetter(MemberInfo m, DataViewType columnType, string columnName, Func<object> current)
    {
        var memberType = MemberType(m);
        var read = Reader(m);
        var raw = columnType.RawType;
        if (raw == memberType)
        {
            var method = typeof(MemberAccess).GetMethod(nameof(Direct), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw);
            return (Delegate)method.Invoke(null, [read, current])!;
        }
        if (raw == typeof(ReadOnlyMemory<char>) && memberType == typeof(string))
        {
            ValueGetter<ReadOnlyMemory<char>> g = (ref ReadOnlyMemory<char> v) => v = ((string?)read(current()) ?? "").AsMemory();
            return g;
        }
        if (columnType is VectorDataViewType vt && memberType.IsArray)
        {
            var elem = memberType.GetElementType()!;
            var method = elem == typeof(string) && vt.ItemType is TextDataViewType
                ? typeof(MemberAccess).GetMethod(nameof(FromStringArray), BindingFlags.NonPublic | BindingFlags.Static)!
                : typeof(MemberAccess).GetMethod(nameof(FromArray), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(elem);
            return (Delegate)method.Invoke(null, [read, current, vt, columnName])!;
        }
        throw new InvalidOperationException($"Member '{m.Name}' of type {memberType.Name} cannot provide column '{columnName}' of type {columnType}.");
    }

    private static ValueGetter<T> Direct<T>(Func<object, object?> read, Func<object> current) =>
        (ref T v) => v = (T)read(current())!;

    private static ValueGetter<VBuffer<T>> FromArray<T>(Func<object, object?> read, Func<object> current, VectorDataViewType type, string columnName) =>
        (ref VBuffer<T> v) =>
        {
            var array = (T[]?)read(current()) ?? [];
            CheckSize(type, array.Length, columnName);
            var editor = VBufferEditor.Create(ref v, array.Length);
            array.CopyTo(editor.Values);
            v = editor.Commit();
        };

    private static ValueGetter<VBuffer<ReadOnlyMemory<char>>> FromStringArray(Func<object, object?> read, Func<object> current, VectorDataViewType type, string columnName) =>
        (ref VBuffer<ReadOnlyMemory<char>> v) =>
        {
            var array = (string?[]?)read(current()) ?? [];
            CheckSize(type, array.Length, columnName);
            var editor = VBufferEditor.Create(ref v, array.Length);
            for (int i = 0; i < array.Length; i++) editor.Values[i] = (array[i] ?? "").AsMemory();
            v = editor.Commit();
        };

    private static void CheckSize(VectorDataViewType type, int length, string columnName)
    {
        if (type.IsKnownSize && type.Size != length)
            throw new InvalidOperationException($"Column '{columnName}' is declared as {type} ({type.Size} values) but an object holds {length} values. Fix the data or the [VectorType] attribute.");
    }

    /// <summary>An action copying the current value of <paramref name="column"/> from <paramref name="row"/> into member <paramref name="m"/> of the target.</summary>
    public static Action<object> MakeSetter(MemberInfo m, DataViewRow row, DataViewSchema.Column column)
    {
        var memberType = MemberType(m);
        var write = Writer(m);
        var raw = column.Type.RawType;
        string method = raw == memberType ? nameof(SetDirect)
            : raw == typeof(ReadOnlyMemory<char>) && memberType == typeof(string) ? nameof(SetString)
            : raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>) && memberType.IsArray
              && memberType.GetElementType() == raw.GetGenericArguments()[0] ? nameof(SetArray)
            : raw == typeof(VBuffer<ReadOnlyMemory<char>>) && memberType == typeof(string[]) ? nameof(SetStringArray)
            : throw new InvalidOperationException($"Column '{column.Name}' of type {column.Type} cannot be written into member '{m.Name}' of type {memberType.Name}.");
        var generic = typeof(MemberAccess).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!;
        if (generic.IsGenericMethodDefinition)
            generic = generic.MakeGenericMethod(method == nameof(SetArray) ? raw.GetGenericArguments()[0] : raw);
        return (Action<object>)generic.Invoke(null, [write, row, column])!;
    }

    private static Action<object> SetDirect<T>(Action<object, object?> write, DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        var copy = ValueCopier.For<T>();
        return target =>
        {
            T value = default!;
            getter(ref value);
            T owned = default!;
            copy(in value, ref owned);
            write(target, owned);
        };
    }

    private static Action<object> SetString(Action<object, object?> write, DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
        return target =>
        {
            ReadOnlyMemory<char> value = default;
            getter(ref value);
            write(target, value.ToString());
        };
    }

    private static Action<object> SetArray<T>(Action<object, object?> write, DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<T>>(column);
        return target =>
        {
            VBuffer<T> value = default;
            getter(ref value);
            var array = new T[value.Length];
            value.CopyTo(array);
            write(target, array);
        };
    }

    private static Action<object> SetStringArray(Action<object, object?> write, DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        return target =>
        {
            VBuffer<ReadOnlyMemory<char>> value = default;
            getter(ref value);
            write(target, value.DenseValues().Select(x => x.ToString()).ToArray());
        };
    }
}

/// <summary>A view over a sequence of objects; each public field or property is a column (see <see cref="SchemaDefinition"/>).</summary>
public sealed class EnumerableDataView<TRow> : IDataView where TRow : class
{
    private readonly IEnumerable<TRow> _data;
    private readonly IReadOnlyList<TRow>? _list;
    private readonly SchemaDefinition _definition;
    private readonly MemberInfo[] _members;

    /// <summary>Wraps <paramref name="data"/>; a list supports random order (shuffling) and knows its row count.</summary>
    public EnumerableDataView(IEnumerable<TRow> data, SchemaDefinition? schemaDefinition = null)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        _list = data as IReadOnlyList<TRow> ?? (data is IList<TRow> l ? new ListAdapter(l) : null);
        _definition = schemaDefinition ?? SchemaDefinition.Create(typeof(TRow), SchemaDefinition.Direction.Read);
        _members = _definition.Select(c => MemberAccess.Find(typeof(TRow), c.MemberName)).ToArray();
        var builder = new DataViewSchema.Builder();
        foreach (var c in _definition) builder.AddColumn(c.ColumnName, c.ColumnType, c.Annotations);
        Schema = builder.ToSchema();
    }

    /// <inheritdoc/>
    public DataViewSchema Schema { get; }
    /// <inheritdoc/>
    public bool CanShuffle => _list is not null;
    /// <inheritdoc/>
    public long? GetRowCount() => _list?.Count ?? (_data is System.Collections.ICollection c ? c.Count : null);

    /// <inheritdoc/>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = CursorChecks.ActiveFlags(Schema, columnsNeeded);
        int[]? order = null;
        if (rand is not null && _list is not null)
        {
            order = Enumerable.Range(0, _list.Count).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(this, active, order);
    }

    /// <inheritdoc/>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class ListAdapter(IList<TRow> list) : IReadOnlyList<TRow>
    {
        public TRow this[int index] => list[index];
        public int Count => list.Count;
        public IEnumerator<TRow> GetEnumerator() => list.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => list.GetEnumerator();
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly EnumerableDataView<TRow> _parent;
        private readonly bool[] _active;
        private readonly int[]? _order;
        private readonly IEnumerator<TRow>? _enumerator;
        private readonly Delegate?[] _getters;
        private TRow? _current;
        private long _position = -1;
        private long _sourceIndex = -1;

        public Cursor(EnumerableDataView<TRow> parent, bool[] active, int[]? order)
        {
            _parent = parent;
            _active = active;
            _order = order;
            if (order is null) _enumerator = parent._data.GetEnumerator();
            _getters = new Delegate?[active.Length];
            for (int i = 0; i < active.Length; i++)
                if (active[i])
                    _getters[i] = MemberAccess.MakeGetter(parent._members[i], parent.Schema[i].Type, parent.Schema[i].Name, Current);
        }

        private object Current() => _current ?? throw new InvalidOperationException(
            _position < 0 ? "The cursor is not on a row; call MoveNext first." : $"Row {_position} of the enumerable is null.");

        public override long Position => _position;
        public override long Batch => 0;
        public override DataViewSchema Schema => _parent.Schema;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_order is not null)
            {
                if (_position + 1 >= _order.Length) { _current = null; return false; }
                _position++;
                _sourceIndex = _order[_position];
                _current = _parent._list![(int)_sourceIndex];
                return true;
            }
            if (!_enumerator!.MoveNext()) { _current = null; return false; }
            _position++;
            _sourceIndex = _position;
            _current = _enumerator.Current;
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(Schema, column);
            return CursorChecks.CastGetter<TValue>(_getters[column.Index], column);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = CursorChecks.IdFromPosition(_sourceIndex);

        protected override void Dispose(bool disposing) => _enumerator?.Dispose();
    }
}
