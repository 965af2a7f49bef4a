// Fused optimizer updates: one call per parameter instead of a chain of element-wise ops, each of which would read and
// write the whole tensor and cross the managed/native boundary. Contiguous CPU float/double tensors take a single pass
// (parallelised by ATen); anything else falls back to the same maths with ATen ops.
#include "mt.h"
#include <ATen/Parallel.h>
#include <cmath>

namespace {
template <typename T>
void adam_pass(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, double lr, double beta1, double beta2, double eps,
               double weight_decay, double bias1, double bias2, bool decoupled, bool maximize) {
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2);
  const T one_b1 = static_cast<T>(1 - beta1), one_b2 = static_cast<T>(1 - beta2);
  const T step = static_cast<T>(lr / bias1), inv_sqrt_bias2 = static_cast<T>(1 / std::sqrt(bias2));
  const T e = static_cast<T>(eps), wd = static_cast<T>(weight_decay), decay = static_cast<T>(1 - lr * weight_decay);
  at::parallel_for(0, n, 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      T grad = maximize ? -g[i] : g[i];
      T param = p[i];
      if (weight_decay != 0) {
        if (decoupled) param *= decay;
        else grad += wd * param;
      }
      T mi = b1 * m[i] + one_b1 * grad;
      T vi = b2 * v[i] + one_b2 * grad * grad;
      m[i] = mi;
      v[i] = vi;
      T second = vi;
      if (vmax) {
        second = vmax[i] > vi ? vmax[i] : vi;
        vmax[i] = second;
      }
      p[i] = param - step * mi / (std::sqrt(second) * inv_sqrt_bias2 + e);
    }
  });
}

bool fusable(const at::Tensor& p, std::initializer_list<const at::Tensor*> others) {
  if (!p.device().is_cpu() || !p.is_contiguous()) return false;
  if (p.scalar_type() != at::kFloat && p.scalar_type() != at::kDouble) return false;
  for (const at::Tensor* t : others)
    if (t && (!t->is_contiguous() || t->scalar_type() != p.scalar_type() || t->numel() != p.numel() || !t->device().is_cpu())) return false;
  return true;
}
}  // namespace

// Adam / AdamW step for one parameter (PyTorch's update rule). max_exp_avg_sq may be null (no AMSGrad).
// bias1 = 1 − β₁ᵗ, bias2 = 1 − β₂ᵗ for the step t being taken.
MT_EXPORT int mt_adam_update(TensorHandle param, TensorHandle grad, TensorHandle exp_avg, TensorHandle exp_avg_sq,
                             TensorHandle max_exp_avg_sq, double lr, double beta1, double beta2, double eps, double weight_decay,
                             double bias1, double bias2, int decoupled, int maximize) {
  MT_VOID({
    at::NoGradGuard no_grad;
    at::Tensor& p = *param;
    const at::Tensor& g = *grad;
    TORCH_CHECK(g.sizes() == p.sizes(), "gradient shape ", g.sizes(), " does not match parameter shape ", p.sizes());
    if (fusable(p, {&g, exp_avg, exp_avg_sq, max_exp_avg_sq})) {
      if (p.scalar_type() == at::kFloat)
        adam_pass<float>(p.data_ptr<float>(), g.data_ptr<float>(), exp_avg->data_ptr<float>(), exp_avg_sq->data_ptr<float>(),
                         max_exp_avg_sq ? max_exp_avg_sq->data_ptr<float>() : nullptr, p.numel(), lr, beta1, beta2, eps,
                         weight_decay, bias1, bias2, decoupled != 0, maximize != 0);
      else
        adam_pass<double>(p.data_ptr<double>(), g.data_ptr<double>(), exp_avg->data_ptr<double>(), exp_avg_sq->data_ptr<double>(),
                          max_exp_avg_sq ? max_exp_avg_sq->data_ptr<double>() : nullptr, p.numel(), lr, beta1, beta2, eps,
                          weight_decay, bias1, bias2, decoupled != 0, maximize != 0);
      return 0;
    }
    at::Tensor d = maximize ? -g : g;
    if (weight_decay != 0) {
      if (decoupled) p.mul_(1 - lr * weight_decay);
      else d = d.add(p, weight_decay);
    }
    exp_avg->mul_(beta1).add_(d, 1 - beta1);
    exp_avg_sq->mul_(beta2).addcmul_(d, d, 1 - beta2);
    at::Tensor second = *exp_avg_sq;
    if (max_exp_avg_sq) {
      at::maximum_out(*max_exp_avg_sq, *max_exp_avg_sq, *exp_avg_sq);
      second = *max_exp_avg_sq;
    }
    at::Tensor denom = (second.sqrt() / std::sqrt(bias2)).add_(eps);
    p.addcdiv_(*exp_avg, denom, -lr / bias1);
  })
}
