using System.Collections;

namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>
/// What an estimator knows of a schema before seeing data: per column its name, whether it is a scalar or vector,
/// the item type, whether it is a key, and which annotations it has.
/// </summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private readonly Column[] _columns;

    /// <summary>Creates a shape from columns (a later column with the same name replaces an earlier one).</summary>
    public SchemaShape(IEnumerable<Column> columns)
    {
        var list = new List<Column>();
        foreach (var c in columns)
        {
            int existing = list.FindIndex(x => x.Name == c.Name);
            if (existing >= 0) list.RemoveAt(existing);
            list.Add(c);
        }
        _columns = [.. list];
    }

    /// <summary>The number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    public Column this[int index] => _columns[index];

    /// <summary>Finds a column by name.</summary>
    public bool TryFindColumn(string name, out Column column)
    {
        foreach (var c in _columns)
            if (c.Name == name) { column = c; return true; }
        column = default;
        return false;
    }

    /// <summary>The shape of a concrete schema (visible columns only).</summary>
    public static SchemaShape Create(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return new SchemaShape(schema.Where(c => !c.IsHidden).Select(c => Column.FromType(c.Name, c.Type,
            new SchemaShape(c.Annotations.Schema.Where(a => !a.IsHidden).Select(a => Column.FromType(a.Name, a.Type, null))))));
    }

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The shape of one column.</summary>
    public readonly struct Column
    {
        /// <summary>Whether a column is a scalar, a vector of known size, or a vector of variable size.</summary>
        public enum VectorKind
        {
            /// <summary>One value.</summary>
            Scalar,
            /// <summary>A vector of known size.</summary>
            Vector,
            /// <summary>A vector of variable size.</summary>
            VariableVector,
        }

        /// <summary>Creates a column shape.</summary>
        public Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(itemType);
            if (itemType is VectorDataViewType)
                throw new ArgumentException("The item type of a column shape cannot be a vector type; use the vector kind.", nameof(itemType));
            if (isKey && !KeyDataViewType.IsValidDataType(itemType.RawType))
                throw new ArgumentException($"A key column shape needs an unsigned integer item type, not {itemType}.", nameof(itemType));
            Name = name;
            Kind = vecKind;
            ItemType = itemType;
            IsKey = isKey;
            Annotations = annotations ?? new SchemaShape([]);
        }

        /// <summary>The shape of a column of type <paramref name="type"/>.</summary>
        public static Column FromType(string name, DataViewType type, SchemaShape? annotations)
        {
            var kind = type is VectorDataViewType v ? (v.IsKnownSize ? VectorKind.Vector : VectorKind.VariableVector) : VectorKind.Scalar;
            var item = type.GetItemType();
            bool isKey = item is KeyDataViewType;
            // Shapes keep a key's raw type only: the count is data dependent.
            var itemType = isKey ? NumberDataViewType.FromRawType(item.RawType)! : item;
            return new Column(name, kind, itemType, isKey, annotations);
        }

        /// <summary>The column name.</summary>
        public string Name { get; }
        /// <summary>Scalar or vector.</summary>
        public VectorKind Kind { get; }
        /// <summary>The item type (for keys, the raw unsigned integer type).</summary>
        public DataViewType ItemType { get; }
        /// <summary>Whether the values are keys.</summary>
        public bool IsKey { get; }
        /// <summary>The annotations the column has.</summary>
        public SchemaShape Annotations { get; }

        /// <summary>Whether this shape was set (default instances are not).</summary>
        public bool IsValid => Name is not null;

        /// <summary>Whether a column of shape <paramref name="source"/> can be used where this shape is expected.</summary>
        public bool IsCompatibleWith(Column source)
        {
            if (!IsValid || !source.IsValid) return false;
            if (Name != source.Name || Kind != source.Kind || IsKey != source.IsKey || ItemType != source.ItemType) return false;
            foreach (var a in Annotations)
                if (!source.Annotations.TryFindColumn(a.Name, out var sa) || !a.IsCompatibleWith(sa)) return false;
            return true;
        }

        /// <summary>A readable type description, e.g. "Vector&lt;Single&gt;" or "Key&lt;UInt32&gt;".</summary>
        public string GetTypeString()
        {
            string item = IsKey ? $"Key<{ItemType}>" : ItemType.ToString()!;
            return Kind switch { VectorKind.Scalar => item, VectorKind.Vector => $"Vector<{item}>", _ => $"VarVector<{item}>" };
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Name}: {GetTypeString()}";
    }
}
