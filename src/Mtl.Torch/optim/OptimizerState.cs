using System.Runtime.InteropServices;

namespace Mtl.Torch.Modules;

/// <summary>
/// The per-parameter state of an optimizer (TorchSharp's <c>OptimizerState</c>): a step count and named tensor
/// slots (moment buffers …) with the parameter's shape and dtype. A slot may be empty (null) until the first step
/// that needs it. The state owns its tensors: they belong to no dispose scope and are released by
/// <see cref="Dispose"/> (which the optimizer calls).
/// </summary>
public abstract class OptimizerState : IDisposable
{
    private readonly string[] names;
    private Tensor?[] slots;
    private readonly long[] parameterShape;
    private readonly ScalarType parameterType;

    /// <summary>State for <paramref name="parameter"/> with the given tensor slots, all empty.</summary>
    protected OptimizerState(Parameter parameter, params string[] slotNames)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        names = slotNames;
        slots = new Tensor?[slotNames.Length];
        parameterShape = parameter.shape;
        parameterType = parameter.dtype;
    }

    /// <summary>Number of updates applied to the parameter (PyTorch's <c>state['step']</c>; optimizers without bias
    /// correction leave it at 0).</summary>
    public long step { get; set; }

    /// <summary>The names of the tensor slots.</summary>
    public IReadOnlyList<string> SlotNames => names;

    /// <summary>The tensor in a named slot (null while empty). The state keeps ownership.</summary>
    public Tensor? this[string name] => slots[IndexOf(name)];

    /// <summary>The tensor in slot <paramref name="slot"/>, or null.</summary>
    protected Tensor? Get(int slot) => slots[slot];

    /// <summary>Stores <paramref name="value"/> in a slot, taking it out of its dispose scope; the previous tensor is disposed.</summary>
    protected void Set(int slot, Tensor? value)
    {
        Tensor? old = slots[slot];
        if (ReferenceEquals(old, value)) return;
        slots[slot] = value?.DetachFromDisposeScope();
        old?.Dispose();
    }

    /// <summary>A new zero tensor with the parameter's shape and dtype, owned by nobody (for a slot).</summary>
    protected Tensor NewZeros() => torch.zeros(parameterShape, parameterType).DetachFromDisposeScope();

    /// <summary>Copies the step count and every slot from <paramref name="source"/> (same state type, same shapes).
    /// Throws <see cref="ArgumentException"/> naming the mismatch, and then changes nothing.</summary>
    public virtual void LoadStateDict(OptimizerState source)
    {
        CheckLoadable(source, "the given state");
        if (ReferenceEquals(source, this)) return;
        step = source.step;
        for (int i = 0; i < slots.Length; i++)
        {
            Tensor? from = source.slots[i];
            if (from is null) Set(i, null);
            else if (slots[i] is { } to) CopyValues(to, from);
            else Set(i, CopyOf(from));
        }
    }

    /// <summary>Writes the step count and the slots (presence flag, then dtype, shape and raw little-endian data).</summary>
    public virtual void SaveStateDict(BinaryWriter writer)
    {
        writer.Write(step);
        foreach (Tensor? t in slots)
        {
            writer.Write(t is not null);
            if (t is not null) WriteTensor(writer, t);
        }
    }

    /// <summary>Reads state written by <see cref="SaveStateDict"/>, checking dtype and shape against the parameter.</summary>
    public virtual void LoadStateDict(BinaryReader reader)
    {
        using OptimizerState read = ReadCopy(reader, "the stream");
        LoadStateDict(read);
    }

    /// <summary>True when <paramref name="other"/> has the same type, step count and (close) slot values.</summary>
    public virtual bool ApproximatelyEquals(OptimizerState other)
    {
        if (other is null || other.GetType() != GetType() || other.step != step) return false;
        for (int i = 0; i < slots.Length; i++)
        {
            Tensor? a = slots[i], b = other.slots[i];
            if (a is null != b is null) return false;
            if (a is not null && !a.allclose(b!)) return false;
        }
        return true;
    }

    /// <summary>Releases the slot tensors.</summary>
    public void Dispose()
    {
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i]?.Dispose();
            slots[i] = null;
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="source"/> can be loaded into this state.</summary>
    internal void CheckLoadable(OptimizerState source, string where)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.GetType() != GetType())
            throw new ArgumentException($"Cannot load {where}: it is a {source.GetType().FullName}, but this optimizer keeps {GetType().FullName}.");
        for (int i = 0; i < slots.Length; i++)
        {
            if (source.slots[i] is not { } t) continue;
            long[] shape = t.shape;
            if (!shape.AsSpan().SequenceEqual(parameterShape))
                throw new ArgumentException($"Cannot load {where}: its '{names[i]}' has shape [{string.Join(", ", shape)}], but the parameter it would belong to has shape [{string.Join(", ", parameterShape)}]. The state comes from a different model or a different parameter order.");
        }
    }

    /// <summary>Reads a state record into a new detached copy of this state (own slots untouched).</summary>
    internal OptimizerState ReadCopy(BinaryReader reader, string where)
    {
        var copy = (OptimizerState)MemberwiseClone();
        copy.slots = new Tensor?[slots.Length];
        try
        {
            copy.step = reader.ReadInt64();
            for (int i = 0; i < slots.Length; i++)
                if (reader.ReadBoolean()) copy.slots[i] = ReadTensor(reader, $"{where}, slot '{names[i]}'");
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private int IndexOf(string name)
    {
        int i = Array.IndexOf(names, name);
        if (i < 0) throw new KeyNotFoundException($"{GetType().Name} has no slot '{name}'; its slots are: {string.Join(", ", names)}.");
        return i;
    }

    private static void CopyValues(Tensor to, Tensor from)
    {
        using (torch.no_grad()) to.copy_(from);
    }

    private Tensor CopyOf(Tensor from)
    {
        Tensor t = NewZeros();
        CopyValues(t, from);
        return t;
    }

    private static void WriteTensor(BinaryWriter writer, Tensor t)
    {
        writer.Write7BitEncodedInt((int)t.dtype);
        long[] shape = t.shape;
        writer.Write7BitEncodedInt(shape.Length);
        foreach (long s in shape) writer.Write7BitEncodedInt64(s);
        switch (t.dtype)
        {
            case ScalarType.Float32: writer.Write(MemoryMarshal.AsBytes<float>(t.ToArray<float>())); break;
            case ScalarType.Float64: writer.Write(MemoryMarshal.AsBytes<double>(t.ToArray<double>())); break;
            default: throw new NotSupportedException($"Optimizer state of dtype {t.dtype} cannot be saved; only float32 and float64 parameters are supported.");
        }
    }

    private static Tensor ReadTensor(BinaryReader reader, string where)
    {
        var type = (ScalarType)reader.Read7BitEncodedInt();
        int rank = reader.Read7BitEncodedInt();
        if (rank is < 0 or > 64) throw new InvalidDataException($"Corrupt optimizer state ({where}): tensor rank {rank}.");
        var shape = new long[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = reader.Read7BitEncodedInt64();
            if (shape[d] < 0) throw new InvalidDataException($"Corrupt optimizer state ({where}): negative dimension {shape[d]}.");
            count = checked(count * shape[d]);
        }
        return type switch
        {
            ScalarType.Float32 => torch.tensor<float>(MemoryMarshal.Cast<byte, float>(ReadExactly(reader, count * sizeof(float), where)), shape).DetachFromDisposeScope(),
            ScalarType.Float64 => torch.tensor<double>(MemoryMarshal.Cast<byte, double>(ReadExactly(reader, count * sizeof(double), where)), shape).DetachFromDisposeScope(),
            _ => throw new InvalidDataException($"Corrupt optimizer state ({where}): unsupported dtype code {(int)type}."),
        };
    }

    private static byte[] ReadExactly(BinaryReader reader, long bytes, string where)
    {
        if (bytes > int.MaxValue) throw new InvalidDataException($"Corrupt optimizer state ({where}): a tensor of {bytes} bytes.");
        byte[] data = reader.ReadBytes((int)bytes);
        if (data.Length != bytes) throw new EndOfStreamException($"The optimizer state is truncated ({where}): expected {bytes} bytes of tensor data, found {data.Length}.");
        return data;
    }
}
