// MaskAndBiasGradient 16 columns at a time (masked tail); compiled with AVX-512 flags, called only when
// cpuid says the ISA is usable.
#include "common/simd_avx512.hpp"
#include "nn/dense_backward.hpp"
#include "nn/dense_backward_x.hpp"

namespace mlpe::nn {

void MaskAndBiasGradientAvx512(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  MaskAndBiasGradientX<Zmm, true>(g, relu_out, m, width, db);
}

}  // namespace mlpe::nn
