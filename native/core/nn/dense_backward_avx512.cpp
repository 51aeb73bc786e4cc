// MaskAndBiasGradient and OutputUnitBackward 16 columns at a time (masked tail); compiled with AVX-512
// flags, called only when cpuid says the ISA is usable.
#include "common/simd_avx512.hpp"
#include "nn/dense_backward.hpp"
#include "nn/dense_backward_x.hpp"

namespace mlpe::nn {

void MaskAndBiasGradientAvx512(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  MaskAndBiasGradientX<Zmm, true>(g, relu_out, m, width, db);
}

void OutputUnitBackwardAvx512(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                         int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db) {
  OutputUnitBackwardX<Zmm, true>(g, h, relu_out, w, m, width, dw, db_unit, dz, skip, db);
}

}  // namespace mlpe::nn
