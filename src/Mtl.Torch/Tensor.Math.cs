using Mtl.Torch.Native;
using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

public partial class Tensor
{
    // ---------------- operators ----------------

    /// <summary>Element-wise sum (broadcasting).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Wrap(mt_add(a.Handle, b.Handle));
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => Wrap(mt_add_scalar(a.Handle, b));
    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => Wrap(mt_add_scalar(b.Handle, a));
    /// <summary>Element-wise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Wrap(mt_sub(a.Handle, b.Handle));
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => Wrap(mt_sub_scalar(a.Handle, b));
    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double a, Tensor b) => Wrap(mt_rsub_scalar(b.Handle, a));
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Wrap(mt_neg(a.Handle));
    /// <summary>Element-wise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Wrap(mt_mul(a.Handle, b.Handle));
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => Wrap(mt_mul_scalar(a.Handle, b));
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => Wrap(mt_mul_scalar(b.Handle, a));
    /// <summary>Element-wise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Wrap(mt_div(a.Handle, b.Handle));
    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => Wrap(mt_div_scalar(a.Handle, b));
    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double a, Tensor b) => Wrap(mt_rdiv_scalar(b.Handle, a));
    /// <summary>Element-wise remainder.</summary>
    public static Tensor operator %(Tensor a, Tensor b) => Wrap(mt_remainder(a.Handle, b.Handle));
    /// <summary>Remainder by a scalar.</summary>
    public static Tensor operator %(Tensor a, double b) => Wrap(mt_remainder_scalar(a.Handle, b));
    /// <summary>Element-wise a &lt; b.</summary>
    public static Tensor operator <(Tensor a, Tensor b) => a.lt(b);
    /// <summary>Element-wise a &gt; b.</summary>
    public static Tensor operator >(Tensor a, Tensor b) => a.gt(b);
    /// <summary>Element-wise a &lt;= b.</summary>
    public static Tensor operator <=(Tensor a, Tensor b) => a.le(b);
    /// <summary>Element-wise a &gt;= b.</summary>
    public static Tensor operator >=(Tensor a, Tensor b) => a.ge(b);
    /// <summary>Element-wise a &lt; s.</summary>
    public static Tensor operator <(Tensor a, double s) => a.lt(s);
    /// <summary>Element-wise a &gt; s.</summary>
    public static Tensor operator >(Tensor a, double s) => a.gt(s);
    /// <summary>Element-wise a &lt;= s.</summary>
    public static Tensor operator <=(Tensor a, double s) => a.le(s);
    /// <summary>Element-wise a &gt;= s.</summary>
    public static Tensor operator >=(Tensor a, double s) => a.ge(s);
    /// <summary>Logical and of bool tensors.</summary>
    public static Tensor operator &(Tensor a, Tensor b) => Wrap(mt_logical_and(a.Handle, b.Handle));
    /// <summary>Logical or of bool tensors.</summary>
    public static Tensor operator |(Tensor a, Tensor b) => Wrap(mt_logical_or(a.Handle, b.Handle));
    /// <summary>Logical not of a bool tensor.</summary>
    public static Tensor operator !(Tensor a) => Wrap(mt_logical_not(a.Handle));

    // ---------------- named binary ops ----------------

    /// <summary>this + alpha·other.</summary>
    public Tensor add(Tensor other, double alpha = 1) => Wrap(mt_add_alpha(Handle, other.Handle, alpha));
    /// <summary>this + s.</summary>
    public Tensor add(double s) => Wrap(mt_add_scalar(Handle, s));
    /// <summary>this − other.</summary>
    public Tensor sub(Tensor other) => Wrap(mt_sub(Handle, other.Handle));
    /// <summary>this − s.</summary>
    public Tensor sub(double s) => Wrap(mt_sub_scalar(Handle, s));
    /// <summary>this · other.</summary>
    public Tensor mul(Tensor other) => Wrap(mt_mul(Handle, other.Handle));
    /// <summary>this · s.</summary>
    public Tensor mul(double s) => Wrap(mt_mul_scalar(Handle, s));
    /// <summary>this / other.</summary>
    public Tensor div(Tensor other) => Wrap(mt_div(Handle, other.Handle));
    /// <summary>this / s.</summary>
    public Tensor div(double s) => Wrap(mt_div_scalar(Handle, s));
    /// <summary>Element-wise power.</summary>
    public Tensor pow(Tensor exponent) => Wrap(mt_pow(Handle, exponent.Handle));
    /// <summary>Element-wise power.</summary>
    public Tensor pow(double exponent) => Wrap(mt_pow_scalar(Handle, exponent));
    /// <summary>Element-wise ==.</summary>
    public Tensor eq(Tensor other) => Wrap(mt_eq(Handle, other.Handle));
    /// <summary>Element-wise == s.</summary>
    public Tensor eq(double s) => Wrap(mt_eq_scalar(Handle, s));
    /// <summary>Element-wise !=.</summary>
    public Tensor ne(Tensor other) => Wrap(mt_ne(Handle, other.Handle));
    /// <summary>Element-wise != s.</summary>
    public Tensor ne(double s) => Wrap(mt_ne_scalar(Handle, s));
    /// <summary>Element-wise &lt;.</summary>
    public Tensor lt(Tensor other) => Wrap(mt_lt(Handle, other.Handle));
    /// <summary>Element-wise &lt; s.</summary>
    public Tensor lt(double s) => Wrap(mt_lt_scalar(Handle, s));
    /// <summary>Element-wise &lt;=.</summary>
    public Tensor le(Tensor other) => Wrap(mt_le(Handle, other.Handle));
    /// <summary>Element-wise &lt;= s.</summary>
    public Tensor le(double s) => Wrap(mt_le_scalar(Handle, s));
    /// <summary>Element-wise &gt;.</summary>
    public Tensor gt(Tensor other) => Wrap(mt_gt(Handle, other.Handle));
    /// <summary>Element-wise &gt; s.</summary>
    public Tensor gt(double s) => Wrap(mt_gt_scalar(Handle, s));
    /// <summary>Element-wise &gt;=.</summary>
    public Tensor ge(Tensor other) => Wrap(mt_ge(Handle, other.Handle));
    /// <summary>Element-wise &gt;= s.</summary>
    public Tensor ge(double s) => Wrap(mt_ge_scalar(Handle, s));
    /// <summary>Element-wise minimum.</summary>
    public Tensor minimum(Tensor other) => Wrap(mt_minimum(Handle, other.Handle));
    /// <summary>Element-wise maximum.</summary>
    public Tensor maximum(Tensor other) => Wrap(mt_maximum(Handle, other.Handle));
    /// <summary>Clamps into [min, max] (either bound optional).</summary>
    public Tensor clamp(double? min = null, double? max = null) =>
        Wrap(mt_clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0));
    /// <summary>Clamps element-wise between tensors (either optional).</summary>
    public Tensor clamp(Tensor? min, Tensor? max) => Wrap(mt_clamp_tensor(Handle, min?.Handle ?? IntPtr.Zero, max?.Handle ?? IntPtr.Zero));
    /// <summary>Same as clamp(min: …).</summary>
    public Tensor clamp_min(double min) => clamp(min, null);
    /// <summary>Same as clamp(max: …).</summary>
    public Tensor clamp_max(double max) => clamp(null, max);
    /// <summary>Linear interpolation this + w·(end − this).</summary>
    public Tensor lerp(Tensor end, double weight) => Wrap(mt_lerp(Handle, end.Handle, weight));
    /// <summary>Replaces NaN/±inf.</summary>
    public Tensor nan_to_num(double nan = 0, double posinf = double.MaxValue, double neginf = double.MinValue) =>
        Wrap(mt_nan_to_num(Handle, nan, posinf, neginf));

    // ---------------- unary ----------------

    /// <summary>−x.</summary>
    public Tensor neg() => Wrap(mt_neg(Handle));
    /// <summary>|x|.</summary>
    public Tensor abs() => Wrap(mt_abs(Handle));
    /// <summary>sign(x).</summary>
    public Tensor sign() => Wrap(mt_sign(Handle));
    /// <summary>√x.</summary>
    public Tensor sqrt() => Wrap(mt_sqrt(Handle));
    /// <summary>1/√x.</summary>
    public Tensor rsqrt() => Wrap(mt_rsqrt(Handle));
    /// <summary>eˣ.</summary>
    public Tensor exp() => Wrap(mt_exp(Handle));
    /// <summary>ln x.</summary>
    public Tensor log() => Wrap(mt_log(Handle));
    /// <summary>ln(1+x).</summary>
    public Tensor log1p() => Wrap(mt_log1p(Handle));
    /// <summary>eˣ − 1.</summary>
    public Tensor expm1() => Wrap(mt_expm1(Handle));
    /// <summary>log₂ x.</summary>
    public Tensor log2() => Wrap(mt_log2(Handle));
    /// <summary>sin x.</summary>
    public Tensor sin() => Wrap(mt_sin(Handle));
    /// <summary>cos x.</summary>
    public Tensor cos() => Wrap(mt_cos(Handle));
    /// <summary>tan x.</summary>
    public Tensor tan() => Wrap(mt_tan(Handle));
    /// <summary>atan x.</summary>
    public Tensor atan() => Wrap(mt_atan(Handle));
    /// <summary>asin x.</summary>
    public Tensor asin() => Wrap(mt_asin(Handle));
    /// <summary>acos x.</summary>
    public Tensor acos() => Wrap(mt_acos(Handle));
    /// <summary>tanh x.</summary>
    public Tensor tanh() => Wrap(mt_tanh(Handle));
    /// <summary>Logistic sigmoid.</summary>
    public Tensor sigmoid() => Wrap(mt_sigmoid(Handle));
    /// <summary>⌊x⌋.</summary>
    public Tensor floor() => Wrap(mt_floor(Handle));
    /// <summary>⌈x⌉.</summary>
    public Tensor ceil() => Wrap(mt_ceil(Handle));
    /// <summary>Round half to even.</summary>
    public Tensor round() => Wrap(mt_round(Handle));
    /// <summary>Truncate toward zero.</summary>
    public Tensor trunc() => Wrap(mt_trunc(Handle));
    /// <summary>1/x.</summary>
    public Tensor reciprocal() => Wrap(mt_reciprocal(Handle));
    /// <summary>x².</summary>
    public Tensor square() => Wrap(mt_square(Handle));
    /// <summary>Logical not.</summary>
    public Tensor logical_not() => Wrap(mt_logical_not(Handle));
    /// <summary>Element-wise NaN test.</summary>
    public Tensor isnan() => Wrap(mt_isnan(Handle));
    /// <summary>Element-wise ±inf test.</summary>
    public Tensor isinf() => Wrap(mt_isinf(Handle));
    /// <summary>Element-wise finiteness test.</summary>
    public Tensor isfinite() => Wrap(mt_isfinite(Handle));
    /// <summary>Error function.</summary>
    public Tensor erf() => Wrap(mt_erf(Handle));
    /// <summary>max(x, 0).</summary>
    public Tensor relu() => Wrap(mt_relu(Handle));

    // ---------------- in place (for optimizers, under no_grad) ----------------

    /// <summary>this += alpha·other.</summary>
    public Tensor add_(Tensor other, double alpha = 1) { Check.Status(mt_add_(Handle, other.Handle, alpha)); return this; }
    /// <summary>this += s.</summary>
    public Tensor add_(double s) { Check.Status(mt_add_scalar_(Handle, s)); return this; }
    /// <summary>this −= alpha·other.</summary>
    public Tensor sub_(Tensor other, double alpha = 1) { Check.Status(mt_sub_(Handle, other.Handle, alpha)); return this; }
    /// <summary>this ·= other.</summary>
    public Tensor mul_(Tensor other) { Check.Status(mt_mul_(Handle, other.Handle)); return this; }
    /// <summary>this ·= s.</summary>
    public Tensor mul_(double s) { Check.Status(mt_mul_scalar_(Handle, s)); return this; }
    /// <summary>this /= other.</summary>
    public Tensor div_(Tensor other) { Check.Status(mt_div_(Handle, other.Handle)); return this; }
    /// <summary>this /= s.</summary>
    public Tensor div_(double s) { Check.Status(mt_div_scalar_(Handle, s)); return this; }
    /// <summary>this += value·a·b.</summary>
    public Tensor addcmul_(Tensor a, Tensor b, double value = 1) { Check.Status(mt_addcmul_(Handle, a.Handle, b.Handle, value)); return this; }
    /// <summary>this += value·a/b.</summary>
    public Tensor addcdiv_(Tensor a, Tensor b, double value = 1) { Check.Status(mt_addcdiv_(Handle, a.Handle, b.Handle, value)); return this; }
    /// <summary>this += w·(end − this).</summary>
    public Tensor lerp_(Tensor end, double weight) { Check.Status(mt_lerp_(Handle, end.Handle, weight)); return this; }
    /// <summary>Copies other's values into this tensor (broadcasting).</summary>
    public Tensor copy_(Tensor other) { Check.Status(mt_copy_(Handle, other.Handle)); return this; }
    /// <summary>Fills with a value.</summary>
    public Tensor fill_(double value) { Check.Status(mt_fill_(Handle, value)); return this; }
    /// <summary>Fills with zeros.</summary>
    public Tensor zero_() { Check.Status(mt_zero_(Handle)); return this; }
    /// <summary>Clamps in place.</summary>
    public Tensor clamp_(double? min = null, double? max = null)
    {
        Check.Status(mt_clamp_(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0));
        return this;
    }
    /// <summary>√ in place.</summary>
    public Tensor sqrt_() { Check.Status(mt_sqrt_(Handle)); return this; }
    /// <summary>sign in place.</summary>
    public Tensor sign_() { Check.Status(mt_sign_(Handle)); return this; }
    /// <summary>this = max(this, other) in place.</summary>
    public Tensor maximum_(Tensor other) { Check.Status(mt_maximum_out(Handle, other.Handle)); return this; }
    /// <summary>Sets elements where mask is true.</summary>
    public Tensor masked_fill_(Tensor mask, double value) { Check.Status(mt_masked_fill_(Handle, mask.Handle, value)); return this; }
    /// <summary>Fills with N(mean, std) draws from the global generator.</summary>
    public Tensor normal_(double mean = 0, double std = 1) { Wrap(mt_normal_(Handle, mean, std)).Dispose(); return this; }
    /// <summary>Fills with U(from, to) draws.</summary>
    public Tensor uniform_(double from = 0, double to = 1) { Wrap(mt_uniform_(Handle, from, to)).Dispose(); return this; }
    /// <summary>Fills with Bernoulli(p) draws.</summary>
    public Tensor bernoulli_(double p = 0.5) { Wrap(mt_bernoulli_p_(Handle, p)).Dispose(); return this; }

    // ---------------- reductions ----------------

    /// <summary>Sum of all elements.</summary>
    public unsafe Tensor sum(ScalarType? type = null) => Wrap(mt_sum(Handle, null, 0, 0, type is null ? -1 : (int)type.Value));
    /// <summary>Sum over dimensions.</summary>
    public unsafe Tensor sum(long[] dim, bool keepdim = false, ScalarType? type = null)
    {
        fixed (long* p = dim) return Wrap(mt_sum(Handle, p, dim.Length, keepdim ? 1 : 0, type is null ? -1 : (int)type.Value));
    }
    /// <summary>Sum over one dimension.</summary>
    public Tensor sum(long dim, bool keepdim = false) => sum(new[] { dim }, keepdim);
    /// <summary>Sum over one dimension. This overload exists so that a literal <c>sum(0)</c> means dimension 0 and never
    /// binds to <c>sum(ScalarType?)</c> through C#'s implicit conversion of the constant 0 to an enum.</summary>
    public Tensor sum(int dim, bool keepdim = false) => sum(new long[] { dim }, keepdim);
    /// <summary>Mean of all elements.</summary>
    public unsafe Tensor mean() => Wrap(mt_mean(Handle, null, 0, 0));
    /// <summary>Mean over dimensions.</summary>
    public unsafe Tensor mean(long[] dim, bool keepdim = false) { fixed (long* p = dim) return Wrap(mt_mean(Handle, p, dim.Length, keepdim ? 1 : 0)); }
    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(long dim, bool keepdim = false) => mean(new[] { dim }, keepdim);
    /// <summary>Product of all elements.</summary>
    public Tensor prod() => Wrap(mt_prod(Handle));
    /// <summary>Variance (all elements or over dims).</summary>
    public unsafe Tensor var(long[]? dim = null, bool unbiased = true, bool keepdim = false)
    {
        dim ??= Array.Empty<long>();
        fixed (long* p = dim) return Wrap(mt_var(Handle, p, dim.Length, unbiased ? 1 : 0, keepdim ? 1 : 0));
    }
    /// <summary>Standard deviation (all elements or over dims).</summary>
    public unsafe Tensor std(long[]? dim = null, bool unbiased = true, bool keepdim = false)
    {
        dim ??= Array.Empty<long>();
        fixed (long* p = dim) return Wrap(mt_std(Handle, p, dim.Length, unbiased ? 1 : 0, keepdim ? 1 : 0));
    }
    /// <summary>p-norm (all elements or over dims).</summary>
    public unsafe Tensor norm(double p = 2, long[]? dim = null, bool keepdim = false)
    {
        dim ??= Array.Empty<long>();
        fixed (long* d = dim) return Wrap(mt_norm(Handle, p, d, dim.Length, keepdim ? 1 : 0));
    }
    /// <summary>log Σ exp over dims.</summary>
    public unsafe Tensor logsumexp(long dim, bool keepdim = false) => Wrap(mt_logsumexp(Handle, &dim, 1, keepdim ? 1 : 0));
    /// <summary>Maximum of all elements.</summary>
    public Tensor max() => Wrap(mt_max_all(Handle));
    /// <summary>Minimum of all elements.</summary>
    public Tensor min() => Wrap(mt_min_all(Handle));
    /// <summary>Maximum over a dimension with its indices.</summary>
    public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false)
    {
        Tensor v = Wrap(mt_max_dim(Handle, dim, keepdim ? 1 : 0, out IntPtr i));
        return (v, Wrap(i));
    }
    /// <summary>Minimum over a dimension with its indices.</summary>
    public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false)
    {
        Tensor v = Wrap(mt_min_dim(Handle, dim, keepdim ? 1 : 0, out IntPtr i));
        return (v, Wrap(i));
    }
    /// <summary>Index of the maximum (flattened, or along dim).</summary>
    public Tensor argmax(long? dim = null, bool keepdim = false) => Wrap(mt_argmax(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepdim ? 1 : 0));
    /// <summary>Index of the minimum (flattened, or along dim).</summary>
    public Tensor argmin(long? dim = null, bool keepdim = false) => Wrap(mt_argmin(Handle, dim ?? 0, dim.HasValue ? 1 : 0, keepdim ? 1 : 0));
    /// <summary>The k largest (or smallest) elements along a dimension.</summary>
    public (Tensor values, Tensor indexes) topk(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        Tensor v = Wrap(mt_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out IntPtr i));
        return (v, Wrap(i));
    }
    /// <summary>Sorts along a dimension.</summary>
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        Tensor v = Wrap(mt_sort(Handle, dim, descending ? 1 : 0, out IntPtr i));
        return (v, Wrap(i));
    }
    /// <summary>Indices that sort along a dimension.</summary>
    public Tensor argsort(long dim = -1, bool descending = false) => Wrap(mt_argsort(Handle, dim, descending ? 1 : 0));
    /// <summary>Cumulative sum.</summary>
    public Tensor cumsum(long dim) => Wrap(mt_cumsum(Handle, dim));
    /// <summary>Cumulative product.</summary>
    public Tensor cumprod(long dim) => Wrap(mt_cumprod(Handle, dim));
    /// <summary>True if any element is non-zero.</summary>
    public Tensor any() => Wrap(mt_any(Handle));
    /// <summary>True if all elements are non-zero.</summary>
    public Tensor all() => Wrap(mt_all(Handle));
    /// <summary>|this − other| ≤ atol + rtol·|other| everywhere.</summary>
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8) => Check.Status(mt_allclose(Handle, other.Handle, rtol, atol)) == 1;
    /// <summary>Same shape and exactly the same values.</summary>
    public bool equal(Tensor other) => Check.Status(mt_equal(Handle, other.Handle)) == 1;

    // ---------------- linear algebra ----------------

    /// <summary>Matrix product with broadcasting.</summary>
    public Tensor matmul(Tensor other) => Wrap(mt_matmul(Handle, other.Handle));
    /// <summary>2-D matrix product.</summary>
    public Tensor mm(Tensor other) => Wrap(mt_mm(Handle, other.Handle));
    /// <summary>Batched matrix product.</summary>
    public Tensor bmm(Tensor other) => Wrap(mt_bmm(Handle, other.Handle));
    /// <summary>Matrix-vector product.</summary>
    public Tensor mv(Tensor vector) => Wrap(mt_mv(Handle, vector.Handle));
    /// <summary>Inner product of 1-D tensors.</summary>
    public Tensor dot(Tensor other) => Wrap(mt_dot(Handle, other.Handle));
    /// <summary>Outer product of 1-D tensors.</summary>
    public Tensor outer(Tensor other) => Wrap(mt_outer(Handle, other.Handle));
}
