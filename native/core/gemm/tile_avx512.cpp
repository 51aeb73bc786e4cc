// The tile finishers (macro_kernel.hpp) 16 columns at a time with masked tails. With narrow BUTTER
// layers (widths 59, 1, 10) most tiles are edges and the scalar loops cost a seventh of a training step.
// Same operations and order as the portable loops (mul, then add; max(x, 0) maps NaN and −0 to +0 as
// `x > 0 ? x : 0` does), so results do not depend on which one runs.
// GCC 12 passes _mm512_undefined_ps() inside _mm512_max_ps, which -Wmaybe-uninitialized reports.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "gemm/macro_kernel.hpp"

namespace mlpe::gemm {

namespace {
__mmask16 Tail(int n) { return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }
}  // namespace

void ApplyEpilogueAvx512(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu) {
  const __m512 zero = _mm512_setzero_ps();
  for (int j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    const __m512 b = bias ? _mm512_maskz_loadu_ps(m, bias + j) : zero;
    for (int i = 0; i < rows; ++i) {
      float* cij = c + i * ldc + j;
      __m512 v = _mm512_maskz_loadu_ps(m, cij);
      if (bias) v = _mm512_add_ps(v, b);
      if (relu) v = _mm512_max_ps(v, zero);
      _mm512_mask_storeu_ps(cij, m, v);
    }
  }
}

void MergeEdgeAvx512(const float* edge, int nr, float* c, int64_t ldc, int rows, int cols, float beta) {
  const __m512 vbeta = _mm512_set1_ps(beta);
  for (int j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    for (int r = 0; r < rows; ++r) {
      float* cij = c + r * ldc + j;
      __m512 v = _mm512_maskz_loadu_ps(m, edge + r * nr + j);
      if (beta != 0.0f) v = _mm512_add_ps(v, _mm512_mul_ps(vbeta, _mm512_maskz_loadu_ps(m, cij)));
      _mm512_mask_storeu_ps(cij, m, v);
    }
  }
}

}  // namespace mlpe::gemm
