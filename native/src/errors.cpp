// Thread-local last-error storage and process-wide settings (threads, seed).
#include "mt.h"
#include <thread>
#include <malloc.h>

namespace {
thread_local std::string last_error;
thread_local bool has_error = false;
}

void mt::set_error(const char* message) { last_error = message ? message : "unknown error"; has_error = true; }
void mt::clear_error() { has_error = false; last_error.clear(); }

MT_EXPORT const char* mt_last_error() { return has_error ? last_error.c_str() : nullptr; }
MT_EXPORT void mt_clear_error() { mt::clear_error(); }

MT_EXPORT int mt_get_num_threads() { return at::get_num_threads(); }
MT_EXPORT int mt_set_num_threads(int n) { MT_VOID(at::set_num_threads(n)) }
MT_EXPORT int mt_manual_seed(int64_t seed) { MT_VOID(torch::manual_seed(static_cast<uint64_t>(seed))) }
MT_EXPORT int mt_cuda_is_available() { return torch::cuda::is_available() ? 1 : 0; }
MT_EXPORT int mt_cuda_device_count() { return static_cast<int>(torch::cuda::device_count()); }
MT_EXPORT const char* mt_version() { return TORCH_VERSION; }

// glibc serves large blocks (above a dynamic threshold) with mmap and returns them with munmap, so a training loop that
// allocates and frees the same large activations every step pays page faults and kernel page zeroing each time. Keeping
// blocks up to mmap_threshold in the heap, and not trimming it below trim_threshold, makes them reusable and warm.
MT_EXPORT int mt_tune_malloc(int64_t mmap_threshold, int64_t trim_threshold) {
  int ok = 1;
  if (mmap_threshold > 0) ok &= mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold));
  if (trim_threshold > 0) ok &= mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold));
  return ok ? 0 : -1;
}
