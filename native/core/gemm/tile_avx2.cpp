// The tile finishers (macro_kernel.hpp) 8 columns at a time for CPUs with AVX2 but not AVX-512, masked
// loads and stores (vmaskmovps) only on the last partial 8 columns. Same operations and order as the
// portable loops and tile_avx512.cpp (mul, then add; max(x, 0) maps NaN and −0 to +0 as `x > 0 ? x : 0`
// does), so results do not depend on which one runs.
#include <immintrin.h>

#include "gemm/macro_kernel.hpp"

namespace mlpe::gemm {

namespace {

// Lane mask for the first min(n, 8) columns.
__m256i Tail(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }

__m256 Load(const float* p, int n, __m256i m) { return n >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m); }

void Store(float* p, __m256 v, int n, __m256i m) {
  if (n >= 8) _mm256_storeu_ps(p, v);
  else _mm256_maskstore_ps(p, m, v);
}

}  // namespace

void ApplyEpilogueAvx2(float* c, int64_t ldc, int rows, int cols, const float* bias, bool relu) {
  const __m256 zero = _mm256_setzero_ps();
  for (int j = 0; j < cols; j += 8) {
    const int n = cols - j;
    const __m256i m = Tail(n);
    const __m256 b = bias ? Load(bias + j, n, m) : zero;
    for (int i = 0; i < rows; ++i) {
      float* cij = c + i * ldc + j;
      __m256 v = Load(cij, n, m);
      if (bias) v = _mm256_add_ps(v, b);
      if (relu) v = _mm256_max_ps(v, zero);
      Store(cij, v, n, m);
    }
  }
}

void MergeEdgeAvx2(const float* edge, int nr, float* c, int64_t ldc, int rows, int cols, float beta) {
  const __m256 vbeta = _mm256_set1_ps(beta);
  for (int j = 0; j < cols; j += 8) {
    const int n = cols - j;
    const __m256i m = Tail(n);
    for (int r = 0; r < rows; ++r) {
      float* cij = c + r * ldc + j;
      __m256 v = Load(edge + r * nr + j, n, m);
      if (beta != 0.0f) v = _mm256_add_ps(v, _mm256_mul_ps(vbeta, Load(cij, n, m)));  // beta == 0: C not read
      Store(cij, v, n, m);
    }
  }
}

}  // namespace mlpe::gemm
