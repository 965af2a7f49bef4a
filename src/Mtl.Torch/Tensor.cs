using System.Runtime.InteropServices;
using Mtl.Torch.Native;
using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

/// <summary>
/// A libtorch tensor (TorchSharp's <c>torch.Tensor</c>). Owns one native handle; dispose it, or create it inside a
/// <see cref="DisposeScope"/> which disposes it. Using a disposed tensor throws <see cref="ObjectDisposedException"/>.
/// </summary>
public partial class Tensor : IDisposable
{
    private IntPtr handle;

    internal Tensor(IntPtr handle)
    {
        this.handle = Check.Handle(handle);
        DisposeScope.Current?.Add(this);
    }

    /// <summary>Wraps a handle returned by a native call (throws on a null handle with libtorch's message).</summary>
    internal static Tensor Wrap(IntPtr handle) => new(handle);

    /// <summary>The scope that owns this tensor, if any.</summary>
    internal DisposeScope? OwningScope { get; set; }

    /// <summary>The native handle; throws if the tensor was disposed.</summary>
    internal IntPtr Handle
    {
        get
        {
            if (handle == IntPtr.Zero) throw new ObjectDisposedException(nameof(Tensor), "The tensor was disposed (directly or by its DisposeScope).");
            return handle;
        }
    }

    /// <summary>True once the native memory has been released.</summary>
    public bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Releases the native tensor.</summary>
    public void Dispose()
    {
        OwningScope?.Remove(this);
        ReleaseHandle();
        GC.SuppressFinalize(this);
    }

    /// <summary>Safety net for tensors that were never disposed.</summary>
    ~Tensor() => ReleaseHandle();

