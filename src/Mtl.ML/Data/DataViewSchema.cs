using System.Collections;
using System.Collections.Immutable;

namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>
/// The ordered columns of a data view. Several columns may share a name; then only the last is visible by name
/// and the earlier ones are <see cref="Column.IsHidden"/>.
/// </summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _byName;

    private DataViewSchema(IEnumerable<DetachedColumn> columns)
    {
        var list = columns.ToList();
        _byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < list.Count; i++) _byName[list[i].Name] = i;
        _columns = new Column[list.Count];
        for (int i = 0; i < list.Count; i++)
            _columns[i] = new Column(list[i].Name, i, _byName[list[i].Name] != i, list[i].Type, list[i].Annotations);
    }

    /// <summary>An empty schema.</summary>
    public static DataViewSchema Empty { get; } = new([]);

    /// <summary>The number of columns, hidden ones included.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="columnIndex"/>.</summary>
    public Column this[int columnIndex] => (uint)columnIndex < (uint)_columns.Length
        ? _columns[columnIndex]
        : throw new ArgumentOutOfRangeException(nameof(columnIndex), $"Column index {columnIndex} is outside the schema of {_columns.Length} columns.");

    /// <summary>The visible column named <paramref name="name"/>; throws when there is none.</summary>
    public Column this[string name] => GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found. Available columns: {string.Join(", ", _columns.Where(c => !c.IsHidden).Select(c => c.Name))}.");

    /// <summary>The visible column named <paramref name="name"/>, or null.</summary>
    public Column? GetColumnOrNull(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out int i) ? _columns[i] : null;
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Creates a schema from column definitions, in order.</summary>
    public static DataViewSchema Create(IEnumerable<DetachedColumn> columns) => new(columns);

    /// <inheritdoc/>
    public override string ToString() => string.Join(Environment.NewLine, _columns.Select(c => c.ToString()));

    /// <summary>One column of a schema.</summary>
    public readonly struct Column : IEquatable<Column>
    {
        /// <summary>Creates a column description. Usually you get columns from a schema instead.</summary>
        public Column(string name, int index, bool isHidden, DataViewType type, Annotations? annotations)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Index = index;
            IsHidden = isHidden;
            Type = type ?? throw new ArgumentNullException(nameof(type));
            Annotations = annotations ?? Annotations.Empty;
        }

        /// <summary>The column name.</summary>
        public string Name { get; }
        /// <summary>The position of the column in its schema.</summary>
        public int Index { get; }
        /// <summary>Whether a later column with the same name hides this one.</summary>
        public bool IsHidden { get; }
        /// <summary>The column type.</summary>
        public DataViewType Type { get; }
        /// <summary>Extra values attached to the column (key values, slot names, ...).</summary>
        public Annotations Annotations { get; }

        /// <inheritdoc/>
        public bool Equals(Column other) => Name == other.Name && Index == other.Index && IsHidden == other.IsHidden && Type == other.Type;
        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is Column c && Equals(c);
        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Name, Index, Type);
        /// <summary>Column equality.</summary>
        public static bool operator ==(Column a, Column b) => a.Equals(b);
        /// <summary>Column inequality.</summary>
        public static bool operator !=(Column a, Column b) => !a.Equals(b);
        /// <inheritdoc/>
        public override string ToString() => $"{Name} ({Index}): {Type}{(IsHidden ? " (hidden)" : "")}";
    }

    /// <summary>A column description not bound to a schema (name, type, annotations).</summary>
    public sealed class DetachedColumn
    {
        /// <summary>Creates a column description.</summary>
        public DetachedColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            Name = name ?? throw new ArgumentNullException(nameof(name));
            Type = type ?? throw new ArgumentNullException(nameof(type));
            Annotations = annotations ?? Annotations.Empty;
        }

        /// <summary>Detaches a schema column.</summary>
        public DetachedColumn(Column column) : this(column.Name, column.Type, column.Annotations) { }

        /// <summary>The column name.</summary>
        public string Name { get; }
        /// <summary>The column type.</summary>
        public DataViewType Type { get; }
        /// <summary>The annotations.</summary>
        public Annotations Annotations { get; }
    }

    /// <summary>Builds a <see cref="DataViewSchema"/> column by column.</summary>
    public sealed class Builder
    {
        private readonly List<DetachedColumn> _columns = [];

        /// <summary>Appends a column.</summary>
        public void AddColumn(string name, DataViewType type, Annotations? annotations = null) => _columns.Add(new DetachedColumn(name, type, annotations));

        /// <summary>Appends columns from another schema (name, type and annotations).</summary>
        public void AddColumns(IEnumerable<Column> columns)
        {
            foreach (var c in columns) _columns.Add(new DetachedColumn(c));
        }

        /// <summary>Appends detached columns.</summary>
        public void AddColumns(IEnumerable<DetachedColumn> columns) => _columns.AddRange(columns);

        /// <summary>Creates the schema.</summary>
        public DataViewSchema ToSchema() => new(_columns);
    }

    /// <summary>
    /// Named values attached to a column. Each annotation kind is a column of <see cref="Schema"/>; read one with
    /// <see cref="GetValue{TValue}(string, ref TValue)"/>.
    /// </summary>
    public sealed class Annotations
    {
        private readonly Delegate[] _getters;

        /// <summary>Creates annotations from a schema of kinds and one getter per kind.</summary>
        public Annotations(DataViewSchema schema, Delegate[] getters)
        {
            ArgumentNullException.ThrowIfNull(schema);
            ArgumentNullException.ThrowIfNull(getters);
            if (schema.Count != getters.Length)
                throw new ArgumentException($"Annotations need one getter per kind: {schema.Count} kinds, {getters.Length} getters.");
            for (int i = 0; i < getters.Length; i++)
            {
                var expected = typeof(ValueGetter<>).MakeGenericType(schema[i].Type.RawType);
                if (getters[i]?.GetType() != expected)
                    throw new ArgumentException($"Annotation '{schema[i].Name}' of type {schema[i].Type} needs a {expected.Name} getter.");
            }
            Schema = schema;
            _getters = getters;
        }

        /// <summary>No annotations.</summary>
        public static Annotations Empty { get; } = new(DataViewSchema.Empty, []);

        /// <summary>The annotation kinds and their types.</summary>
        public DataViewSchema Schema { get; }

        /// <summary>The getter of annotation <paramref name="column"/> of <see cref="Schema"/>.</summary>
        public ValueGetter<TValue> GetGetter<TValue>(Column column)
        {
            if ((uint)column.Index >= (uint)_getters.Length)
                throw new ArgumentOutOfRangeException(nameof(column), $"Annotation '{column.Name}' does not belong to these annotations.");
            return _getters[column.Index] as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Annotation '{column.Name}' holds {Schema[column.Index].Type.RawType.Name}, not {typeof(TValue).Name}.");
        }

        /// <summary>Reads annotation <paramref name="kind"/>; throws when it is absent or of another type.</summary>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            var column = Schema.GetColumnOrNull(kind)
                ?? throw new InvalidOperationException($"The column has no '{kind}' annotation.");
            GetGetter<TValue>(column)(ref value);
        }

        /// <summary>Annotations with only the kinds that <paramref name="predicate"/> accepts.</summary>
        public Annotations Filter(Func<string, bool> predicate)
        {
            var builder = new Builder();
            builder.Add(this, predicate);
            return builder.ToAnnotations();
        }

        /// <summary>Builds <see cref="Annotations"/>.</summary>
        public sealed class Builder
        {
            private readonly List<(string Name, DataViewType Type, Delegate Getter, Annotations? Annotations)> _items = [];

            /// <summary>Adds an annotation kind with a getter for its value.</summary>
            public void Add<TValue>(string name, DataViewType type, ValueGetter<TValue> getter, Annotations? annotations = null)
            {
                ArgumentNullException.ThrowIfNull(name);
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                if (type.RawType != typeof(TValue))
                    throw new ArgumentException($"Annotation '{name}' of type {type} is held as {type.RawType.Name}, not {typeof(TValue).Name}.");
                _items.Add((name, type, getter, annotations));
            }

            /// <summary>Adds an annotation kind with a fixed primitive value.</summary>
            public void AddPrimitiveValue<TValue>(string name, PrimitiveDataViewType type, TValue value, Annotations? annotations = null) =>
                Add(name, type, (ref TValue v) => v = value, annotations);

            /// <summary>Copies the kinds of <paramref name="annotations"/> accepted by <paramref name="selector"/>.</summary>
            public void Add(Annotations annotations, Func<string, bool> selector)
            {
                foreach (var c in annotations.Schema)
                    if (!c.IsHidden && selector(c.Name))
                        _items.Add((c.Name, c.Type, annotations._getters[c.Index], c.Annotations));
            }

            /// <summary>Adds the <see cref="AnnotationUtils.Kinds.KeyValues"/> annotation: the value of each key, in key order.</summary>
            public void AddKeyValues<TValue>(int size, PrimitiveDataViewType valueType, ValueGetter<VBuffer<TValue>> getter) =>
                Add(AnnotationUtils.Kinds.KeyValues, new VectorDataViewType(valueType, size), getter);

            /// <summary>Adds the <see cref="AnnotationUtils.Kinds.SlotNames"/> annotation: one name per vector slot.</summary>
            public void AddSlotNames(int size, ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter) =>
                Add(AnnotationUtils.Kinds.SlotNames, new VectorDataViewType(TextDataViewType.Instance, size), getter);

            /// <summary>Creates the annotations.</summary>
            public Annotations ToAnnotations()
            {
                var schemaBuilder = new DataViewSchema.Builder();
                foreach (var item in _items) schemaBuilder.AddColumn(item.Name, item.Type, item.Annotations);
                return new Annotations(schemaBuilder.ToSchema(), _items.Select(i => i.Getter).ToArray());
            }
        }
    }
}
