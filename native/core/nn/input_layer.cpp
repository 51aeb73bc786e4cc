#include "nn/input_layer.hpp"

#include "common/error.hpp"
#include "hw/cpu.hpp"

namespace mlpe::nn {

bool InputLayerKernelsRun(int64_t n_in) {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool avx512 = hw::Cpu().UsableAvx512();
  return avx512 && n_in >= 1 && n_in <= kInputLayerMaxInputs;
#else
  (void)n_in;
  return false;
#endif
}

void TransposeForInputLayer(const float* w1, int64_t w0, int64_t w1_width, float* w1t) {
  if (!InputLayerKernelsRun(1)) {
    throw Error("INTERNAL", "TransposeForInputLayer(float) called where the input-layer kernels do not run");
  }
#if defined(__x86_64__) || defined(_M_X64)
  TransposeForInputLayerAvx512(w1, w0, w1_width, w1t);
#endif
}

void InputLayerForward(const float* x, int64_t n_in, const float* w0, const float* b0, int64_t w0_width, int64_t m,
                       float* h0) {
  if (!InputLayerKernelsRun(n_in)) {
    throw Error("INTERNAL", "InputLayerForward called where it does not run (needs AVX-512 and at most 8 inputs)");
  }
#if defined(__x86_64__) || defined(_M_X64)
  InputLayerForwardAvx512(x, n_in, w0, b0, w0_width, m, h0);
#endif
}

void InputLayerBackward(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                        const float* x, int64_t n_in, int64_t m, float* dw0, float* db0) {
  if (!InputLayerKernelsRun(n_in)) {
    throw Error("INTERNAL", "InputLayerBackward called where it does not run (needs AVX-512 and at most 8 inputs)");
  }
#if defined(__x86_64__) || defined(_M_X64)
  InputLayerBackwardAvx512(dz1, w1_width, w1t, h0, w0, x, n_in, m, dw0, db0);
#endif
}

}  // namespace mlpe::nn
