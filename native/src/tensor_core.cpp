// Tensor lifetime, properties, raw data access, creation and shape/indexing operations.
#include "mt.h"
#include <cstring>

namespace {
at::TensorOptions options(int dtype, int device_type, int device_index) {
  return at::TensorOptions()
      .dtype(static_cast<at::ScalarType>(dtype))
      .device(at::Device(static_cast<at::DeviceType>(device_type), static_cast<at::DeviceIndex>(device_index)));
}
// ATen factories ignore TensorOptions::requires_grad (only torch:: factories honour it), so set it afterwards.
at::Tensor leaf(at::Tensor t, int requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}
}  // namespace

// ---- lifetime and properties ----
MT_EXPORT void mt_free(TensorHandle t) { delete t; }
MT_EXPORT int mt_dim(TensorHandle t) { return static_cast<int>(t->dim()); }
MT_EXPORT int mt_shape(TensorHandle t, int64_t* out, int capacity) {
  int n = static_cast<int>(t->dim());
  for (int i = 0; i < n && i < capacity; i++) out[i] = t->size(i);
  return n;
}
MT_EXPORT int64_t mt_numel(TensorHandle t) { return t->numel(); }
MT_EXPORT int mt_dtype(TensorHandle t) { return static_cast<int>(t->scalar_type()); }
MT_EXPORT int mt_device_type(TensorHandle t) { return static_cast<int>(t->device().type()); }
MT_EXPORT int mt_device_index(TensorHandle t) { return t->device().index(); }
MT_EXPORT int mt_is_contiguous(TensorHandle t) { return t->is_contiguous() ? 1 : 0; }
MT_EXPORT int mt_defined(TensorHandle t) { return t->defined() ? 1 : 0; }
MT_EXPORT int64_t mt_element_size(TensorHandle t) { return static_cast<int64_t>(t->element_size()); }

// Copies the tensor's elements (row-major, as its dtype) into dst; converts device/contiguity first.
MT_EXPORT int mt_copy_to(TensorHandle t, void* dst, int64_t bytes) {
  MT_VOID({
    at::Tensor c = t->detach().to(at::kCPU).contiguous();
    int64_t need = c.numel() * static_cast<int64_t>(c.element_size());
    TORCH_CHECK(bytes == need, "destination holds ", bytes, " bytes but the tensor has ", need);
    std::memcpy(dst, c.data_ptr(), static_cast<size_t>(need));
  })
}
// Pointer to the data of a contiguous CPU tensor (for zero-copy reads/writes); null otherwise.
MT_EXPORT void* mt_data_ptr(TensorHandle t) {
  MT_GUARD(nullptr, {
    TORCH_CHECK(t->device().is_cpu(), "data access needs a CPU tensor");
    TORCH_CHECK(t->is_contiguous(), "data access needs a contiguous tensor");
    return t->data_ptr();
  })
}
MT_EXPORT double mt_item_double(TensorHandle t) { MT_GUARD(0.0, { return t->item<double>(); }) }
MT_EXPORT int64_t mt_item_long(TensorHandle t) { MT_GUARD(0, { return t->item<int64_t>(); }) }

