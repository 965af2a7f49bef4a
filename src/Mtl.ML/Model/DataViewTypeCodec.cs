using System.Reflection;

namespace Mtl.ML.Data;

/// <summary>
/// Writes and reads column types, schemas (with key-value and slot-name annotations) and primitive values in model files.
/// </summary>
public static class DataViewTypeCodec
{
    private enum Tag : byte { Number = 1, Text = 2, Boolean = 3, Key = 4, Vector = 5, RowId = 6, Custom = 7 }

    private sealed record CustomCodec(string Name, Type TypeClass, Action<BinaryWriter, DataViewType> Write, Func<BinaryReader, DataViewType> Read);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CustomCodec> CustomByName = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, CustomCodec> CustomByType = new();

    /// <summary>
    /// Lets model files hold columns of a type defined elsewhere (for example an image type): <paramref name="write"/> saves
    /// its parameters and <paramref name="read"/> rebuilds it. <paramref name="name"/> identifies the type in files.
    /// Values of such types are not saved (only schemas).
    /// </summary>
    public static void RegisterCustomType(string name, Type typeClass, Action<BinaryWriter, DataViewType> write, Func<BinaryReader, DataViewType> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(typeClass);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        if (!typeof(DataViewType).IsAssignableFrom(typeClass)) throw new ArgumentException($"{typeClass.Name} is not a DataViewType.", nameof(typeClass));
        var codec = new CustomCodec(name, typeClass, write, read);
        CustomByName[name] = codec;
        CustomByType[typeClass] = codec;
    }

    /// <summary>Whether <paramref name="type"/> can be written.</summary>
    public static bool CanWrite(DataViewType type) => type switch
    {
        NumberDataViewType or TextDataViewType or BooleanDataViewType or KeyDataViewType or RowIdDataViewType => true,
        VectorDataViewType v => CanWrite(v.ItemType),
        _ => CustomByType.ContainsKey(type.GetType()),
    };

    /// <summary>Writes a column type.</summary>
    public static void Write(BinaryWriter writer, DataViewType type)
    {
        switch (type)
        {
            case NumberDataViewType n:
                writer.Write((byte)Tag.Number);
                writer.Write((byte)IndexOfNumber(n));
                break;
            case TextDataViewType:
                writer.Write((byte)Tag.Text);
                break;
            case BooleanDataViewType:
                writer.Write((byte)Tag.Boolean);
                break;
            case RowIdDataViewType:
                writer.Write((byte)Tag.RowId);
                break;
            case KeyDataViewType k:
                writer.Write((byte)Tag.Key);
                writer.Write((byte)IndexOfNumber(NumberDataViewType.FromRawType(k.RawType)!));
                writer.Write(k.Count);
                break;
            case VectorDataViewType v:
                writer.Write((byte)Tag.Vector);
                Write(writer, v.ItemType);
                writer.Write(v.Dimensions.Length);
                foreach (int d in v.Dimensions) writer.Write(d);
                break;
            default:
                if (!CustomByType.TryGetValue(type.GetType(), out var codec))
                    throw new NotSupportedException(
                        $"Column type {type} ({type.GetType().Name}) cannot be saved in a model file. Register it with DataViewTypeCodec.RegisterCustomType.");
                writer.Write((byte)Tag.Custom);
                writer.Write(codec.Name);
                codec.Write(writer, type);
                break;
        }
    }

    private static int IndexOfNumber(NumberDataViewType n) => NumberDataViewType.All.ToList().IndexOf(n);

