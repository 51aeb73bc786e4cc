// MaskAndBiasGradient 16 columns at a time (masked tail); compiled with AVX-512 flags, called only when
// cpuid says the ISA is usable.
#include <immintrin.h>

#include <algorithm>

#include "nn/dense_backward.hpp"

namespace mlpe::nn {

void MaskAndBiasGradientAvx512(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  std::fill(db, db + width, 0.0f);
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t r = 0; r < m; ++r) {
    float* gr = g + r * width;
    const float* ar = relu_out ? relu_out + r * width : nullptr;
    for (int64_t j = 0; j < width; j += 16) {
      const __mmask16 tail = width - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (width - j)) - 1);
      __m512 v = _mm512_maskz_loadu_ps(tail, gr + j);
      if (ar) {
        // a > 0 is false for NaN and −0, as in the scalar `a > 0 ? g : 0`.
        const __mmask16 active = _mm512_mask_cmp_ps_mask(tail, _mm512_maskz_loadu_ps(tail, ar + j), zero, _CMP_GT_OQ);
        v = _mm512_maskz_mov_ps(active, v);
        _mm512_mask_storeu_ps(gr + j, tail, v);
      }
      _mm512_mask_storeu_ps(db + j, tail, _mm512_add_ps(_mm512_maskz_loadu_ps(tail, db + j), v));
    }
  }
}

}  // namespace mlpe::nn