// ---- creation ----
MT_EXPORT TensorHandle mt_from_blob(const void* data, const int64_t* shape, int ndim, int dtype, int requires_grad) {
  MT_TENSOR(({
    auto st = static_cast<at::ScalarType>(dtype);
    at::Tensor t = at::empty(mt::dims(shape, ndim), at::TensorOptions().dtype(st));
    if (t.numel() > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(t.numel() * t.element_size()));
    t.set_requires_grad(requires_grad != 0);
    t;
  }))
}
MT_EXPORT TensorHandle mt_empty(const int64_t* shape, int ndim, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::empty(mt::dims(shape, ndim), options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_zeros(const int64_t* shape, int ndim, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::zeros(mt::dims(shape, ndim), options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_ones(const int64_t* shape, int ndim, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::ones(mt::dims(shape, ndim), options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_full(const int64_t* shape, int ndim, double value, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::full(mt::dims(shape, ndim), value, options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_rand(const int64_t* shape, int ndim, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::rand(mt::dims(shape, ndim), options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_randn(const int64_t* shape, int ndim, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::randn(mt::dims(shape, ndim), options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_randint(int64_t low, int64_t high, const int64_t* shape, int ndim, int dtype, int dev, int di) { MT_TENSOR(at::randint(low, high, mt::dims(shape, ndim), options(dtype, dev, di))) }
MT_EXPORT TensorHandle mt_randperm(int64_t n, int dtype, int dev, int di) { MT_TENSOR(at::randperm(n, options(dtype, dev, di))) }
MT_EXPORT TensorHandle mt_arange(double start, double end, double step, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::arange(start, end, step, options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_linspace(double start, double end, int64_t steps, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::linspace(start, end, steps, options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_eye(int64_t n, int64_t m, int dtype, int dev, int di, int rg) { MT_TENSOR(leaf(at::eye(n, m, options(dtype, dev, di)), rg)) }
MT_EXPORT TensorHandle mt_bernoulli(TensorHandle p) { MT_TENSOR(at::bernoulli(*p)) }
MT_EXPORT TensorHandle mt_multinomial(TensorHandle p, int64_t n, int replacement) { MT_TENSOR(at::multinomial(*p, n, replacement != 0)) }
MT_EXPORT TensorHandle mt_normal_(TensorHandle t, double mean, double std) { MT_TENSOR(t->normal_(mean, std)) }
MT_EXPORT TensorHandle mt_uniform_(TensorHandle t, double from, double to) { MT_TENSOR(t->uniform_(from, to)) }
MT_EXPORT TensorHandle mt_bernoulli_p_(TensorHandle t, double p) { MT_TENSOR(t->bernoulli_(p)) }

// ---- conversion ----
MT_EXPORT TensorHandle mt_to(TensorHandle t, int dtype, int dev, int di, int copy) {
  MT_TENSOR(t->to(at::Device(static_cast<at::DeviceType>(dev), static_cast<at::DeviceIndex>(di)), static_cast<at::ScalarType>(dtype), false, copy != 0))
}
MT_EXPORT TensorHandle mt_clone(TensorHandle t) { MT_TENSOR(t->clone()) }
MT_EXPORT TensorHandle mt_contiguous(TensorHandle t) { MT_TENSOR(t->contiguous()) }
MT_EXPORT TensorHandle mt_alias(TensorHandle t) { MT_TENSOR(at::Tensor(*t)) }

// ---- shape ----
MT_EXPORT TensorHandle mt_view(TensorHandle t, const int64_t* s, int n) { MT_TENSOR(t->view(mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_reshape(TensorHandle t, const int64_t* s, int n) { MT_TENSOR(t->reshape(mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_permute(TensorHandle t, const int64_t* s, int n) { MT_TENSOR(t->permute(mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_expand(TensorHandle t, const int64_t* s, int n) { MT_TENSOR(t->expand(mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_repeat(TensorHandle t, const int64_t* s, int n) { MT_TENSOR(t->repeat(mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_flip(TensorHandle t, const int64_t* s, int n) { MT_TENSOR(t->flip(mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_roll(TensorHandle t, const int64_t* shifts, const int64_t* ds, int n) { MT_TENSOR(t->roll(mt::dims(shifts, n), mt::dims(ds, n))) }
MT_EXPORT TensorHandle mt_transpose(TensorHandle t, int64_t a, int64_t b) { MT_TENSOR(t->transpose(a, b)) }
MT_EXPORT TensorHandle mt_flatten(TensorHandle t, int64_t a, int64_t b) { MT_TENSOR(t->flatten(a, b)) }
MT_EXPORT TensorHandle mt_unflatten(TensorHandle t, int64_t dim, const int64_t* s, int n) { MT_TENSOR(t->unflatten(dim, mt::dims(s, n))) }
MT_EXPORT TensorHandle mt_squeeze(TensorHandle t) { MT_TENSOR(t->squeeze()) }
MT_EXPORT TensorHandle mt_squeeze_dim(TensorHandle t, int64_t d) { MT_TENSOR(t->squeeze(d)) }
MT_EXPORT TensorHandle mt_unsqueeze(TensorHandle t, int64_t d) { MT_TENSOR(t->unsqueeze(d)) }
MT_EXPORT TensorHandle mt_cat(TensorHandle* ts, int n, int64_t dim) { MT_TENSOR(at::cat(mt::tensors(ts, n), dim)) }
MT_EXPORT TensorHandle mt_stack(TensorHandle* ts, int n, int64_t dim) { MT_TENSOR(at::stack(mt::tensors(ts, n), dim)) }
MT_EXPORT int mt_split(TensorHandle t, const int64_t* sizes, int n, int64_t dim, TensorHandle* out, int cap) {
  MT_GUARD(-1, { return mt::out_list(t->split_with_sizes(mt::dims(sizes, n), dim), out, cap); })
}
MT_EXPORT int mt_split_size(TensorHandle t, int64_t size, int64_t dim, TensorHandle* out, int cap) {
  MT_GUARD(-1, { return mt::out_list(t->split(size, dim), out, cap); })
}
MT_EXPORT int mt_chunk(TensorHandle t, int64_t chunks, int64_t dim, TensorHandle* out, int cap) {
  MT_GUARD(-1, { return mt::out_list(t->chunk(chunks, dim), out, cap); })
}
MT_EXPORT int mt_unbind(TensorHandle t, int64_t dim, TensorHandle* out, int cap) {
  MT_GUARD(-1, { return mt::out_list(t->unbind(dim), out, cap); })
}

// ---- indexing ----
MT_EXPORT TensorHandle mt_narrow(TensorHandle t, int64_t dim, int64_t start, int64_t len) { MT_TENSOR(t->narrow(dim, start, len)) }
MT_EXPORT TensorHandle mt_select(TensorHandle t, int64_t dim, int64_t index) { MT_TENSOR(t->select(dim, index)) }
MT_EXPORT TensorHandle mt_slice(TensorHandle t, int64_t dim, int64_t start, int64_t end, int64_t step) { MT_TENSOR(t->slice(dim, start, end, step)) }
MT_EXPORT TensorHandle mt_index_select(TensorHandle t, int64_t dim, TensorHandle idx) { MT_TENSOR(t->index_select(dim, *idx)) }
MT_EXPORT TensorHandle mt_index(TensorHandle t, TensorHandle idx) { MT_TENSOR(t->index({*idx})) }
MT_EXPORT TensorHandle mt_index_put_(TensorHandle t, TensorHandle idx, TensorHandle v) { MT_TENSOR(t->index_put_({*idx}, *v)) }
MT_EXPORT TensorHandle mt_gather(TensorHandle t, int64_t dim, TensorHandle idx) { MT_TENSOR(t->gather(dim, *idx)) }
MT_EXPORT TensorHandle mt_scatter(TensorHandle t, int64_t dim, TensorHandle idx, TensorHandle src) { MT_TENSOR(t->scatter(dim, *idx, *src)) }
MT_EXPORT TensorHandle mt_scatter_add(TensorHandle t, int64_t dim, TensorHandle idx, TensorHandle src) { MT_TENSOR(t->scatter_add(dim, *idx, *src)) }
MT_EXPORT TensorHandle mt_masked_fill(TensorHandle t, TensorHandle mask, double v) { MT_TENSOR(t->masked_fill(*mask, v)) }
MT_EXPORT TensorHandle mt_masked_select(TensorHandle t, TensorHandle mask) { MT_TENSOR(t->masked_select(*mask)) }
MT_EXPORT TensorHandle mt_one_hot(TensorHandle t, int64_t n) { MT_TENSOR(at::one_hot(*t, n)) }
MT_EXPORT TensorHandle mt_nonzero(TensorHandle t) { MT_TENSOR(t->nonzero()) }
MT_EXPORT TensorHandle mt_tril(TensorHandle t, int64_t d) { MT_TENSOR(t->tril(d)) }
MT_EXPORT TensorHandle mt_triu(TensorHandle t, int64_t d) { MT_TENSOR(t->triu(d)) }
MT_EXPORT TensorHandle mt_diag(TensorHandle t, int64_t d) { MT_TENSOR(t->diag(d)) }
MT_EXPORT TensorHandle mt_diagonal(TensorHandle t, int64_t o, int64_t a, int64_t b) { MT_TENSOR(t->diagonal(o, a, b)) }
MT_EXPORT TensorHandle mt_sort(TensorHandle t, int64_t dim, int descending, TensorHandle* indices) {
  MT_GUARD(nullptr, { auto r = t->sort(dim, descending != 0); *indices = mt::wrap(std::get<1>(r)); return mt::wrap(std::get<0>(r)); })
}
MT_EXPORT TensorHandle mt_argsort(TensorHandle t, int64_t dim, int descending) { MT_TENSOR(t->argsort(dim, descending != 0)) }
