using System.Reflection;
using System.Runtime.InteropServices;

namespace Mtl.Torch.Native;

/// <summary>
/// P/Invoke declarations for libmtltorch (native/), the C ABI over libtorch.
/// Functions returning a handle return <see cref="IntPtr.Zero"/> on failure with the message in <c>mt_last_error</c>;
/// functions returning int return a negative value on failure.
/// </summary>
internal static unsafe class NativeMethods
{
    private const string Lib = "libmtltorch";

    static NativeMethods()
    {
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
        // Debian's libtorch starts with one intra-op thread; use the machine (see DESIGN.md).
        mt_set_num_threads(Environment.ProcessorCount);
        // Keep freed activations in the malloc heap instead of unmapping them (see native/src/errors.cpp); on this machine
        // it removes most of the step-to-step variance of batch-256 training. MTL_MALLOC_TUNING=0 turns it off.
        if (Environment.GetEnvironmentVariable("MTL_MALLOC_TUNING") != "0")
            mt_tune_malloc(32L << 20, 256L << 20);
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>
    /// libgomp (libtorch's OpenMP) lets idle workers spin for a long time after each parallel region. With one intra-op
    /// thread per core, that spinning takes the core from the main thread's serial work (autograd bookkeeping, .NET code),
    /// and on this 2-core machine single backward passes swung between 6 and 14 ms with 100 ms spikes; a short spin made
    /// them a steady 5 ms. libgomp reads the setting when it loads, so it is set in the native environment (not .NET's
    /// copy) before libtorch is loaded, unless the user set OMP_WAIT_POLICY or GOMP_SPINCOUNT (MTL_OMP_TUNING=0 disables it).
    /// </summary>
    private static void TuneOpenMp()
    {
        if (Environment.GetEnvironmentVariable("MTL_OMP_TUNING") == "0") return;
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is not null || Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null) return;
        try
        {
            SetNativeEnvironment("GOMP_SPINCOUNT", "10000", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: keep libgomp's default.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return IntPtr.Zero;
        TuneOpenMp();
        string local = Path.Combine(AppContext.BaseDirectory, "libmtltorch.so");
        string? assemblyDir = Path.GetDirectoryName(assembly.Location);
        string nextToAssembly = assemblyDir is null ? local : Path.Combine(assemblyDir, "libmtltorch.so");
        foreach (string candidate in new[] { nextToAssembly, local })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                return NativeLibrary.Load(candidate);
            }
            catch (DllNotFoundException e)
            {
                throw new TorchException(
                    $"Could not load {candidate}: {e.Message}. Its dependency libtorch is probably missing; " +
                    "run scripts/bootstrap.sh (installs Debian's libtorch-dev) and rebuild.", e);
            }
        }
        throw new TorchException(
            $"libmtltorch.so was not found next to {assembly.GetName().Name}.dll ({nextToAssembly}). " +
            "Build the solution (dotnet build compiles native/ through CMake) after running scripts/bootstrap.sh.");
    }

    // ---- errors and process settings ----
    [DllImport(Lib)] internal static extern IntPtr mt_last_error();
    [DllImport(Lib)] internal static extern void mt_clear_error();
    [DllImport(Lib)] internal static extern int mt_get_num_threads();
    [DllImport(Lib)] internal static extern int mt_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int mt_manual_seed(long seed);
    [DllImport(Lib)] internal static extern int mt_cuda_is_available();
    [DllImport(Lib)] internal static extern int mt_cuda_device_count();
    [DllImport(Lib)] internal static extern IntPtr mt_version();
    [DllImport(Lib)] internal static extern int mt_tune_malloc(long mmapThreshold, long trimThreshold);

