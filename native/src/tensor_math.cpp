// Element-wise arithmetic, comparisons, reductions and linear algebra.
#include "mt.h"

namespace {
// A double scalar for in-place ops: integral tensors get an integral Scalar when the value is whole, because libtorch
// refuses to write a floating result into an integer tensor in place.
at::Scalar scalar_for(const at::Tensor& t, double v) {
  if (at::isIntegralType(t.scalar_type(), /*includeBool=*/false) && v == static_cast<double>(static_cast<int64_t>(v)))
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}
c10::optional<at::ScalarType> opt_dtype(int dtype) {
  return dtype < 0 ? c10::nullopt : c10::optional<at::ScalarType>(static_cast<at::ScalarType>(dtype));
}
}  // namespace

// ---- binary (tensor, tensor) and (tensor, scalar); in-place variants end with _ ----
#define MT_BINARY(name, expr_tt, expr_ts)                                                     \
  MT_EXPORT TensorHandle mt_##name(TensorHandle a, TensorHandle b) { MT_TENSOR(expr_tt) }      \
  MT_EXPORT TensorHandle mt_##name##_scalar(TensorHandle a, double s) { MT_TENSOR(expr_ts) }
MT_BINARY(add, at::add(*a, *b), at::add(*a, s))
MT_BINARY(sub, at::sub(*a, *b), at::sub(*a, s))
MT_BINARY(mul, at::mul(*a, *b), at::mul(*a, s))
MT_BINARY(div, at::div(*a, *b), at::div(*a, s))
MT_BINARY(remainder, at::remainder(*a, *b), at::remainder(*a, s))
MT_BINARY(pow, at::pow(*a, *b), at::pow(*a, s))
MT_BINARY(eq, at::eq(*a, *b), at::eq(*a, s))
MT_BINARY(ne, at::ne(*a, *b), at::ne(*a, s))
MT_BINARY(lt, at::lt(*a, *b), at::lt(*a, s))
MT_BINARY(le, at::le(*a, *b), at::le(*a, s))
MT_BINARY(gt, at::gt(*a, *b), at::gt(*a, s))
MT_BINARY(ge, at::ge(*a, *b), at::ge(*a, s))
MT_BINARY(logical_and, at::logical_and(*a, *b), at::logical_and(*a, at::scalar_tensor(s, a->options())))
MT_BINARY(logical_or, at::logical_or(*a, *b), at::logical_or(*a, at::scalar_tensor(s, a->options())))
#undef MT_BINARY
MT_EXPORT TensorHandle mt_add_alpha(TensorHandle a, TensorHandle b, double alpha) { MT_TENSOR(at::add(*a, *b, alpha)) }
MT_EXPORT TensorHandle mt_rsub_scalar(TensorHandle a, double s) { MT_TENSOR(at::rsub(*a, s)) }
MT_EXPORT TensorHandle mt_rdiv_scalar(TensorHandle a, double s) { MT_TENSOR(at::mul(at::reciprocal(*a), s)) }
MT_EXPORT TensorHandle mt_rpow_scalar(TensorHandle a, double s) { MT_TENSOR(at::pow(s, *a)) }
MT_EXPORT TensorHandle mt_minimum(TensorHandle a, TensorHandle b) { MT_TENSOR(at::minimum(*a, *b)) }
MT_EXPORT TensorHandle mt_maximum(TensorHandle a, TensorHandle b) { MT_TENSOR(at::maximum(*a, *b)) }
MT_EXPORT TensorHandle mt_atan2(TensorHandle a, TensorHandle b) { MT_TENSOR(at::atan2(*a, *b)) }
MT_EXPORT TensorHandle mt_where(TensorHandle c, TensorHandle a, TensorHandle b) { MT_TENSOR(at::where(*c, *a, *b)) }
MT_EXPORT TensorHandle mt_lerp(TensorHandle a, TensorHandle b, double w) { MT_TENSOR(at::lerp(*a, *b, w)) }

