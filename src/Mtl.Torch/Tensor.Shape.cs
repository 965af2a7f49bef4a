using Mtl.Torch.Native;
using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

public partial class Tensor
{
    /// <summary>A view with another shape (one size may be -1).</summary>
    public unsafe Tensor view(params long[] shape) { fixed (long* p = shape) return Wrap(mt_view(Handle, p, shape.Length)); }
    /// <summary>Reshape (a view when possible, else a copy).</summary>
    public unsafe Tensor reshape(params long[] shape) { fixed (long* p = shape) return Wrap(mt_reshape(Handle, p, shape.Length)); }
    /// <summary>Reorders dimensions.</summary>
    public unsafe Tensor permute(params long[] dims) { fixed (long* p = dims) return Wrap(mt_permute(Handle, p, dims.Length)); }
    /// <summary>Broadcasts to a larger shape without copying (-1 keeps a size).</summary>
    public unsafe Tensor expand(params long[] shape) { fixed (long* p = shape) return Wrap(mt_expand(Handle, p, shape.Length)); }
    /// <summary>Tiles the tensor.</summary>
    public unsafe Tensor repeat(params long[] repeats) { fixed (long* p = repeats) return Wrap(mt_repeat(Handle, p, repeats.Length)); }
    /// <summary>Reverses the order along dims.</summary>
    public unsafe Tensor flip(params long[] dims) { fixed (long* p = dims) return Wrap(mt_flip(Handle, p, dims.Length)); }
    /// <summary>Rolls elements along dims.</summary>
    public unsafe Tensor roll(long[] shifts, long[] dims)
    {
        if (shifts.Length != dims.Length) throw new ArgumentException("roll needs as many shifts as dims");
        fixed (long* s = shifts) fixed (long* d = dims) return Wrap(mt_roll(Handle, s, d, dims.Length));
    }
    /// <summary>Swaps two dimensions.</summary>
    public Tensor transpose(long dim0, long dim1) => Wrap(mt_transpose(Handle, dim0, dim1));
    /// <summary>Transpose of a 2-D tensor.</summary>
    public Tensor t() => transpose(0, 1);
    /// <summary>Transpose of a matrix (2-D) — same as t().</summary>
    public Tensor T => transpose(0, 1);
    /// <summary>Flattens dims start..end into one.</summary>
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Wrap(mt_flatten(Handle, start_dim, end_dim));
    /// <summary>Splits one dimension into several.</summary>
    public unsafe Tensor unflatten(long dim, params long[] sizes) { fixed (long* p = sizes) return Wrap(mt_unflatten(Handle, dim, p, sizes.Length)); }
    /// <summary>Removes all size-1 dimensions, or only <paramref name="dim"/>.</summary>
    public Tensor squeeze(long? dim = null) => Wrap(dim is null ? mt_squeeze(Handle) : mt_squeeze_dim(Handle, dim.Value));
    /// <summary>Inserts a size-1 dimension.</summary>
    public Tensor unsqueeze(long dim) => Wrap(mt_unsqueeze(Handle, dim));

    /// <summary>Splits into pieces of the given sizes along dim.</summary>
    public unsafe Tensor[] split(long[] sizes, long dim = 0)
    {
        var outs = new IntPtr[sizes.Length];
        int n;
        fixed (long* s = sizes) fixed (IntPtr* o = outs) n = Check.Status(mt_split(Handle, s, sizes.Length, dim, o, outs.Length));
        return WrapAll(outs, n);
    }
    /// <summary>Splits into pieces of one size (the last may be smaller).</summary>
    public unsafe Tensor[] split(long size, long dim = 0)
    {
        long len = this.size((int)dim);
        var outs = new IntPtr[Math.Max(1, (len + size - 1) / size)];
        int n;
        fixed (IntPtr* o = outs) n = Check.Status(mt_split_size(Handle, size, dim, o, outs.Length));
        return WrapAll(outs, n);
    }
    /// <summary>Splits into a number of chunks.</summary>
    public unsafe Tensor[] chunk(long chunks, long dim = 0)
    {
        var outs = new IntPtr[chunks];
        int n;
        fixed (IntPtr* o = outs) n = Check.Status(mt_chunk(Handle, chunks, dim, o, outs.Length));
        return WrapAll(outs, n);
    }
    /// <summary>Removes a dimension, returning its slices.</summary>
    public unsafe Tensor[] unbind(long dim = 0)
    {
        var outs = new IntPtr[size((int)dim)];
        int n;
        fixed (IntPtr* o = outs) n = Check.Status(mt_unbind(Handle, dim, o, outs.Length));
        return WrapAll(outs, n);
    }