    /// <summary>Reads a column type written by <see cref="Write(BinaryWriter, DataViewType)"/>.</summary>
    public static DataViewType Read(BinaryReader reader)
    {
        var tag = (Tag)reader.ReadByte();
        switch (tag)
        {
            case Tag.Number: return ReadNumber(reader);
            case Tag.Text: return TextDataViewType.Instance;
            case Tag.Boolean: return BooleanDataViewType.Instance;
            case Tag.RowId: return RowIdDataViewType.Instance;
            case Tag.Key:
                var raw = ReadNumber(reader);
                return new KeyDataViewType(raw.RawType, reader.ReadUInt64());
            case Tag.Vector:
                var item = Read(reader) as PrimitiveDataViewType ?? throw new InvalidDataException("A saved vector type has a non-primitive item type. The file is damaged.");
                int n = reader.ReadInt32();
                if (n < 0 || n > 64) throw new InvalidDataException($"A saved vector type declares {n} dimensions. The file is damaged.");
                var dims = new int[n];
                for (int i = 0; i < n; i++) dims[i] = reader.ReadInt32();
                return new VectorDataViewType(item, dims);
            case Tag.Custom:
                string name = reader.ReadString();
                // The assembly defining the type may not have run yet: scanning runs its module initializer.
                if (!CustomByName.ContainsKey(name)) ComponentCatalog.Default.EnsureAssembliesScanned();
                return CustomByName.TryGetValue(name, out var codec) ? codec.Read(reader)
                    : throw new InvalidDataException($"The model uses column type '{name}', which is not registered. Load the assembly that defines it (it calls DataViewTypeCodec.RegisterCustomType) first.");
            default:
                throw new InvalidDataException($"Unknown saved column type tag {(byte)tag}. The file is damaged or was written by a newer version.");
        }
    }

    private static NumberDataViewType ReadNumber(BinaryReader reader)
    {
        int index = reader.ReadByte();
        return index < NumberDataViewType.All.Count ? NumberDataViewType.All[index]
            : throw new InvalidDataException($"Unknown saved number type {index}. The file is damaged or was written by a newer version.");
    }

    /// <summary>Writes a schema: column names, types, and the annotations whose types can be written.</summary>
    public static void WriteSchema(BinaryWriter writer, DataViewSchema schema)
    {
        writer.Write(schema.Count);
        foreach (var column in schema)
        {
            if (!CanWrite(column.Type))
                throw new NotSupportedException($"Column '{column.Name}' has type {column.Type}, which cannot be saved in a model file.");
            writer.Write(column.Name);
            Write(writer, column.Type);
            var annotations = column.Annotations.Schema.Where(a => !a.IsHidden && CanWrite(a.Type)).ToArray();
            writer.Write(annotations.Length);
            foreach (var a in annotations)
            {
                writer.Write(a.Name);
                Write(writer, a.Type);
                Invoke(nameof(WriteAnnotation), a.Type.RawType, writer, column.Annotations, a);
            }
        }
    }

    /// <summary>Reads a schema written by <see cref="WriteSchema"/>.</summary>
    public static DataViewSchema ReadSchema(BinaryReader reader)
    {
        int n = reader.ReadInt32();
        if (n < 0 || n > 1_000_000) throw new InvalidDataException($"A saved schema declares {n} columns. The file is damaged.");
        var builder = new DataViewSchema.Builder();
        for (int i = 0; i < n; i++)
        {
            string name = reader.ReadString();
            var type = Read(reader);
            int na = reader.ReadInt32();
            if (na < 0 || na > 1000) throw new InvalidDataException($"Saved column '{name}' declares {na} annotations. The file is damaged.");
            var ab = new DataViewSchema.Annotations.Builder();
            for (int j = 0; j < na; j++)
            {
                string kind = reader.ReadString();
                var atype = Read(reader);
                Invoke(nameof(ReadAnnotation), atype.RawType, reader, ab, kind, atype);
            }
            builder.AddColumn(name, type, ab.ToAnnotations());
        }
        return builder.ToSchema();
    }

