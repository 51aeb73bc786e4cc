#include "nn/input_layer.hpp"

#include <string>

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

namespace {
// The callers check InputLayerKernelsRun first; reaching a kernel without it is a bug, not bad input.
void RequireKernels(const char* kernel, int64_t n_in) {
  if (!InputLayerKernelsRun(n_in)) {
    throw Error("INTERNAL", std::string(kernel) + " called where the input-layer kernels do not run (they need AVX-512 and "
                                                  "1 to 8 inputs)");
  }
}
}  // namespace

#if defined(__x86_64__) || defined(_M_X64)
void TransposeForInputLayer(const float* w1, int64_t w0, int64_t w1_width, float* w1t) {
  RequireKernels("TransposeForInputLayer", 1);
  TransposeForInputLayerAvx512(w1, w0, w1_width, w1t);
}

void InputLayerForward(const float* x, int64_t n_in, const float* w0, const float* b0, int64_t w0_width, int64_t m,
                       float* h0) {
  RequireKernels("InputLayerForward", n_in);
  InputLayerForwardAvx512(x, n_in, w0, b0, w0_width, m, h0);
}

void InputLayerBackward(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                        const float* x, int64_t n_in, int64_t m, float* dw0, float* db0) {
  RequireKernels("InputLayerBackward", n_in);
  InputLayerBackwardAvx512(dz1, w1_width, w1t, h0, w0, x, n_in, m, dw0, db0);
}
#else
void TransposeForInputLayer(const float*, int64_t, int64_t, float*) { RequireKernels("TransposeForInputLayer", 1); }
void InputLayerForward(const float*, int64_t n_in, const float*, const float*, int64_t, int64_t, float*) {
  RequireKernels("InputLayerForward", n_in);
}
void InputLayerBackward(const float*, int64_t, const float*, const float*, int64_t, const float*, int64_t n_in, int64_t,
                        float*, float*) {
  RequireKernels("InputLayerBackward", n_in);
}
#endif

}  // namespace mlpe::nn