    private static Tensor[] WrapAll(IntPtr[] handles, int count)
    {
        var r = new Tensor[count];
        for (int i = 0; i < count; i++) r[i] = Wrap(handles[i]);
        return r;
    }

    // ---------------- indexing ----------------

    /// <summary>A view of length elements along dim from start.</summary>
    public Tensor narrow(long dim, long start, long length) => Wrap(mt_narrow(Handle, dim, start, length));
    /// <summary>The slice at index along dim (removes that dimension).</summary>
    public Tensor select(long dim, long index) => Wrap(mt_select(Handle, dim, index));
    /// <summary>A strided slice [start, end) along dim.</summary>
    public Tensor slice(long dim, long start, long end, long step = 1) => Wrap(mt_slice(Handle, dim, start, end, step));
    /// <summary>Gathers whole slices along dim at the given indices.</summary>
    public Tensor index_select(long dim, Tensor index) => Wrap(mt_index_select(Handle, dim, index.Handle));
    /// <summary>Gathers values along dim (out[i][j] = this[index[i][j]][j] for dim 0).</summary>
    public Tensor gather(long dim, Tensor index) => Wrap(mt_gather(Handle, dim, index.Handle));
    /// <summary>Out-of-place scatter of src into a copy of this tensor.</summary>
    public Tensor scatter(long dim, Tensor index, Tensor src) => Wrap(mt_scatter(Handle, dim, index.Handle, src.Handle));
    /// <summary>Out-of-place scatter-add.</summary>
    public Tensor scatter_add(long dim, Tensor index, Tensor src) => Wrap(mt_scatter_add(Handle, dim, index.Handle, src.Handle));
    /// <summary>A copy with value where mask is true.</summary>
    public Tensor masked_fill(Tensor mask, double value) => Wrap(mt_masked_fill(Handle, mask.Handle, value));
    /// <summary>1-D tensor of the elements where mask is true.</summary>
    public Tensor masked_select(Tensor mask) => Wrap(mt_masked_select(Handle, mask.Handle));
    /// <summary>Indices of the non-zero elements (N×ndim).</summary>
    public Tensor nonzero() => Wrap(mt_nonzero(Handle));
    /// <summary>Lower triangle.</summary>
    public Tensor tril(long diagonal = 0) => Wrap(mt_tril(Handle, diagonal));
    /// <summary>Upper triangle.</summary>
    public Tensor triu(long diagonal = 0) => Wrap(mt_triu(Handle, diagonal));
    /// <summary>Diagonal of a matrix, or a diagonal matrix from a vector.</summary>
    public Tensor diag(long diagonal = 0) => Wrap(mt_diag(Handle, diagonal));
    /// <summary>Diagonal view between two dims.</summary>
    public Tensor diagonal(long offset = 0, long dim1 = 0, long dim2 = 1) => Wrap(mt_diagonal(Handle, offset, dim1, dim2));

    /// <summary>Indexing in TorchSharp's style: integers select, ranges/slices slice, None inserts, Ellipsis skips, a tensor indexes.</summary>
    public Tensor this[params TensorIndex[] indices]
    {
        get => Index(indices);
        set
        {
            using var target = Index(indices);
            target.copy_(value);
        }
    }

    /// <summary>Shorthand for select(0, index).</summary>
    public Tensor this[long index] => select(0, index);

