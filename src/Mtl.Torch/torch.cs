using System.Runtime.InteropServices;
using Mtl.Torch.Native;
using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

/// <summary>
/// The static torch API in TorchSharp's shape (<c>using static Mtl.Torch.torch;</c>): tensor creation, math,
/// grad mode, seeding, and the nested <c>nn</c>, <c>optim</c>, <c>linalg</c>, <c>autograd</c>, <c>random</c>, <c>cuda</c> classes.
/// </summary>
public static partial class torch
{
    /// <summary>The CPU device.</summary>
    public static readonly Device CPU = new(DeviceType.CPU);

    /// <summary>The current CUDA device (using it where CUDA is unavailable throws a clear error).</summary>
    public static readonly Device CUDA = new(DeviceType.CUDA);

    /// <summary>Parses a device string ("cpu", "cuda", "cuda:1").</summary>
    public static Device device(string description) => new(description);

    /// <summary>float32.</summary>
    public const ScalarType float32 = ScalarType.Float32;
    /// <summary>float64.</summary>
    public const ScalarType float64 = ScalarType.Float64;
    /// <summary>int64.</summary>
    public const ScalarType int64 = ScalarType.Int64;
    /// <summary>int32.</summary>
    public const ScalarType int32 = ScalarType.Int32;
    /// <summary>uint8.</summary>
    public const ScalarType uint8 = ScalarType.Byte;
    /// <summary>bool.</summary>
    public const ScalarType @bool = ScalarType.Bool;

    /// <summary>Version of the loaded libtorch.</summary>
    public static string __version__ => Marshal.PtrToStringUTF8(mt_version()) ?? "unknown";

    /// <summary>Opens a dispose scope on this thread: tensors created until it is disposed are disposed with it.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Number of intra-op threads libtorch uses.</summary>
    public static int get_num_threads() => mt_get_num_threads();

