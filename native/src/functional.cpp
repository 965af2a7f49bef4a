// nn.functional: layers, activations, normalisation, pooling, losses, resampling, and nn.init.
#include "mt.h"
#include <ATen/native/Pool.h>

namespace {
c10::optional<at::IntArrayRef> opt_dims(const int64_t* p, int n) {
  return n == 0 ? c10::nullopt : c10::optional<at::IntArrayRef>(mt::dims(p, n));
}
}  // namespace

// ---- layers ----
MT_EXPORT TensorHandle mt_linear(TensorHandle x, TensorHandle w, TensorHandle b) { MT_TENSOR(at::linear(*x, *w, mt::opt(b))) }
MT_EXPORT TensorHandle mt_conv2d(TensorHandle x, TensorHandle w, TensorHandle b, const int64_t* stride, const int64_t* padding,
                                 const int64_t* dilation, int64_t groups) {
  MT_TENSOR(at::conv2d(*x, *w, mt::opt(b), mt::dims(stride, 2), mt::dims(padding, 2), mt::dims(dilation, 2), groups))
}
MT_EXPORT TensorHandle mt_conv1d(TensorHandle x, TensorHandle w, TensorHandle b, int64_t stride, int64_t padding, int64_t dilation, int64_t groups) {
  MT_TENSOR(at::conv1d(*x, *w, mt::opt(b), stride, padding, dilation, groups))
}
MT_EXPORT TensorHandle mt_max_pool2d(TensorHandle x, const int64_t* k, const int64_t* s, const int64_t* p, const int64_t* d, int ceil_mode) {
  MT_TENSOR(at::max_pool2d(*x, mt::dims(k, 2), mt::dims(s, 2), mt::dims(p, 2), mt::dims(d, 2), ceil_mode != 0))
}
MT_EXPORT TensorHandle mt_avg_pool2d(TensorHandle x, const int64_t* k, const int64_t* s, const int64_t* p, int ceil_mode, int count_include_pad) {
  MT_TENSOR(at::avg_pool2d(*x, mt::dims(k, 2), mt::dims(s, 2), mt::dims(p, 2), ceil_mode != 0, count_include_pad != 0))
}
MT_EXPORT TensorHandle mt_adaptive_avg_pool2d(TensorHandle x, const int64_t* size) { MT_TENSOR(at::adaptive_avg_pool2d(*x, mt::dims(size, 2))) }
MT_EXPORT TensorHandle mt_batch_norm(TensorHandle x, TensorHandle w, TensorHandle b, TensorHandle rm, TensorHandle rv, int training,
                                     double momentum, double eps) {
  MT_TENSOR(at::batch_norm(*x, mt::opt(w), mt::opt(b), mt::opt(rm), mt::opt(rv), training != 0, momentum, eps, true))
}
MT_EXPORT TensorHandle mt_group_norm(TensorHandle x, int64_t groups, TensorHandle w, TensorHandle b, double eps) {
  MT_TENSOR(at::group_norm(*x, groups, mt::opt(w), mt::opt(b), eps, true))
}
MT_EXPORT TensorHandle mt_layer_norm(TensorHandle x, const int64_t* shape, int n, TensorHandle w, TensorHandle b, double eps) {
  MT_TENSOR(at::layer_norm(*x, mt::dims(shape, n), mt::opt(w), mt::opt(b), eps, true))
}
MT_EXPORT TensorHandle mt_dropout(TensorHandle x, double p, int training) { MT_TENSOR(at::dropout(*x, p, training != 0)) }
MT_EXPORT TensorHandle mt_dropout2d(TensorHandle x, double p, int training) { MT_TENSOR(at::feature_dropout(*x, p, training != 0)) }

