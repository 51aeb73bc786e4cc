// MaskAndBiasGradient 8 columns at a time for CPUs with AVX2 but no AVX-512; AVX2 has no cheap masked
// loads on AMD, so each row's last width % 8 columns take the scalar loop (same order, same result).
#include <immintrin.h>

#include <algorithm>

#include "nn/dense_backward.hpp"

namespace mlpe::nn {

void MaskAndBiasGradientAvx2(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  std::fill(db, db + width, 0.0f);
  const __m256 zero = _mm256_setzero_ps();
  const int64_t whole = width / 8 * 8;
  for (int64_t r = 0; r < m; ++r) {
    float* gr = g + r * width;
    const float* ar = relu_out ? relu_out + r * width : nullptr;
    for (int64_t j = 0; j < whole; j += 8) {
      __m256 v = _mm256_loadu_ps(gr + j);
      if (ar) {
        // a > 0 is false for NaN and −0, as in the scalar `a > 0 ? g : 0`.
        v = _mm256_and_ps(v, _mm256_cmp_ps(_mm256_loadu_ps(ar + j), zero, _CMP_GT_OQ));
        _mm256_storeu_ps(gr + j, v);
      }
      _mm256_storeu_ps(db + j, _mm256_add_ps(_mm256_loadu_ps(db + j), v));
    }
    for (int64_t j = whole; j < width; ++j) {
      if (ar) gr[j] = ar[j] > 0.0f ? gr[j] : 0.0f;
      db[j] += gr[j];
    }
  }
}

}  // namespace mlpe::nn