    private Tensor Index(TensorIndex[] indices)
    {
        int ellipses = indices.Count(i => i.Kind == TensorIndex.IndexKind.Ellipsis);
        if (ellipses > 1) throw new ArgumentException("An index may contain at most one Ellipsis.");
        int consuming = indices.Count(i => i.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Slice or TensorIndex.IndexKind.Tensor);
        long rank = Dimensions;
        if (consuming > rank) throw new TorchException($"too many indices ({consuming}) for a tensor of dimension {rank}");
        Tensor current = alias();
        int dim = 0;
        var intermediates = new List<Tensor>();
        try
        {
            foreach (TensorIndex idx in indices)
            {
                Tensor next;
                switch (idx.Kind)
                {
                    case TensorIndex.IndexKind.Single:
                        next = current.select(dim, idx.Start!.Value);
                        break;
                    case TensorIndex.IndexKind.Slice:
                        long len = current.size(dim);
                        long start = idx.Start ?? 0, stop = idx.Stop ?? len;
                        next = current.slice(dim, start, stop, idx.Step ?? 1);
                        dim++;
                        break;
                    case TensorIndex.IndexKind.None:
                        next = current.unsqueeze(dim);
                        dim++;
                        break;
                    case TensorIndex.IndexKind.Ellipsis:
                        dim += (int)(current.Dimensions - dim - (consuming - CountConsumedBefore(indices, idx)));
                        continue;
                    case TensorIndex.IndexKind.Tensor:
                        if (dim != 0) next = IndexAlong(current, dim, idx.Tensor!);
                        else next = Wrap(mt_index(current.Handle, idx.Tensor!.Handle));
                        dim += (int)idx.Tensor!.Dimensions;
                        break;
                    default:
                        throw new ArgumentException("unknown index kind");
                }
                intermediates.Add(current);
                current = next;
            }
            return current;
        }
        finally
        {
            foreach (Tensor t in intermediates) t.Dispose();
        }
    }

    private static int CountConsumedBefore(TensorIndex[] indices, TensorIndex marker)
    {
        int n = 0;
        foreach (TensorIndex i in indices)
        {
            if (ReferenceEquals(i, marker)) break;
            if (i.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Slice or TensorIndex.IndexKind.Tensor) n++;
        }
        return n;
    }

    private static Tensor IndexAlong(Tensor t, int dim, Tensor index)
    {
        if (index.dtype == ScalarType.Bool) throw new NotSupportedException("A boolean mask index is supported only as the first index.");
        if (index.Dimensions != 1) throw new NotSupportedException("A tensor index after the first dimension must be 1-D.");
        return t.index_select(dim, index);
    }
}

/// <summary>One entry of a tensor index (TorchSharp's <c>TensorIndex</c>).</summary>
public sealed class TensorIndex
{
    internal enum IndexKind { Single, Slice, None, Ellipsis, Tensor }

    private TensorIndex(IndexKind kind) => Kind = kind;

    internal IndexKind Kind { get; }
    internal long? Start { get; private init; }
    internal long? Stop { get; private init; }
    internal long? Step { get; private init; }
    internal Tensor? Tensor { get; private init; }

    /// <summary>Selects one position (removes the dimension).</summary>
    public static TensorIndex Single(long index) => new(IndexKind.Single) { Start = index };
    /// <summary>A slice [start, stop) with a step; null bounds mean the ends.</summary>
    public static TensorIndex Slice(long? start = null, long? stop = null, long? step = null) => new(IndexKind.Slice) { Start = start, Stop = stop, Step = step };
    /// <summary>The whole dimension (":").</summary>
    public static TensorIndex Colon => Slice();
    /// <summary>Inserts a new size-1 dimension.</summary>
    public static TensorIndex None => new(IndexKind.None);
    /// <summary>As many ":" as needed.</summary>
    public static TensorIndex Ellipsis => new(IndexKind.Ellipsis);
    /// <summary>Indexes with an integer or boolean tensor.</summary>
    public static TensorIndex TensorAt(Tensor index) => new(IndexKind.Tensor) { Tensor = index };

    /// <summary>An integer selects.</summary>
    public static implicit operator TensorIndex(long index) => Single(index);
    /// <summary>An integer selects.</summary>
    public static implicit operator TensorIndex(int index) => Single(index);
    /// <summary>A C# range slices (from-end indices are resolved against the dimension size by libtorch's negative indexing).</summary>
    public static implicit operator TensorIndex(Range range) => Slice(
        range.Start.IsFromEnd ? -range.Start.Value : range.Start.Value,
        range.End.IsFromEnd ? (range.End.Value == 0 ? null : -range.End.Value) : range.End.Value);
    /// <summary>A tensor indexes.</summary>
    public static implicit operator TensorIndex(Tensor index) => TensorAt(index);
}
