// AVX2 + FMA micro-kernel 6×16 (BLIS haswell layout): 12 ymm accumulators = 6 rows × 2 vectors of 8;
// per k step 2 loads of B, 6 broadcasts of A, 12 FMAs. Compiled with -mavx2 -mfma only for this file.
#include <immintrin.h>

#include "gemm/kernels.hpp"

namespace mlpe::gemm {

namespace {

template <int MR>
void sgemm_avx2_x16(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t rs_c,
                    float alpha, float beta) {
  __m256 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      c0[i] = _mm256_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(ai, b1, c1[i]);
    }
    a += MR;
    b += 16;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * rs_c;
    if (beta == 0.0f) {  // C is not read
      _mm256_storeu_ps(ci, _mm256_mul_ps(va, c0[i]));
      _mm256_storeu_ps(ci + 8, _mm256_mul_ps(va, c1[i]));
    } else {
      _mm256_storeu_ps(ci, _mm256_fmadd_ps(va, c0[i], _mm256_mul_ps(vb, _mm256_loadu_ps(ci))));
      _mm256_storeu_ps(ci + 8, _mm256_fmadd_ps(va, c1[i], _mm256_mul_ps(vb, _mm256_loadu_ps(ci + 8))));
    }
  }
}

}  // namespace

std::vector<MicroKernel> Avx2MicroKernels() {
  return {{Isa::Avx2, 6, 16, "sgemm_avx2_6x16", sgemm_avx2_x16<6>}};
}

}  // namespace mlpe::gemm