    // ---- lifetime and properties ----
    [DllImport(Lib)] internal static extern void mt_free(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_dim(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_shape(IntPtr t, long* shape, int capacity);
    [DllImport(Lib)] internal static extern long mt_numel(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_dtype(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_device_type(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_device_index(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_is_contiguous(IntPtr t);
    [DllImport(Lib)] internal static extern long mt_element_size(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_copy_to(IntPtr t, void* dst, long bytes);
    [DllImport(Lib)] internal static extern IntPtr mt_data_ptr(IntPtr t);
    [DllImport(Lib)] internal static extern double mt_item_double(IntPtr t);
    [DllImport(Lib)] internal static extern long mt_item_long(IntPtr t);

    // ---- creation ----
    [DllImport(Lib)] internal static extern IntPtr mt_from_blob(void* data, long* shape, int ndim, int dtype, int requiresGrad);
    [DllImport(Lib)] internal static extern IntPtr mt_empty(long* shape, int ndim, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_zeros(long* shape, int ndim, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_ones(long* shape, int ndim, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_full(long* shape, int ndim, double value, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_rand(long* shape, int ndim, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_randn(long* shape, int ndim, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_randint(long low, long high, long* shape, int ndim, int dtype, int dev, int di);
    [DllImport(Lib)] internal static extern IntPtr mt_randperm(long n, int dtype, int dev, int di);
    [DllImport(Lib)] internal static extern IntPtr mt_arange(double start, double end, double step, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_linspace(double start, double end, long steps, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_eye(long n, long m, int dtype, int dev, int di, int rg);
    [DllImport(Lib)] internal static extern IntPtr mt_bernoulli(IntPtr p);
    [DllImport(Lib)] internal static extern IntPtr mt_multinomial(IntPtr p, long n, int replacement);
    [DllImport(Lib)] internal static extern IntPtr mt_normal_(IntPtr t, double mean, double std);
    [DllImport(Lib)] internal static extern IntPtr mt_uniform_(IntPtr t, double from, double to);
    [DllImport(Lib)] internal static extern IntPtr mt_bernoulli_p_(IntPtr t, double p);

    // ---- conversion ----
    [DllImport(Lib)] internal static extern IntPtr mt_to(IntPtr t, int dtype, int dev, int di, int copy);
    [DllImport(Lib)] internal static extern IntPtr mt_clone(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr mt_contiguous(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr mt_alias(IntPtr t);

    // ---- shape ----
    [DllImport(Lib)] internal static extern IntPtr mt_view(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_reshape(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_permute(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_expand(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_repeat(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_flip(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_roll(IntPtr t, long* shifts, long* dims, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_transpose(IntPtr t, long a, long b);
    [DllImport(Lib)] internal static extern IntPtr mt_flatten(IntPtr t, long a, long b);
    [DllImport(Lib)] internal static extern IntPtr mt_unflatten(IntPtr t, long dim, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_squeeze(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr mt_squeeze_dim(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr mt_unsqueeze(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr mt_cat(IntPtr* ts, int n, long dim);
    [DllImport(Lib)] internal static extern IntPtr mt_stack(IntPtr* ts, int n, long dim);
    [DllImport(Lib)] internal static extern int mt_split(IntPtr t, long* sizes, int n, long dim, IntPtr* outs, int cap);
    [DllImport(Lib)] internal static extern int mt_split_size(IntPtr t, long size, long dim, IntPtr* outs, int cap);
    [DllImport(Lib)] internal static extern int mt_chunk(IntPtr t, long chunks, long dim, IntPtr* outs, int cap);
    [DllImport(Lib)] internal static extern int mt_unbind(IntPtr t, long dim, IntPtr* outs, int cap);

    // ---- indexing ----
    [DllImport(Lib)] internal static extern IntPtr mt_narrow(IntPtr t, long dim, long start, long len);
    [DllImport(Lib)] internal static extern IntPtr mt_select(IntPtr t, long dim, long index);
    [DllImport(Lib)] internal static extern IntPtr mt_slice(IntPtr t, long dim, long start, long end, long step);
    [DllImport(Lib)] internal static extern IntPtr mt_index_select(IntPtr t, long dim, IntPtr idx);
    [DllImport(Lib)] internal static extern IntPtr mt_index(IntPtr t, IntPtr idx);
    [DllImport(Lib)] internal static extern IntPtr mt_index_put_(IntPtr t, IntPtr idx, IntPtr v);
    [DllImport(Lib)] internal static extern IntPtr mt_gather(IntPtr t, long dim, IntPtr idx);
    [DllImport(Lib)] internal static extern IntPtr mt_scatter(IntPtr t, long dim, IntPtr idx, IntPtr src);
    [DllImport(Lib)] internal static extern IntPtr mt_scatter_add(IntPtr t, long dim, IntPtr idx, IntPtr src);
    [DllImport(Lib)] internal static extern IntPtr mt_masked_fill(IntPtr t, IntPtr mask, double v);
    [DllImport(Lib)] internal static extern IntPtr mt_masked_select(IntPtr t, IntPtr mask);
    [DllImport(Lib)] internal static extern IntPtr mt_one_hot(IntPtr t, long n);
    [DllImport(Lib)] internal static extern IntPtr mt_nonzero(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr mt_tril(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr mt_triu(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr mt_diag(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr mt_diagonal(IntPtr t, long o, long a, long b);
    [DllImport(Lib)] internal static extern IntPtr mt_sort(IntPtr t, long dim, int descending, out IntPtr indices);
    [DllImport(Lib)] internal static extern IntPtr mt_argsort(IntPtr t, long dim, int descending);

    // ---- binary / unary math ----
    [DllImport(Lib)] internal static extern IntPtr mt_add(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_add_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_add_alpha(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern IntPtr mt_sub(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_sub_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_rsub_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_mul(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_mul_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_div(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_div_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_rdiv_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_remainder(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_remainder_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_pow(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_pow_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_rpow_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_eq(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_eq_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_ne(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_ne_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_lt(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_lt_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_le(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_le_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_gt(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_gt_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_ge(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_ge_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr mt_logical_and(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_logical_or(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_minimum(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_maximum(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_atan2(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_where(IntPtr c, IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_lerp(IntPtr a, IntPtr b, double w);
    [DllImport(Lib)] internal static extern IntPtr mt_clamp(IntPtr a, double lo, double hi, int hasLo, int hasHi);
    [DllImport(Lib)] internal static extern IntPtr mt_clamp_tensor(IntPtr a, IntPtr lo, IntPtr hi);
    [DllImport(Lib)] internal static extern IntPtr mt_nan_to_num(IntPtr a, double nan, double posinf, double neginf);

    [DllImport(Lib)] internal static extern int mt_add_(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern int mt_add_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int mt_sub_(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern int mt_mul_(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int mt_mul_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int mt_div_(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int mt_div_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int mt_addcmul_(IntPtr a, IntPtr b, IntPtr c, double v);
    [DllImport(Lib)] internal static extern int mt_addcdiv_(IntPtr a, IntPtr b, IntPtr c, double v);
    [DllImport(Lib)] internal static extern int mt_lerp_(IntPtr a, IntPtr b, double w);
    [DllImport(Lib)] internal static extern int mt_copy_(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int mt_fill_(IntPtr a, double v);
    [DllImport(Lib)] internal static extern int mt_zero_(IntPtr a);
    [DllImport(Lib)] internal static extern int mt_clamp_(IntPtr a, double lo, double hi, int hasLo, int hasHi);
    [DllImport(Lib)] internal static extern int mt_sqrt_(IntPtr a);
    [DllImport(Lib)] internal static extern int mt_sign_(IntPtr a);
    [DllImport(Lib)] internal static extern int mt_maximum_out(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int mt_masked_fill_(IntPtr a, IntPtr m, double v);

    [DllImport(Lib)] internal static extern IntPtr mt_neg(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_abs(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_sign(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_sqrt(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_rsqrt(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_exp(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_log(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_log1p(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_expm1(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_log2(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_sin(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_cos(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_tan(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_atan(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_asin(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_acos(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_tanh(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_sigmoid(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_floor(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_ceil(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_round(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_trunc(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_reciprocal(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_square(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_logical_not(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_isnan(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_isinf(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_isfinite(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_erf(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_relu(IntPtr a);

    // ---- reductions ----
    [DllImport(Lib)] internal static extern IntPtr mt_sum(IntPtr a, long* d, int n, int keepdim, int dtype);
    [DllImport(Lib)] internal static extern IntPtr mt_mean(IntPtr a, long* d, int n, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_prod(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_var(IntPtr a, long* d, int n, int unbiased, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_std(IntPtr a, long* d, int n, int unbiased, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_norm(IntPtr a, double p, long* d, int n, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_logsumexp(IntPtr a, long* d, int n, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_max_all(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_min_all(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_max_dim(IntPtr a, long dim, int keepdim, out IntPtr indices);
    [DllImport(Lib)] internal static extern IntPtr mt_min_dim(IntPtr a, long dim, int keepdim, out IntPtr indices);
    [DllImport(Lib)] internal static extern IntPtr mt_argmax(IntPtr a, long dim, int hasDim, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_argmin(IntPtr a, long dim, int hasDim, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_topk(IntPtr a, long k, long dim, int largest, int sorted, out IntPtr indices);
    [DllImport(Lib)] internal static extern IntPtr mt_cumsum(IntPtr a, long dim);
    [DllImport(Lib)] internal static extern IntPtr mt_cumprod(IntPtr a, long dim);
    [DllImport(Lib)] internal static extern IntPtr mt_any(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_all(IntPtr a);
    [DllImport(Lib)] internal static extern int mt_allclose(IntPtr a, IntPtr b, double rtol, double atol);
    [DllImport(Lib)] internal static extern int mt_equal(IntPtr a, IntPtr b);

    // ---- linear algebra ----
    [DllImport(Lib)] internal static extern IntPtr mt_matmul(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_mm(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_bmm(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_mv(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_dot(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_outer(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_addmm(IntPtr c, IntPtr a, IntPtr b, double beta, double alpha);
    [DllImport(Lib)] internal static extern IntPtr mt_einsum([MarshalAs(UnmanagedType.LPUTF8Str)] string eq, IntPtr* ts, int n);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_eigh(IntPtr a, [MarshalAs(UnmanagedType.LPUTF8Str)] string uplo, out IntPtr vectors);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_solve(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_pinv(IntPtr a, double rcond);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_inv(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_norm(IntPtr a, double ord, long* d, int n, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_det(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_cholesky(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr mt_linalg_svd(IntPtr a, int full, out IntPtr u, out IntPtr vh);

    // ---- autograd ----
    [DllImport(Lib)] internal static extern int mt_requires_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_set_requires_grad(IntPtr t, int value);
    [DllImport(Lib)] internal static extern int mt_is_leaf(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr mt_detach(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_detach_(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_retain_grad(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr mt_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_set_grad(IntPtr t, IntPtr g);
    [DllImport(Lib)] internal static extern int mt_backward(IntPtr t, IntPtr grad, int retainGraph, int createGraph);
    [DllImport(Lib)] internal static extern int mt_backward_many(IntPtr* outputs, int n, IntPtr* grads, int retainGraph, int createGraph);
    [DllImport(Lib)] internal static extern int mt_autograd_grad(IntPtr* outputs, int nOutputs, IntPtr* inputs, int nInputs, IntPtr* gradOutputs,
        int retainGraph, int createGraph, int allowUnused, IntPtr* results);
    [DllImport(Lib)] internal static extern int mt_is_grad_enabled();
    [DllImport(Lib)] internal static extern void mt_set_grad_enabled(int enabled);

    // ---- nn.functional ----
    [DllImport(Lib)] internal static extern IntPtr mt_linear(IntPtr x, IntPtr w, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr mt_conv2d(IntPtr x, IntPtr w, IntPtr b, long* stride, long* padding, long* dilation, long groups);
    [DllImport(Lib)] internal static extern IntPtr mt_conv1d(IntPtr x, IntPtr w, IntPtr b, long stride, long padding, long dilation, long groups);
    [DllImport(Lib)] internal static extern IntPtr mt_max_pool2d(IntPtr x, long* k, long* s, long* p, long* d, int ceilMode);
    [DllImport(Lib)] internal static extern IntPtr mt_avg_pool2d(IntPtr x, long* k, long* s, long* p, int ceilMode, int countIncludePad);
    [DllImport(Lib)] internal static extern IntPtr mt_adaptive_avg_pool2d(IntPtr x, long* size);
    [DllImport(Lib)] internal static extern IntPtr mt_batch_norm(IntPtr x, IntPtr w, IntPtr b, IntPtr rm, IntPtr rv, int training, double momentum, double eps);
    [DllImport(Lib)] internal static extern IntPtr mt_group_norm(IntPtr x, long groups, IntPtr w, IntPtr b, double eps);
    [DllImport(Lib)] internal static extern IntPtr mt_layer_norm(IntPtr x, long* shape, int n, IntPtr w, IntPtr b, double eps);
    [DllImport(Lib)] internal static extern IntPtr mt_dropout(IntPtr x, double p, int training);
    [DllImport(Lib)] internal static extern IntPtr mt_dropout2d(IntPtr x, double p, int training);
    [DllImport(Lib)] internal static extern IntPtr mt_leaky_relu(IntPtr x, double slope);
    [DllImport(Lib)] internal static extern IntPtr mt_gelu(IntPtr x, int tanhApprox);
    [DllImport(Lib)] internal static extern IntPtr mt_elu(IntPtr x, double alpha);
    [DllImport(Lib)] internal static extern IntPtr mt_softplus(IntPtr x, double beta, double threshold);
    [DllImport(Lib)] internal static extern IntPtr mt_softmax(IntPtr x, long dim);
    [DllImport(Lib)] internal static extern IntPtr mt_log_softmax(IntPtr x, long dim);
    [DllImport(Lib)] internal static extern IntPtr mt_cross_entropy(IntPtr x, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing);
    [DllImport(Lib)] internal static extern IntPtr mt_nll_loss(IntPtr x, IntPtr target, IntPtr weight, int reduction, long ignoreIndex);
    [DllImport(Lib)] internal static extern IntPtr mt_mse_loss(IntPtr x, IntPtr y, int reduction);
    [DllImport(Lib)] internal static extern IntPtr mt_l1_loss(IntPtr x, IntPtr y, int reduction);
    [DllImport(Lib)] internal static extern IntPtr mt_smooth_l1_loss(IntPtr x, IntPtr y, int reduction, double beta);
    [DllImport(Lib)] internal static extern IntPtr mt_bce_with_logits(IntPtr x, IntPtr y, IntPtr weight, IntPtr posWeight, int reduction);
    [DllImport(Lib)] internal static extern IntPtr mt_binary_cross_entropy(IntPtr x, IntPtr y, IntPtr weight, int reduction);
    [DllImport(Lib)] internal static extern IntPtr mt_pad(IntPtr x, long* pad, int n, int mode, double value);
    [DllImport(Lib)] internal static extern IntPtr mt_interpolate(IntPtr x, long* size, int nSize, double* scale, int nScale, int mode, int alignCorners);
    [DllImport(Lib)] internal static extern IntPtr mt_grid_sample(IntPtr x, IntPtr grid, int mode, int padding, int alignCorners);
    [DllImport(Lib)] internal static extern IntPtr mt_affine_grid(IntPtr theta, long* size, int n, int alignCorners);
    [DllImport(Lib)] internal static extern IntPtr mt_unfold(IntPtr x, long* k, long* d, long* p, long* s);
    [DllImport(Lib)] internal static extern IntPtr mt_fold(IntPtr x, long* output, long* k, long* d, long* p, long* s);

    // ---- fused optimizer updates ----
    [DllImport(Lib)] internal static extern int mt_adam_update(IntPtr param, IntPtr grad, IntPtr expAvg, IntPtr expAvgSq, IntPtr maxExpAvgSq,
        double lr, double beta1, double beta2, double eps, double weightDecay, double bias1, double bias2, int decoupled, int maximize);

    // ---- nn.init ----
    [DllImport(Lib)] internal static extern int mt_init_kaiming_uniform_(IntPtr t, double a, int mode, int nonlinearity);
    [DllImport(Lib)] internal static extern int mt_init_kaiming_normal_(IntPtr t, double a, int mode, int nonlinearity);
    [DllImport(Lib)] internal static extern int mt_init_xavier_uniform_(IntPtr t, double gain);
    [DllImport(Lib)] internal static extern int mt_init_xavier_normal_(IntPtr t, double gain);
    [DllImport(Lib)] internal static extern int mt_init_normal_(IntPtr t, double mean, double std);
    [DllImport(Lib)] internal static extern int mt_init_uniform_(IntPtr t, double a, double b);
    [DllImport(Lib)] internal static extern int mt_init_constant_(IntPtr t, double v);
    [DllImport(Lib)] internal static extern int mt_init_zeros_(IntPtr t);
    [DllImport(Lib)] internal static extern int mt_init_ones_(IntPtr t);
    [DllImport(Lib)] internal static extern double mt_init_calculate_gain(int nonlinearity, double param);
}