// ---- activations ----
MT_EXPORT TensorHandle mt_leaky_relu(TensorHandle x, double slope) { MT_TENSOR(at::leaky_relu(*x, slope)) }
MT_EXPORT TensorHandle mt_gelu(TensorHandle x, int tanh_approx) { MT_TENSOR(at::gelu(*x, tanh_approx ? "tanh" : "none")) }
MT_EXPORT TensorHandle mt_elu(TensorHandle x, double alpha) { MT_TENSOR(at::elu(*x, alpha)) }
MT_EXPORT TensorHandle mt_softplus(TensorHandle x, double beta, double threshold) { MT_TENSOR(at::softplus(*x, beta, threshold)) }
MT_EXPORT TensorHandle mt_softmax(TensorHandle x, int64_t dim) { MT_TENSOR(at::softmax(*x, dim)) }
MT_EXPORT TensorHandle mt_log_softmax(TensorHandle x, int64_t dim) { MT_TENSOR(at::log_softmax(*x, dim)) }

// ---- losses (reduction: 0 none, 1 mean, 2 sum) ----
MT_EXPORT TensorHandle mt_cross_entropy(TensorHandle x, TensorHandle target, TensorHandle weight, int reduction, int64_t ignore_index,
                                        double label_smoothing) {
  MT_TENSOR(at::cross_entropy_loss(*x, *target, mt::opt(weight), reduction, ignore_index, label_smoothing))
}
MT_EXPORT TensorHandle mt_nll_loss(TensorHandle x, TensorHandle target, TensorHandle weight, int reduction, int64_t ignore_index) {
  MT_TENSOR(at::nll_loss_nd(*x, *target, mt::opt(weight), reduction, ignore_index))
}
MT_EXPORT TensorHandle mt_mse_loss(TensorHandle x, TensorHandle y, int reduction) { MT_TENSOR(at::mse_loss(*x, *y, reduction)) }
MT_EXPORT TensorHandle mt_l1_loss(TensorHandle x, TensorHandle y, int reduction) { MT_TENSOR(at::l1_loss(*x, *y, reduction)) }
MT_EXPORT TensorHandle mt_smooth_l1_loss(TensorHandle x, TensorHandle y, int reduction, double beta) { MT_TENSOR(at::smooth_l1_loss(*x, *y, reduction, beta)) }
MT_EXPORT TensorHandle mt_bce_with_logits(TensorHandle x, TensorHandle y, TensorHandle weight, TensorHandle pos_weight, int reduction) {
  MT_TENSOR(at::binary_cross_entropy_with_logits(*x, *y, mt::opt(weight), mt::opt(pos_weight), reduction))
}
MT_EXPORT TensorHandle mt_binary_cross_entropy(TensorHandle x, TensorHandle y, TensorHandle weight, int reduction) {
  MT_TENSOR(at::binary_cross_entropy(*x, *y, mt::opt(weight), reduction))
}

// ---- resampling ----
// mode: 0 constant, 1 reflect, 2 replicate, 3 circular (mapped to ATen's padding_mode order: reflect, replicate, circular, constant)
MT_EXPORT TensorHandle mt_pad(TensorHandle x, const int64_t* pad, int n, int mode, double value) {
  MT_TENSOR(({
    static const int64_t aten_mode[] = {3, 0, 1, 2};
    TORCH_CHECK(mode >= 0 && mode < 4, "unknown padding mode ", mode);
    at::_pad_enum(*x, mt::dims(pad, n), aten_mode[mode], mode == 0 ? c10::optional<double>(value) : c10::nullopt);
  }))
}
// mode: 0 nearest, 1 bilinear, 2 bicubic, 3 area; size or scale (pass n_size = 0 to use the scales)
MT_EXPORT TensorHandle mt_interpolate(TensorHandle x, const int64_t* size, int n_size, const double* scale, int n_scale, int mode, int align_corners) {
  MT_TENSOR(({
    TORCH_CHECK(x->dim() == 4, "interpolate expects a 4-D (N, C, H, W) input, got ", x->dim(), " dimensions");
    c10::optional<at::IntArrayRef> out_size = opt_dims(size, n_size);
    c10::optional<at::ArrayRef<double>> scales = n_scale == 0 ? c10::nullopt : c10::optional<at::ArrayRef<double>>(at::ArrayRef<double>(scale, n_scale));
    at::Tensor r;
    switch (mode) {
      case 0: r = at::upsample_nearest2d(*x, out_size, scales); break;
      case 1: r = at::upsample_bilinear2d(*x, out_size, align_corners != 0, scales); break;
      case 2: r = at::upsample_bicubic2d(*x, out_size, align_corners != 0, scales); break;
      case 3: TORCH_CHECK(n_size == 2, "area interpolation needs an output size"); r = at::adaptive_avg_pool2d(*x, *out_size); break;
      default: TORCH_CHECK(false, "unknown interpolation mode ", mode);
    }
    r;
  }))
}
// mode: 0 bilinear, 1 nearest, 2 bicubic; padding: 0 zeros, 1 border, 2 reflection
MT_EXPORT TensorHandle mt_grid_sample(TensorHandle x, TensorHandle grid, int mode, int padding, int align_corners) {
  MT_TENSOR(at::grid_sampler(*x, *grid, mode, padding, align_corners != 0))
}
MT_EXPORT TensorHandle mt_affine_grid(TensorHandle theta, const int64_t* size, int n, int align_corners) {
  MT_TENSOR(at::affine_grid_generator(*theta, mt::dims(size, n), align_corners != 0))
}
MT_EXPORT TensorHandle mt_unfold(TensorHandle x, const int64_t* k, const int64_t* d, const int64_t* p, const int64_t* s) {
  MT_TENSOR(at::im2col(*x, mt::dims(k, 2), mt::dims(d, 2), mt::dims(p, 2), mt::dims(s, 2)))
}
MT_EXPORT TensorHandle mt_fold(TensorHandle x, const int64_t* out, const int64_t* k, const int64_t* d, const int64_t* p, const int64_t* s) {
  MT_TENSOR(at::col2im(*x, mt::dims(out, 2), mt::dims(k, 2), mt::dims(d, 2), mt::dims(p, 2), mt::dims(s, 2)))
}