    private void ReleaseHandle()
    {
        IntPtr h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) mt_free(h);
    }

    /// <summary>Moves this tensor to the enclosing dispose scope so it outlives the current one.</summary>
    public Tensor MoveToOuterDisposeScope()
    {
        if (OwningScope is { } s) s.MoveToOuter(this);
        return this;
    }

    /// <summary>Takes this tensor out of its dispose scope; the caller becomes responsible for disposing it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwningScope?.Detach(this);
        return this;
    }

    // ---------------- properties ----------------

    /// <summary>Number of dimensions.</summary>
    public long Dimensions => mt_dim(Handle);

    /// <summary>Number of dimensions (PyTorch's <c>ndim</c>).</summary>
    public long ndim => Dimensions;

    /// <summary>The sizes of all dimensions.</summary>
    public unsafe long[] shape
    {
        get
        {
            IntPtr h = Handle;
            int n = mt_dim(h);
            var s = new long[n];
            fixed (long* p = s) mt_shape(h, p, n);
            return s;
        }
    }

    /// <summary>Size of one dimension (negative counts from the end).</summary>
    public long size(int dim)
    {
        long[] s = shape;
        int d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dimension {dim} is out of range for a {s.Length}-D tensor");
        return s[d];
    }

    /// <summary>Number of elements.</summary>
    public long numel() => mt_numel(Handle);

    /// <summary>Number of elements.</summary>
    public long NumberOfElements => numel();

    /// <summary>The element type.</summary>
    public ScalarType dtype => (ScalarType)mt_dtype(Handle);

    /// <summary>The device kind.</summary>
    public DeviceType device_type => (DeviceType)mt_device_type(Handle);

    /// <summary>The device.</summary>
    public Device device => new((DeviceType)mt_device_type(Handle), mt_device_index(Handle));

    /// <summary>True if the elements are laid out contiguously in row-major order.</summary>
    public bool is_contiguous() => mt_is_contiguous(Handle) != 0;

    /// <summary>Size of one element in bytes.</summary>
    public long ElementSize => mt_element_size(Handle);

    // ---------------- data access ----------------

    /// <summary>Copies the elements to a new array (row-major). T must match the tensor's dtype.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        IntPtr h = Handle;
        ScalarType expected = ScalarTypeExtensions.Of<T>();
        if (dtype != expected)
            throw new InvalidOperationException($"ToArray<{typeof(T).Name}> needs a {expected} tensor, but this one is {dtype}; convert it first with .to_type(ScalarType.{expected}).");
        var result = new T[mt_numel(h)];
        fixed (T* p = result) Check.Status(mt_copy_to(h, p, (long)result.Length * sizeof(T)));
        return result;
    }

    /// <summary>Copies the elements into a span (row-major); the span must hold exactly numel() elements.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        IntPtr h = Handle;
        if (dtype != ScalarTypeExtensions.Of<T>())
            throw new InvalidOperationException($"CopyTo<{typeof(T).Name}> needs a {ScalarTypeExtensions.Of<T>()} tensor, but this one is {dtype}.");
        fixed (T* p = destination) Check.Status(mt_copy_to(h, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>A span over the data of a contiguous CPU tensor (no copy). Valid while the tensor lives.</summary>
    public unsafe Span<T> data<T>() where T : unmanaged
    {
        IntPtr h = Handle;
        if (dtype != ScalarTypeExtensions.Of<T>())
            throw new InvalidOperationException($"data<{typeof(T).Name}> needs a {ScalarTypeExtensions.Of<T>()} tensor, but this one is {dtype}.");
        IntPtr p = Check.Handle(mt_data_ptr(h));
        return new Span<T>((void*)p, checked((int)mt_numel(h)));
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T item<T>() where T : unmanaged
    {
        IntPtr h = Handle;
        if (mt_numel(h) != 1) throw new TorchException($"item() needs a tensor with one element, but it has {mt_numel(h)} (shape [{string.Join(", ", shape)}]).");
        object value;
        if (typeof(T) == typeof(float)) value = (float)mt_item_double(h);
        else if (typeof(T) == typeof(double)) value = mt_item_double(h);
        else if (typeof(T) == typeof(long)) value = mt_item_long(h);
        else if (typeof(T) == typeof(int)) value = (int)mt_item_long(h);
        else if (typeof(T) == typeof(bool)) value = mt_item_long(h) != 0;
        else if (typeof(T) == typeof(byte)) value = (byte)mt_item_long(h);
        else throw new NotSupportedException($"item<{typeof(T).Name}> is not supported.");
        Check.NoError();
        return (T)value;
    }

    /// <summary>A short description: shape, dtype and device (and the values when small).</summary>
    public override string ToString()
    {
        if (IsInvalid) return "Tensor(disposed)";
        string head = $"[{string.Join(", ", shape)}], type = {dtype}, device = {device}";
        if (numel() > 16 || !(dtype.IsFloatingPoint() || dtype is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Bool)) return head;
        using var d = to_type(ScalarType.Float64);
        return head + ", values = [" + string.Join(", ", d.ToArray<double>().Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture))) + "]";
    }

    // ---------------- conversion ----------------

    /// <summary>Converts to another element type (returns a new tensor; same data if the type already matches).</summary>
    public Tensor to_type(ScalarType type, bool copy = false)
    {
        Device d = device;
        return Wrap(mt_to(Handle, (int)type, (int)d.type, d.index, copy ? 1 : 0));
    }

    /// <summary>Moves to a device.</summary>
    public Tensor to(Device target, bool copy = false)
    {
        target.EnsureAvailable();
        return Wrap(mt_to(Handle, (int)dtype, (int)target.type, target.index, copy ? 1 : 0));
    }

    /// <summary>Converts to a type.</summary>
    public Tensor to(ScalarType type) => to_type(type);

    /// <summary>Moves to the CPU.</summary>
    public Tensor cpu() => to(torch.CPU);

    /// <summary>Moves to a CUDA device (clear error where CUDA is unavailable).</summary>
    public Tensor cuda(int index = -1) => to(new Device(DeviceType.CUDA, index));

    /// <summary>float32 copy/alias.</summary>
    public Tensor @float() => to_type(ScalarType.Float32);

    /// <summary>float64 copy/alias.</summary>
    public Tensor @double() => to_type(ScalarType.Float64);

    /// <summary>int64 copy/alias.</summary>
    public Tensor @long() => to_type(ScalarType.Int64);

    /// <summary>int32 copy/alias.</summary>
    public Tensor @int() => to_type(ScalarType.Int32);

    /// <summary>bool copy/alias.</summary>
    public Tensor @bool() => to_type(ScalarType.Bool);

    /// <summary>A copy with its own storage (recorded by autograd).</summary>
    public Tensor clone() => Wrap(mt_clone(Handle));

    /// <summary>Contiguous version (the same tensor when already contiguous).</summary>
    public Tensor contiguous() => Wrap(mt_contiguous(Handle));

    /// <summary>A new handle on the same tensor (shares storage and autograd identity).</summary>
    public Tensor alias() => Wrap(mt_alias(Handle));

    // ---------------- autograd ----------------

    /// <summary>Whether autograd records operations on this tensor.</summary>
    public bool requires_grad
    {
        get => mt_requires_grad(Handle) != 0;
        set => Check.Status(mt_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets requires_grad and returns this tensor.</summary>
    public Tensor requires_grad_(bool value = true)
    {
        requires_grad = value;
        return this;
    }

    /// <summary>True for tensors created by the user rather than by a recorded operation.</summary>
    public bool is_leaf => mt_is_leaf(Handle) != 0;

    /// <summary>The accumulated gradient (a new handle each call), or null. Setting null clears it.</summary>
    public Tensor? grad
    {
        get
        {
            IntPtr g = mt_grad(Handle);
            if (g == IntPtr.Zero)
            {
                Check.NoError();
                return null;
            }
            return Wrap(g);
        }
        set => Check.Status(mt_set_grad(Handle, value?.Handle ?? IntPtr.Zero));
    }

    /// <summary>Keeps .grad for a non-leaf tensor during backward.</summary>
    public void retain_grad() => Check.Status(mt_retain_grad(Handle));

    /// <summary>A tensor sharing storage, cut from the autograd graph.</summary>
    public Tensor detach() => Wrap(mt_detach(Handle));

    /// <summary>Cuts this tensor from the graph in place.</summary>
    public Tensor detach_()
    {
        Check.Status(mt_detach_(Handle));
        return this;
    }

    /// <summary>Backpropagates from this tensor (a scalar unless <paramref name="grad"/> is given).</summary>
    /// <param name="grad">Gradient of some scalar w.r.t. this tensor; null for a scalar (= 1).</param>
    /// <param name="retain_graph">Keep the graph for another backward (default: same as create_graph).</param>
    /// <param name="create_graph">Record the backward pass itself (for higher-order derivatives).</param>
    public void backward(Tensor? grad = null, bool? retain_graph = null, bool create_graph = false) =>
        Check.Status(mt_backward(Handle, grad?.Handle ?? IntPtr.Zero, retain_graph is null ? -1 : retain_graph.Value ? 1 : 0, create_graph ? 1 : 0));
}