    /// <summary>Sets the number of intra-op threads (the binding sets it to the processor count at load).</summary>
    public static void set_num_threads(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "needs at least one thread");
        Check.Status(mt_set_num_threads(threads));
    }

    /// <summary>Seeds libtorch's global generator (init, dropout, rand*).</summary>
    public static void manual_seed(long seed) => Check.Status(mt_manual_seed(seed));

    /// <summary>Random-number functions.</summary>
    public static class random
    {
        /// <summary>Seeds libtorch's global generator.</summary>
        public static void manual_seed(long seed) => torch.manual_seed(seed);
    }

    /// <summary>CUDA queries.</summary>
    public static class cuda
    {
        /// <summary>True when libtorch has CUDA support and sees a GPU.</summary>
        public static bool is_available() => mt_cuda_is_available() != 0;

        /// <summary>Number of visible CUDA devices.</summary>
        public static int device_count() => mt_cuda_device_count();
    }

    // ---------------- grad mode ----------------

    /// <summary>Disables gradient recording on this thread until the returned guard is disposed.</summary>
    public static IDisposable no_grad() => new GradModeGuard(false);

    /// <summary>Enables gradient recording on this thread until the returned guard is disposed.</summary>
    public static IDisposable enable_grad() => new GradModeGuard(true);

    /// <summary>Whether gradient recording is on for this thread.</summary>
    public static bool is_grad_enabled() => mt_is_grad_enabled() != 0;

    private sealed class GradModeGuard : IDisposable
    {
        private readonly bool previous;
        private bool disposed;

        public GradModeGuard(bool enabled)
        {
            previous = mt_is_grad_enabled() != 0;
            mt_set_grad_enabled(enabled ? 1 : 0);
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            mt_set_grad_enabled(previous ? 1 : 0);
        }
    }

    // ---------------- creation ----------------

    private static (int type, int index) Where(Device? device)
    {
        if (device is null) return (0, -1);
        device.EnsureAvailable();
        return ((int)device.type, device.index);
    }

    /// <summary>A tensor from data and a shape (null shape = 1-D). The data are copied.</summary>
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> dimensions, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
        where T : unmanaged
    {
        long count = 1;
        foreach (long d in dimensions) count *= d;
        if (count != data.Length)
            throw new ArgumentException($"The shape [{string.Join(", ", dimensions.ToArray())}] holds {count} elements, but {data.Length} values were given.", nameof(dimensions));
        ScalarType natural = ScalarTypeExtensions.Of<T>();
        Tensor t;
        fixed (T* p = data) fixed (long* s = dimensions)
            t = Tensor.Wrap(mt_from_blob(p, s, dimensions.Length, (int)natural, 0));
        if ((dtype is not null && dtype != natural) || device is not null)
        {
            Tensor converted = device is null ? t.to_type(dtype!.Value) : t.to_type(dtype ?? natural).to(device);
            t.Dispose();
            t = converted;
        }
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    /// <summary>A 1-D or shaped tensor from an array.</summary>
    public static Tensor tensor(float[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<float>(data, dimensions ?? new long[] { data.Length }, dtype, device, requires_grad);
    /// <summary>A 1-D or shaped tensor from an array.</summary>
    public static Tensor tensor(double[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<double>(data, dimensions ?? new long[] { data.Length }, dtype, device, requires_grad);
    /// <summary>A 1-D or shaped tensor from an array.</summary>
    public static Tensor tensor(long[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<long>(data, dimensions ?? new long[] { data.Length }, dtype, device, requires_grad);
    /// <summary>A 1-D or shaped tensor from an array.</summary>
    public static Tensor tensor(int[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<int>(data, dimensions ?? new long[] { data.Length }, dtype, device, requires_grad);
    /// <summary>A 1-D or shaped tensor from an array.</summary>
    public static Tensor tensor(byte[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<byte>(data, dimensions ?? new long[] { data.Length }, dtype, device, requires_grad);
    /// <summary>A 1-D or shaped tensor from an array.</summary>
    public static Tensor tensor(bool[] data, long[]? dimensions = null, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<bool>(data, dimensions ?? new long[] { data.Length }, dtype, device, requires_grad);
    /// <summary>A 2-D tensor from a rectangular array.</summary>
    public static Tensor tensor(double[,] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<double>(MemoryMarshal.CreateReadOnlySpan(ref data[0, 0], data.Length), new long[] { data.GetLength(0), data.GetLength(1) }, dtype, device, requires_grad);
    /// <summary>A 2-D tensor from a rectangular array.</summary>
    public static Tensor tensor(float[,] data, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        tensor<float>(MemoryMarshal.CreateReadOnlySpan(ref data[0, 0], data.Length), new long[] { data.GetLength(0), data.GetLength(1) }, dtype, device, requires_grad);
    /// <summary>A 0-D tensor (float32 unless dtype says otherwise).</summary>
    public static Tensor tensor(double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
        full(Array.Empty<long>(), value, dtype ?? ScalarType.Float32, device, requires_grad);

    /// <summary>Uninitialised tensor.</summary>
    public static unsafe Tensor empty(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_empty(p, size.Length, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>Zeros.</summary>
    public static unsafe Tensor zeros(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_zeros(p, size.Length, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>Zeros, 1-D.</summary>
    public static Tensor zeros(long size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => zeros(new[] { size }, dtype, device, requires_grad);
    /// <summary>Zeros, 2-D.</summary>
    public static Tensor zeros(long rows, long columns, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => zeros(new[] { rows, columns }, dtype, device, requires_grad);
    /// <summary>Ones.</summary>
    public static unsafe Tensor ones(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_ones(p, size.Length, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>Ones, 1-D.</summary>
    public static Tensor ones(long size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => ones(new[] { size }, dtype, device, requires_grad);
    /// <summary>Ones, 2-D.</summary>
    public static Tensor ones(long rows, long columns, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => ones(new[] { rows, columns }, dtype, device, requires_grad);
    /// <summary>Constant-filled tensor.</summary>
    public static unsafe Tensor full(long[] size, double value, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_full(p, size.Length, value, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>Zeros shaped like t.</summary>
    public static Tensor zeros_like(Tensor t, ScalarType? dtype = null) => zeros(t.shape, dtype ?? t.dtype, t.device);
    /// <summary>Ones shaped like t.</summary>
    public static Tensor ones_like(Tensor t, ScalarType? dtype = null) => ones(t.shape, dtype ?? t.dtype, t.device);
    /// <summary>Constant shaped like t.</summary>
    public static Tensor full_like(Tensor t, double value, ScalarType? dtype = null) => full(t.shape, value, dtype ?? t.dtype, t.device);
    /// <summary>U[0,1) samples from the global generator.</summary>
    public static unsafe Tensor rand(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_rand(p, size.Length, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>N(0,1) samples from the global generator.</summary>
    public static unsafe Tensor randn(long[] size, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_randn(p, size.Length, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>N(0,1) samples, 2-D.</summary>
    public static Tensor randn(long rows, long columns, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => randn(new[] { rows, columns }, dtype, device, requires_grad);
    /// <summary>N(0,1) samples shaped like t.</summary>
    public static Tensor randn_like(Tensor t) => randn(t.shape, t.dtype, t.device);
    /// <summary>U[0,1) samples shaped like t.</summary>
    public static Tensor rand_like(Tensor t) => rand(t.shape, t.dtype, t.device);
    /// <summary>Integers uniform in [low, high).</summary>
    public static unsafe Tensor randint(long low, long high, long[] size, ScalarType? dtype = null, Device? device = null)
    {
        var (dt, di) = Where(device);
        fixed (long* p = size) return Tensor.Wrap(mt_randint(low, high, p, size.Length, (int)(dtype ?? ScalarType.Int64), dt, di));
    }
    /// <summary>Integers uniform in [0, high).</summary>
    public static Tensor randint(long high, long[] size, ScalarType? dtype = null, Device? device = null) => randint(0, high, size, dtype, device);
    /// <summary>A random permutation of 0..n-1.</summary>
    public static Tensor randperm(long n, ScalarType? dtype = null, Device? device = null)
    {
        var (dt, di) = Where(device);
        return Tensor.Wrap(mt_randperm(n, (int)(dtype ?? ScalarType.Int64), dt, di));
    }
    /// <summary>0/1 draws with probabilities p.</summary>
    public static Tensor bernoulli(Tensor p) => Tensor.Wrap(mt_bernoulli(p.Handle));
    /// <summary>Draws category indices with probabilities proportional to each row of p.</summary>
    public static Tensor multinomial(Tensor p, long num_samples, bool replacement = false) => Tensor.Wrap(mt_multinomial(p.Handle, num_samples, replacement ? 1 : 0));
    /// <summary>Values start, start+step, … below end (int64 when all arguments are integral, else float32).</summary>
    public static Tensor arange(double start, double end, double step = 1, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        bool integral = start == Math.Floor(start) && end == Math.Floor(end) && step == Math.Floor(step);
        return Tensor.Wrap(mt_arange(start, end, step, (int)(dtype ?? (integral ? ScalarType.Int64 : ScalarType.Float32)), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>0, 1, …, end−1.</summary>
    public static Tensor arange(long end, ScalarType? dtype = null, Device? device = null) => arange(0, end, 1, dtype, device);
    /// <summary>steps values evenly spaced from start to end inclusive.</summary>
    public static Tensor linspace(double start, double end, long steps, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        return Tensor.Wrap(mt_linspace(start, end, steps, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }
    /// <summary>Identity matrix n×m (m = n by default).</summary>
    public static Tensor eye(long n, long m = -1, ScalarType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var (dt, di) = Where(device);
        return Tensor.Wrap(mt_eye(n, m < 0 ? n : m, (int)(dtype ?? ScalarType.Float32), dt, di, requires_grad ? 1 : 0));
    }

    // ---------------- combining ----------------

    private static unsafe Tensor Combine(IList<Tensor> tensors, long dim, bool stack)
    {
        if (tensors.Count == 0) throw new ArgumentException(stack ? "stack needs at least one tensor" : "cat needs at least one tensor", nameof(tensors));
        var hs = new IntPtr[tensors.Count];
        for (int i = 0; i < hs.Length; i++) hs[i] = tensors[i].Handle;
        fixed (IntPtr* p = hs) return Tensor.Wrap(stack ? mt_stack(p, hs.Length, dim) : mt_cat(p, hs.Length, dim));
    }
    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor cat(IList<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: false);
    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor stack(IList<Tensor> tensors, long dim = 0) => Combine(tensors, dim, stack: true);
    /// <summary>Picks from a where condition holds, else from b.</summary>
    public static Tensor where(Tensor condition, Tensor a, Tensor b) => Tensor.Wrap(mt_where(condition.Handle, a.Handle, b.Handle));
    /// <summary>Einstein summation.</summary>
    public static unsafe Tensor einsum(string equation, params Tensor[] tensors)
    {
        var hs = tensors.Select(t => t.Handle).ToArray();
        fixed (IntPtr* p = hs) return Tensor.Wrap(mt_einsum(equation, p, hs.Length));
    }

    // ---------------- function forms of tensor methods ----------------

    /// <summary>Element-wise minimum.</summary>
    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);
    /// <summary>Element-wise maximum.</summary>
    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);
    /// <summary>Element-wise power.</summary>
    public static Tensor pow(Tensor a, double exponent) => a.pow(exponent);
    /// <summary>Element-wise power.</summary>
    public static Tensor pow(Tensor a, Tensor exponent) => a.pow(exponent);
    /// <summary>√x.</summary>
    public static Tensor sqrt(Tensor a) => a.sqrt();
    /// <summary>eˣ.</summary>
    public static Tensor exp(Tensor a) => a.exp();
    /// <summary>ln x.</summary>
    public static Tensor log(Tensor a) => a.log();
    /// <summary>|x|.</summary>
    public static Tensor abs(Tensor a) => a.abs();
    /// <summary>sign(x).</summary>
    public static Tensor sign(Tensor a) => a.sign();
    /// <summary>Clamp.</summary>
    public static Tensor clamp(Tensor a, double? min = null, double? max = null) => a.clamp(min, max);
    /// <summary>Sum of all elements.</summary>
    public static Tensor sum(Tensor a) => a.sum();
    /// <summary>Mean of all elements.</summary>
    public static Tensor mean(Tensor a) => a.mean();
    /// <summary>Matrix product.</summary>
    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    /// <summary>2-D matrix product.</summary>
    public static Tensor mm(Tensor a, Tensor b) => a.mm(b);
    /// <summary>Batched matrix product.</summary>
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);
    /// <summary>Inner product.</summary>
    public static Tensor dot(Tensor a, Tensor b) => a.dot(b);
    /// <summary>Outer product.</summary>
    public static Tensor outer(Tensor a, Tensor b) => a.outer(b);
    /// <summary>β·c + α·a·b.</summary>
    public static Tensor addmm(Tensor c, Tensor a, Tensor b, double beta = 1, double alpha = 1) => Tensor.Wrap(mt_addmm(c.Handle, a.Handle, b.Handle, beta, alpha));
    /// <summary>Cumulative sum.</summary>
    public static Tensor cumsum(Tensor a, long dim) => a.cumsum(dim);
    /// <summary>Top-k.</summary>
    public static (Tensor values, Tensor indexes) topk(Tensor a, int k, int dim = -1, bool largest = true, bool sorted = true) => a.topk(k, dim, largest, sorted);
    /// <summary>Index of the maximum.</summary>
    public static Tensor argmax(Tensor a, long? dim = null, bool keepdim = false) => a.argmax(dim, keepdim);
    /// <summary>Logistic sigmoid.</summary>
    public static Tensor sigmoid(Tensor a) => a.sigmoid();
    /// <summary>tanh.</summary>
    public static Tensor tanh(Tensor a) => a.tanh();
    /// <summary>Closeness test.</summary>
    public static bool allclose(Tensor a, Tensor b, double rtol = 1e-5, double atol = 1e-8) => a.allclose(b, rtol, atol);

    // ---------------- linear algebra ----------------

    /// <summary>torch.linalg.</summary>
    public static class linalg
    {
        /// <summary>Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.</summary>
        public static (Tensor eigenvalues, Tensor eigenvectors) eigh(Tensor a, string UPLO = "L")
        {
            Tensor values = Tensor.Wrap(mt_linalg_eigh(a.Handle, UPLO, out IntPtr vectors));
            return (values, Tensor.Wrap(vectors));
        }
        /// <summary>Solves A X = B.</summary>
        public static Tensor solve(Tensor A, Tensor B) => Tensor.Wrap(mt_linalg_solve(A.Handle, B.Handle));
        /// <summary>Moore–Penrose pseudo-inverse.</summary>
        public static Tensor pinv(Tensor a, double rcond = 1e-15) => Tensor.Wrap(mt_linalg_pinv(a.Handle, rcond));
        /// <summary>Inverse.</summary>
        public static Tensor inv(Tensor a) => Tensor.Wrap(mt_linalg_inv(a.Handle));
        /// <summary>Determinant.</summary>
        public static Tensor det(Tensor a) => Tensor.Wrap(mt_linalg_det(a.Handle));
        /// <summary>Cholesky factor L (A = L Lᵀ).</summary>
        public static Tensor cholesky(Tensor a) => Tensor.Wrap(mt_linalg_cholesky(a.Handle));
        /// <summary>Vector norm over all elements or dims.</summary>
        public static unsafe Tensor vector_norm(Tensor a, double ord = 2, long[]? dims = null, bool keepdim = false)
        {
            dims ??= Array.Empty<long>();
            fixed (long* p = dims) return Tensor.Wrap(mt_linalg_norm(a.Handle, ord, p, dims.Length, keepdim ? 1 : 0));
        }
        /// <summary>Singular value decomposition A = U diag(S) Vh.</summary>
        public static (Tensor U, Tensor S, Tensor Vh) svd(Tensor a, bool fullMatrices = true)
        {
            Tensor s = Tensor.Wrap(mt_linalg_svd(a.Handle, fullMatrices ? 1 : 0, out IntPtr u, out IntPtr vh));
            return (Tensor.Wrap(u), s, Tensor.Wrap(vh));
        }
    }

    // ---------------- autograd ----------------

    /// <summary>torch.autograd.</summary>
    public static class autograd
    {
        /// <summary>
        /// Gradients of outputs w.r.t. inputs (PyTorch's <c>torch.autograd.grad</c>). With create_graph the results are
        /// differentiable (Hessian-vector products). Unused inputs give null when allow_unused, else an error.
        /// </summary>
        public static unsafe IList<Tensor?> grad(IList<Tensor> outputs, IList<Tensor> inputs, IList<Tensor>? grad_outputs = null,
            bool? retain_graph = null, bool create_graph = false, bool allow_unused = false)
        {
            if (grad_outputs is not null && grad_outputs.Count != outputs.Count)
                throw new ArgumentException($"grad_outputs has {grad_outputs.Count} entries but there are {outputs.Count} outputs.", nameof(grad_outputs));
            var outs = outputs.Select(t => t.Handle).ToArray();
            var ins = inputs.Select(t => t.Handle).ToArray();
            var gouts = grad_outputs?.Select(t => t.Handle).ToArray();
            var results = new IntPtr[ins.Length];
            int retain = retain_graph is null ? -1 : retain_graph.Value ? 1 : 0;
            fixed (IntPtr* o = outs) fixed (IntPtr* i = ins) fixed (IntPtr* g = gouts) fixed (IntPtr* r = results)
                Check.Status(mt_autograd_grad(o, outs.Length, i, ins.Length, gouts is null ? null : g, retain, create_graph ? 1 : 0, allow_unused ? 1 : 0, r));
            return results.Select(h => h == IntPtr.Zero ? null : Tensor.Wrap(h)).ToArray();
        }

        /// <summary>Backpropagates several outputs at once (Σ ⟨grad_i, output_i⟩), accumulating into leaves' .grad.</summary>
        public static unsafe void backward(IList<Tensor> tensors, IList<Tensor>? grad_tensors = null, bool? retain_graph = null, bool create_graph = false)
        {
            var outs = tensors.Select(t => t.Handle).ToArray();
            var grads = grad_tensors?.Select(t => t.Handle).ToArray();
            if (grads is not null && grads.Length != outs.Length) throw new ArgumentException("grad_tensors must match tensors in count", nameof(grad_tensors));
            fixed (IntPtr* o = outs) fixed (IntPtr* g = grads)
                Check.Status(mt_backward_many(o, outs.Length, grads is null ? null : g, retain_graph is null ? -1 : retain_graph.Value ? 1 : 0, create_graph ? 1 : 0));
        }
    }
}
