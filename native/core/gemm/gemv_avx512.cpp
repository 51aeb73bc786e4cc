// Gemv's two sweeps, 16 lanes at a time with masked tails; compiled with AVX-512 flags, called only
// when the tiling's isa is avx512 (validated against cpuid).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12's own _mm512_undefined_ps
#endif
#include <immintrin.h>

#include "gemm/gemv.hpp"

namespace mlpe::gemm {

namespace {
__mmask16 Tail(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }
}  // namespace

void DotRowsAvx512(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y) {
  int64_t i = 0;
  for (; i + 4 <= m; i += 4) {  // four rows share each load of x
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 t = Tail(k - p);
      const __m512 xp = _mm512_maskz_loadu_ps(t, x + p);
      s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, a + (i + 0) * lda + p), xp, s0);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, a + (i + 1) * lda + p), xp, s1);
      s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, a + (i + 2) * lda + p), xp, s2);
      s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, a + (i + 3) * lda + p), xp, s3);
    }
    y[i + 0] = _mm512_reduce_add_ps(s0);
    y[i + 1] = _mm512_reduce_add_ps(s1);
    y[i + 2] = _mm512_reduce_add_ps(s2);
    y[i + 3] = _mm512_reduce_add_ps(s3);
  }
  for (; i < m; ++i) {
    __m512 s = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 t = Tail(k - p);
      s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, a + i * lda + p), _mm512_maskz_loadu_ps(t, x + p), s);
    }
    y[i] = _mm512_reduce_add_ps(s);
  }
}

void AxpyRowsAvx512(const float* a, int64_t lda, int64_t m, int64_t k, const float* x, float* y) {
  for (int64_t i = 0; i < m; i += 64) {  // 64 columns of y stay in four registers across all k rows
    const __mmask16 t0 = Tail(m - i), t1 = Tail(m - i - 16), t2 = Tail(m - i - 32), t3 = Tail(m - i - 48);
    __m512 y0 = _mm512_setzero_ps(), y1 = y0, y2 = y0, y3 = y0;
    for (int64_t p = 0; p < k; ++p) {
      const float* ap = a + p * lda + i;
      const __m512 xp = _mm512_set1_ps(x[p]);
      y0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t0, ap), xp, y0);
      if (t1) y1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t1, ap + 16), xp, y1);
      if (t2) y2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t2, ap + 32), xp, y2);
      if (t3) y3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t3, ap + 48), xp, y3);
    }
    _mm512_mask_storeu_ps(y + i, t0, y0);
    if (t1) _mm512_mask_storeu_ps(y + i + 16, t1, y1);
    if (t2) _mm512_mask_storeu_ps(y + i + 32, t2, y2);
    if (t3) _mm512_mask_storeu_ps(y + i + 48, t3, y3);
  }
}

}  // namespace mlpe::gemm
