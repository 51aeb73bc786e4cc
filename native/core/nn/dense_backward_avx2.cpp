// MaskAndBiasGradient and OutputUnitBackward 8 columns at a time for CPUs with AVX2 but no AVX-512; AVX2
// has no cheap masked loads on AMD, so the last width % 8 columns take the scalar loop (same result).
#include "common/simd_avx2.hpp"
#include "nn/dense_backward.hpp"
#include "nn/dense_backward_x.hpp"

namespace mlpe::nn {

void MaskAndBiasGradientAvx2(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  MaskAndBiasGradientX<Ymm, false>(g, relu_out, m, width, db);
}

void OutputUnitBackwardAvx2(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                        int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db) {
  OutputUnitBackwardX<Ymm, false>(g, h, relu_out, w, m, width, dw, db_unit, dz, skip, db);
}

}  // namespace mlpe::nn
