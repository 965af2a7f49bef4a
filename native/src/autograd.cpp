// Autograd: requires_grad, .grad, backward, torch.autograd.grad and the grad-mode switch.
#include "mt.h"

MT_EXPORT int mt_requires_grad(TensorHandle t) { return t->requires_grad() ? 1 : 0; }
MT_EXPORT int mt_set_requires_grad(TensorHandle t, int value) { MT_VOID(t->set_requires_grad(value != 0)) }
MT_EXPORT int mt_is_leaf(TensorHandle t) { return t->is_leaf() ? 1 : 0; }
MT_EXPORT TensorHandle mt_detach(TensorHandle t) { MT_TENSOR(t->detach()) }
MT_EXPORT int mt_detach_(TensorHandle t) { MT_VOID(t->detach_()) }
MT_EXPORT int mt_retain_grad(TensorHandle t) { MT_VOID(t->retain_grad()) }

// Returns the gradient, or nullptr without an error when it is undefined.
MT_EXPORT TensorHandle mt_grad(TensorHandle t) {
  MT_GUARD(nullptr, {
    const at::Tensor& g = t->grad();
    return g.defined() ? mt::wrap(g) : nullptr;
  })
}
MT_EXPORT int mt_set_grad(TensorHandle t, TensorHandle g) { MT_VOID(t->mutable_grad() = g ? *g : at::Tensor()) }

MT_EXPORT int mt_backward(TensorHandle t, TensorHandle grad, int retain_graph, int create_graph) {
  MT_VOID({
    c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
    t->backward(grad ? *grad : at::Tensor(), retain, create_graph != 0);
  })
}

// Multi-output backward: accumulates into .grad of leaves for sum_i <grads_i, outputs_i>.
MT_EXPORT int mt_backward_many(TensorHandle* outputs, int n, TensorHandle* grads, int retain_graph, int create_graph) {
  MT_VOID({
    auto outs = mt::tensors(outputs, n);
    std::vector<at::Tensor> gs = grads ? mt::tensors(grads, n) : std::vector<at::Tensor>(n);
    c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
    torch::autograd::backward(outs, gs, retain, create_graph != 0);
  })
}

// torch.autograd.grad. Results written to out (count = ninputs); undefined results become nullptr.
MT_EXPORT int mt_autograd_grad(TensorHandle* outputs, int noutputs, TensorHandle* inputs, int ninputs,
                               TensorHandle* grad_outputs, int retain_graph, int create_graph, int allow_unused,
                               TensorHandle* out) {
  MT_VOID({
    auto outs = mt::tensors(outputs, noutputs);
    auto ins = mt::tensors(inputs, ninputs);
    std::vector<at::Tensor> gouts = grad_outputs ? mt::tensors(grad_outputs, noutputs) : std::vector<at::Tensor>(noutputs);
    c10::optional<bool> retain = retain_graph < 0 ? c10::nullopt : c10::optional<bool>(retain_graph != 0);
    auto res = torch::autograd::grad(outs, ins, gouts, retain, create_graph != 0, allow_unused != 0);
    for (int i = 0; i < ninputs; i++) out[i] = res[i].defined() ? mt::wrap(res[i]) : nullptr;
  })
}

// Grad mode is thread-local in libtorch, as in PyTorch.
MT_EXPORT int mt_is_grad_enabled() { return at::GradMode::is_enabled() ? 1 : 0; }
MT_EXPORT void mt_set_grad_enabled(int enabled) { at::GradMode::set_enabled(enabled != 0); }