// ---- nn.init (in place, without recording gradients) ----
// nonlinearity: 0 linear, 1 relu, 2 leaky_relu, 3 tanh, 4 sigmoid; mode: 0 fan_in, 1 fan_out
namespace {
torch::nn::init::NonlinearityType nonlinearity(int n) {
  switch (n) {
    case 0: return torch::kLinear;
    case 1: return torch::kReLU;
    case 2: return torch::kLeakyReLU;
    case 3: return torch::kTanh;
    case 4: return torch::kSigmoid;
    default: TORCH_CHECK(false, "unknown nonlinearity code ", n);
  }
}
torch::nn::init::FanModeType fan_mode(int m) { return m == 0 ? torch::nn::init::FanModeType(torch::kFanIn) : torch::nn::init::FanModeType(torch::kFanOut); }
}  // namespace
MT_EXPORT int mt_init_kaiming_uniform_(TensorHandle t, double a, int mode, int nl) { MT_VOID(torch::nn::init::kaiming_uniform_(*t, a, fan_mode(mode), nonlinearity(nl))) }
MT_EXPORT int mt_init_kaiming_normal_(TensorHandle t, double a, int mode, int nl) { MT_VOID(torch::nn::init::kaiming_normal_(*t, a, fan_mode(mode), nonlinearity(nl))) }
MT_EXPORT int mt_init_xavier_uniform_(TensorHandle t, double gain) { MT_VOID(torch::nn::init::xavier_uniform_(*t, gain)) }
MT_EXPORT int mt_init_xavier_normal_(TensorHandle t, double gain) { MT_VOID(torch::nn::init::xavier_normal_(*t, gain)) }
MT_EXPORT int mt_init_normal_(TensorHandle t, double mean, double std) { MT_VOID(torch::nn::init::normal_(*t, mean, std)) }
MT_EXPORT int mt_init_uniform_(TensorHandle t, double a, double b) { MT_VOID(torch::nn::init::uniform_(*t, a, b)) }
MT_EXPORT int mt_init_constant_(TensorHandle t, double v) { MT_VOID(torch::nn::init::constant_(*t, v)) }
MT_EXPORT int mt_init_zeros_(TensorHandle t) { MT_VOID(torch::nn::init::zeros_(*t)) }
MT_EXPORT int mt_init_ones_(TensorHandle t) { MT_VOID(torch::nn::init::ones_(*t)) }
MT_EXPORT double mt_init_calculate_gain(int nl, double param) { MT_GUARD(0.0, { return torch::nn::init::calculate_gain(nonlinearity(nl), param); }) }
