// MaskAndBiasGradient 8 columns at a time for CPUs with AVX2 but no AVX-512; AVX2 has no cheap masked
// loads on AMD, so the last width % 8 columns take the scalar loop (same order, same result).
#include "common/simd_avx2.hpp"
#include "nn/dense_backward.hpp"
#include "nn/dense_backward_x.hpp"

namespace mlpe::nn {

void MaskAndBiasGradientAvx2(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  MaskAndBiasGradientX<Ymm, false>(g, relu_out, m, width, db);
}

}  // namespace mlpe::nn
