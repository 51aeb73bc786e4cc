#include "nn/input_layer_backward.hpp"

#include "common/error.hpp"
#include "hw/cpu.hpp"

namespace mlpe::nn {

bool InputLayerBackwardFuses(int64_t n_in) {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool avx512 = hw::Cpu().UsableAvx512();
  return avx512 && n_in >= 1 && n_in <= kInputLayerMaxInputs;
#else
  (void)n_in;
  return false;
#endif
}

void InputLayerBackward(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                        const float* x, int64_t n_in, int64_t m, float* dw0, float* db0) {
  if (!InputLayerBackwardFuses(n_in)) {
    throw Error("INTERNAL", "InputLayerBackward called where it does not run (needs AVX-512 and at most 8 inputs)");
  }
#if defined(__x86_64__) || defined(_M_X64)
  InputLayerBackwardAvx512(dz1, w1_width, w1t, h0, w0, x, n_in, m, dw0, db0);
#endif
}

}  // namespace mlpe::nn
