// Shared helpers of the C ABI: handle types, export macro, and the error guard.
// No C++ exception may cross into .NET: every entry point runs its body inside MT_GUARD,
// which stores the message in a thread-local string and returns a neutral value instead.
#pragma once
#include <torch/torch.h>
#include <cstdint>
#include <string>
#include <vector>

#define MT_EXPORT extern "C" __attribute__((visibility("default")))

typedef at::Tensor* TensorHandle;

namespace mt {
void set_error(const char* message);
void clear_error();

inline TensorHandle wrap(at::Tensor&& t) { return new at::Tensor(std::move(t)); }
inline TensorHandle wrap(const at::Tensor& t) { return new at::Tensor(t); }
inline at::IntArrayRef dims(const int64_t* p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }
inline std::vector<at::Tensor> tensors(TensorHandle* hs, int n) {
  std::vector<at::Tensor> v;
  v.reserve(n);
  for (int i = 0; i < n; i++) v.push_back(hs[i] ? *hs[i] : at::Tensor());
  return v;
}
inline c10::optional<at::Tensor> opt(TensorHandle h) {
  return h ? c10::optional<at::Tensor>(*h) : c10::nullopt;
}
// Writes a list of result tensors into a caller-allocated array of handles.
inline int out_list(const std::vector<at::Tensor>& ts, TensorHandle* out, int capacity) {
  int n = static_cast<int>(ts.size());
  if (n > capacity) { set_error("internal: result list larger than the provided buffer"); return -1; }
  for (int i = 0; i < n; i++) out[i] = wrap(ts[i]);
  return n;
}
}  // namespace mt

#define MT_GUARD(fail_value, body)                          \
  try {                                                     \
    body                                                    \
  } catch (const c10::Error& e) {                           \
    mt::set_error(e.what_without_backtrace());              \
  } catch (const std::exception& e) {                       \
    mt::set_error(e.what());                                \
  } catch (...) {                                           \
    mt::set_error("unknown native error");                  \
  }                                                         \
  return fail_value;

// Returns a new tensor handle computed by expr, or nullptr with the error set.
#define MT_TENSOR(expr) MT_GUARD(nullptr, { return mt::wrap(expr); })
// Runs a statement; returns 0 on success, -1 with the error set.
#define MT_VOID(stmt) MT_GUARD(-1, { stmt; return 0; })