    private static void Invoke(string method, Type raw, params object[] args)
    {
        var m = typeof(DataViewTypeCodec).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(raw);
        try { m.Invoke(null, args); }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    private static void WriteAnnotation<T>(BinaryWriter writer, DataViewSchema.Annotations annotations, DataViewSchema.Column kind)
    {
        T value = default!;
        annotations.GetGetter<T>(kind)(ref value);
        WriteValue(writer, kind.Type, value);
    }

    private static void ReadAnnotation<T>(BinaryReader reader, DataViewSchema.Annotations.Builder builder, string kind, DataViewType type)
    {
        var value = (T)ReadValue(reader, type)!;
        var copy = ValueCopier.For<T>();
        builder.Add(kind, type, (ref T v) => copy(in value, ref v));
    }

    /// <summary>Writes one value of <paramref name="type"/> (a primitive or a vector of primitives).</summary>
    public static void WriteValue<T>(BinaryWriter writer, DataViewType type, T value)
    {
        if (type is VectorDataViewType vt)
        {
            Invoke(nameof(WriteVector), vt.ItemType.RawType, writer, value!);
            return;
        }
        WritePrimitive(writer, value!);
    }

    private static void WriteVector<TItem>(BinaryWriter writer, VBuffer<TItem> value)
    {
        writer.Write(value.Length);
        foreach (var item in value.DenseValues()) WritePrimitive(writer, item!);
    }

    private static void WritePrimitive(BinaryWriter w, object value)
    {
        switch (value)
        {
            case float f: w.Write(f); break;
            case double d: w.Write(d); break;
            case sbyte sb: w.Write(sb); break;
            case byte b: w.Write(b); break;
            case short s: w.Write(s); break;
            case ushort us: w.Write(us); break;
            case int i: w.Write(i); break;
            case uint ui: w.Write(ui); break;
            case long l: w.Write(l); break;
            case ulong ul: w.Write(ul); break;
            case bool bo: w.Write(bo); break;
            case ReadOnlyMemory<char> text: w.Write(text.ToString()); break;
            case DataViewRowId id: w.Write(id.Low); w.Write(id.High); break;
            default: throw new NotSupportedException($"Values of type {value.GetType().Name} cannot be saved.");
        }
    }

    /// <summary>Reads one value written by <see cref="WriteValue{T}"/> (boxed).</summary>
    public static object ReadValue(BinaryReader reader, DataViewType type)
    {
        if (type is VectorDataViewType vt)
        {
            var m = typeof(DataViewTypeCodec).GetMethod(nameof(ReadVector), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(vt.ItemType.RawType);
            try { return m.Invoke(null, [reader, vt.ItemType])!; }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
        return ReadPrimitive(reader, type.RawType);
    }

    private static VBuffer<TItem> ReadVector<TItem>(BinaryReader reader, PrimitiveDataViewType itemType)
    {
        int length = reader.ReadInt32();
        if (length < 0 || length > 100_000_000) throw new InvalidDataException($"A saved vector declares {length} values. The file is damaged.");
        var values = new TItem[length];
        for (int i = 0; i < length; i++) values[i] = (TItem)ReadPrimitive(reader, itemType.RawType);
        return new VBuffer<TItem>(length, values);
    }

    private static object ReadPrimitive(BinaryReader r, Type t) =>
        t == typeof(float) ? r.ReadSingle()
        : t == typeof(double) ? r.ReadDouble()
        : t == typeof(sbyte) ? r.ReadSByte()
        : t == typeof(byte) ? r.ReadByte()
        : t == typeof(short) ? r.ReadInt16()
        : t == typeof(ushort) ? r.ReadUInt16()
        : t == typeof(int) ? r.ReadInt32()
        : t == typeof(uint) ? r.ReadUInt32()
        : t == typeof(long) ? r.ReadInt64()
        : t == typeof(ulong) ? r.ReadUInt64()
        : t == typeof(bool) ? r.ReadBoolean()
        : t == typeof(ReadOnlyMemory<char>) ? r.ReadString().AsMemory()
        : t == typeof(DataViewRowId) ? new DataViewRowId(r.ReadUInt64(), r.ReadUInt64())
        : throw new NotSupportedException($"Values of type {t.Name} cannot be loaded.");
}