// In-place (used by optimizers under no_grad); they return a new handle to the same storage.
MT_EXPORT int mt_add_(TensorHandle a, TensorHandle b, double alpha) { MT_VOID(a->add_(*b, alpha)) }
MT_EXPORT int mt_add_scalar_(TensorHandle a, double s) { MT_VOID(a->add_(scalar_for(*a, s))) }
MT_EXPORT int mt_sub_(TensorHandle a, TensorHandle b, double alpha) { MT_VOID(a->sub_(*b, alpha)) }
MT_EXPORT int mt_mul_(TensorHandle a, TensorHandle b) { MT_VOID(a->mul_(*b)) }
MT_EXPORT int mt_mul_scalar_(TensorHandle a, double s) { MT_VOID(a->mul_(scalar_for(*a, s))) }
MT_EXPORT int mt_div_(TensorHandle a, TensorHandle b) { MT_VOID(a->div_(*b)) }
MT_EXPORT int mt_div_scalar_(TensorHandle a, double s) { MT_VOID(a->div_(s)) }
MT_EXPORT int mt_addcmul_(TensorHandle a, TensorHandle b, TensorHandle c, double v) { MT_VOID(a->addcmul_(*b, *c, v)) }
MT_EXPORT int mt_addcdiv_(TensorHandle a, TensorHandle b, TensorHandle c, double v) { MT_VOID(a->addcdiv_(*b, *c, v)) }
MT_EXPORT int mt_lerp_(TensorHandle a, TensorHandle b, double w) { MT_VOID(a->lerp_(*b, w)) }
MT_EXPORT int mt_copy_(TensorHandle a, TensorHandle b) { MT_VOID(a->copy_(*b)) }
MT_EXPORT int mt_fill_(TensorHandle a, double v) { MT_VOID(a->fill_(scalar_for(*a, v))) }
MT_EXPORT int mt_zero_(TensorHandle a) { MT_VOID(a->zero_()) }
MT_EXPORT int mt_clamp_(TensorHandle a, double lo, double hi, int has_lo, int has_hi) {
  MT_VOID(a->clamp_(has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt, has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
MT_EXPORT int mt_sqrt_(TensorHandle a) { MT_VOID(a->sqrt_()) }
MT_EXPORT int mt_sign_(TensorHandle a) { MT_VOID(a->sign_()) }
MT_EXPORT int mt_maximum_out(TensorHandle a, TensorHandle b) { MT_VOID(at::maximum_out(*a, *a, *b)) }
MT_EXPORT int mt_masked_fill_(TensorHandle a, TensorHandle m, double v) { MT_VOID(a->masked_fill_(*m, v)) }

// ---- unary ----
#define MT_UNARY(name) MT_EXPORT TensorHandle mt_##name(TensorHandle a) { MT_TENSOR(at::name(*a)) }
MT_UNARY(neg) MT_UNARY(abs) MT_UNARY(sign) MT_UNARY(sqrt) MT_UNARY(rsqrt) MT_UNARY(exp) MT_UNARY(log)
MT_UNARY(log1p) MT_UNARY(expm1) MT_UNARY(log2) MT_UNARY(sin) MT_UNARY(cos) MT_UNARY(tan) MT_UNARY(tanh)
MT_UNARY(sigmoid) MT_UNARY(floor) MT_UNARY(ceil) MT_UNARY(round) MT_UNARY(trunc) MT_UNARY(reciprocal)
MT_UNARY(square) MT_UNARY(logical_not) MT_UNARY(isnan) MT_UNARY(isinf) MT_UNARY(isfinite) MT_UNARY(erf)
MT_UNARY(relu) MT_UNARY(atan) MT_UNARY(asin) MT_UNARY(acos)
#undef MT_UNARY
MT_EXPORT TensorHandle mt_clamp(TensorHandle a, double lo, double hi, int has_lo, int has_hi) {
  MT_TENSOR(at::clamp(*a, has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt, has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
MT_EXPORT TensorHandle mt_clamp_tensor(TensorHandle a, TensorHandle lo, TensorHandle hi) { MT_TENSOR(at::clamp(*a, mt::opt(lo), mt::opt(hi))) }
MT_EXPORT TensorHandle mt_nan_to_num(TensorHandle a, double nan, double posinf, double neginf) { MT_TENSOR(at::nan_to_num(*a, nan, posinf, neginf)) }

// ---- reductions; dims == nullptr/ndims == 0 means all ----
MT_EXPORT TensorHandle mt_sum(TensorHandle a, const int64_t* d, int n, int keepdim, int dtype) {
  MT_TENSOR(n == 0 ? at::sum(*a, opt_dtype(dtype)) : at::sum(*a, mt::dims(d, n), keepdim != 0, opt_dtype(dtype)))
}
MT_EXPORT TensorHandle mt_mean(TensorHandle a, const int64_t* d, int n, int keepdim) {
  MT_TENSOR(n == 0 ? at::mean(*a) : at::mean(*a, mt::dims(d, n), keepdim != 0))
}
MT_EXPORT TensorHandle mt_prod(TensorHandle a) { MT_TENSOR(at::prod(*a)) }
MT_EXPORT TensorHandle mt_var(TensorHandle a, const int64_t* d, int n, int unbiased, int keepdim) {
  MT_TENSOR(n == 0 ? at::var(*a, unbiased != 0) : at::var(*a, mt::dims(d, n), unbiased != 0, keepdim != 0))
}
MT_EXPORT TensorHandle mt_std(TensorHandle a, const int64_t* d, int n, int unbiased, int keepdim) {
  MT_TENSOR(n == 0 ? at::std(*a, unbiased != 0) : at::std(*a, mt::dims(d, n), unbiased != 0, keepdim != 0))
}
MT_EXPORT TensorHandle mt_norm(TensorHandle a, double p, const int64_t* d, int n, int keepdim) {
  MT_TENSOR(n == 0 ? at::norm(*a, p) : at::norm(*a, p, mt::dims(d, n), keepdim != 0))
}
MT_EXPORT TensorHandle mt_logsumexp(TensorHandle a, const int64_t* d, int n, int keepdim) { MT_TENSOR(at::logsumexp(*a, mt::dims(d, n), keepdim != 0)) }
MT_EXPORT TensorHandle mt_max_all(TensorHandle a) { MT_TENSOR(at::max(*a)) }
MT_EXPORT TensorHandle mt_min_all(TensorHandle a) { MT_TENSOR(at::min(*a)) }
MT_EXPORT TensorHandle mt_max_dim(TensorHandle a, int64_t dim, int keepdim, TensorHandle* indices) {
  MT_GUARD(nullptr, { auto r = at::max(*a, dim, keepdim != 0); *indices = mt::wrap(std::get<1>(r)); return mt::wrap(std::get<0>(r)); })
}
MT_EXPORT TensorHandle mt_min_dim(TensorHandle a, int64_t dim, int keepdim, TensorHandle* indices) {
  MT_GUARD(nullptr, { auto r = at::min(*a, dim, keepdim != 0); *indices = mt::wrap(std::get<1>(r)); return mt::wrap(std::get<0>(r)); })
}
MT_EXPORT TensorHandle mt_argmax(TensorHandle a, int64_t dim, int has_dim, int keepdim) {
  MT_TENSOR(at::argmax(*a, has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0))
}
MT_EXPORT TensorHandle mt_argmin(TensorHandle a, int64_t dim, int has_dim, int keepdim) {
  MT_TENSOR(at::argmin(*a, has_dim ? c10::optional<int64_t>(dim) : c10::nullopt, keepdim != 0))
}
MT_EXPORT TensorHandle mt_topk(TensorHandle a, int64_t k, int64_t dim, int largest, int sorted, TensorHandle* indices) {
  MT_GUARD(nullptr, { auto r = at::topk(*a, k, dim, largest != 0, sorted != 0); *indices = mt::wrap(std::get<1>(r)); return mt::wrap(std::get<0>(r)); })
}
MT_EXPORT TensorHandle mt_cumsum(TensorHandle a, int64_t dim) { MT_TENSOR(at::cumsum(*a, dim)) }
MT_EXPORT TensorHandle mt_cumprod(TensorHandle a, int64_t dim) { MT_TENSOR(at::cumprod(*a, dim)) }
MT_EXPORT TensorHandle mt_any(TensorHandle a) { MT_TENSOR(at::any(*a)) }
MT_EXPORT TensorHandle mt_all(TensorHandle a) { MT_TENSOR(at::all(*a)) }
MT_EXPORT int mt_allclose(TensorHandle a, TensorHandle b, double rtol, double atol) { MT_GUARD(-1, { return at::allclose(*a, *b, rtol, atol) ? 1 : 0; }) }
MT_EXPORT int mt_equal(TensorHandle a, TensorHandle b) { MT_GUARD(-1, { return at::equal(*a, *b) ? 1 : 0; }) }

// ---- linear algebra ----
MT_EXPORT TensorHandle mt_matmul(TensorHandle a, TensorHandle b) { MT_TENSOR(at::matmul(*a, *b)) }
MT_EXPORT TensorHandle mt_mm(TensorHandle a, TensorHandle b) { MT_TENSOR(at::mm(*a, *b)) }
MT_EXPORT TensorHandle mt_bmm(TensorHandle a, TensorHandle b) { MT_TENSOR(at::bmm(*a, *b)) }
MT_EXPORT TensorHandle mt_mv(TensorHandle a, TensorHandle b) { MT_TENSOR(at::mv(*a, *b)) }
MT_EXPORT TensorHandle mt_dot(TensorHandle a, TensorHandle b) { MT_TENSOR(at::dot(*a, *b)) }
MT_EXPORT TensorHandle mt_outer(TensorHandle a, TensorHandle b) { MT_TENSOR(at::outer(*a, *b)) }
MT_EXPORT TensorHandle mt_addmm(TensorHandle c, TensorHandle a, TensorHandle b, double beta, double alpha) { MT_TENSOR(at::addmm(*c, *a, *b, beta, alpha)) }
MT_EXPORT TensorHandle mt_einsum(const char* eq, TensorHandle* ts, int n) { MT_TENSOR(at::einsum(eq, mt::tensors(ts, n))) }
MT_EXPORT TensorHandle mt_linalg_eigh(TensorHandle a, const char* uplo, TensorHandle* vectors) {
  MT_GUARD(nullptr, { auto r = at::linalg_eigh(*a, uplo); *vectors = mt::wrap(std::get<1>(r)); return mt::wrap(std::get<0>(r)); })
}
MT_EXPORT TensorHandle mt_linalg_solve(TensorHandle a, TensorHandle b) { MT_TENSOR(at::linalg_solve(*a, *b)) }
MT_EXPORT TensorHandle mt_linalg_pinv(TensorHandle a, double rcond) { MT_TENSOR(at::linalg_pinv(*a, rcond)) }
MT_EXPORT TensorHandle mt_linalg_inv(TensorHandle a) { MT_TENSOR(at::linalg_inv(*a)) }
MT_EXPORT TensorHandle mt_linalg_norm(TensorHandle a, double ord, const int64_t* d, int n, int keepdim) {
  MT_TENSOR(at::linalg_vector_norm(*a, ord, n == 0 ? c10::nullopt : c10::optional<at::IntArrayRef>(mt::dims(d, n)), keepdim != 0))
}
MT_EXPORT TensorHandle mt_linalg_det(TensorHandle a) { MT_TENSOR(at::linalg_det(*a)) }
MT_EXPORT TensorHandle mt_linalg_cholesky(TensorHandle a) { MT_TENSOR(at::linalg_cholesky(*a)) }
MT_EXPORT TensorHandle mt_linalg_svd(TensorHandle a, int full, TensorHandle* u, TensorHandle* vh) {
  MT_GUARD(nullptr, {
    auto r = at::linalg_svd(*a, full != 0);
    *u = mt::wrap(std::get<0>(r));
    *vh = mt::wrap(std::get<2>(r));
    return mt::wrap(std::get<1>(r));
  })
}
