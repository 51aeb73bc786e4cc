// AVX-512 micro-kernels MR×32 for row-major C: 2·MR zmm accumulators (MR rows × 2 vectors of 16);
// per k step 2 loads of B, MR broadcasts of A (folded into the FMA as {1to16} memory operands),
// 2·MR FMAs. 32 zmm registers allow MR up to 14 (28 accumulators + 2 B vectors + spare).
// Compiled with -mavx512f/bw/dq/vl only for this file; chosen at run time from cpuid.
#include <immintrin.h>

#include "gemm/kernels.hpp"

namespace mlpe::gemm {

namespace {

template <int MR>
void sgemm_avx512_x32(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t rs_c,
                      float alpha, float beta) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
  // Touch the C tile early so its lines arrive while the k loop runs.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * rs_c), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * rs_c + 31), _MM_HINT_T0);
  }
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
    a += MR;
    b += 32;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  if (beta == 0.0f) {  // C is not read
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      _mm512_storeu_ps(c + i * rs_c, _mm512_mul_ps(va, c0[i]));
      _mm512_storeu_ps(c + i * rs_c + 16, _mm512_mul_ps(va, c1[i]));
    }
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      float* ci = c + i * rs_c;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(va, c0[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci))));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(va, c1[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci + 16))));
    }
  }
}

// The unpacked variant for small problems (no packing cost): A is broadcast straight from the caller's
// matrix, B rows are loaded from the caller's matrix (or a packed panel). kRows: A stored m×k.
template <int MR, bool kRows>
void sgemm_avx512_sup_x32(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b,
                          int64_t ldb, float* c, int64_t rs_c, float alpha, float beta) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b + p * ldb), b1 = _mm512_loadu_ps(b + p * ldb + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(kRows ? a[i * lda + p] : a[p * lda + i]);
      c0[i] = _mm512_fmadd_ps(ai, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(ai, b1, c1[i]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * rs_c;
    if (beta == 0.0f) {  // C is not read
      _mm512_storeu_ps(ci, _mm512_mul_ps(va, c0[i]));
      _mm512_storeu_ps(ci + 16, _mm512_mul_ps(va, c1[i]));
    } else {
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(va, c0[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci))));
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(va, c1[i], _mm512_mul_ps(vb, _mm512_loadu_ps(ci + 16))));
    }
  }
}

}  // namespace

std::vector<MicroKernel> Avx512MicroKernels() {
  return {
      {Isa::Avx512, 6, 32, "sgemm_avx512_6x32", sgemm_avx512_x32<6>, sgemm_avx512_sup_x32<6, true>,
       sgemm_avx512_sup_x32<6, false>},
      {Isa::Avx512, 8, 32, "sgemm_avx512_8x32", sgemm_avx512_x32<8>, sgemm_avx512_sup_x32<8, true>,
       sgemm_avx512_sup_x32<8, false>},
      {Isa::Avx512, 12, 32, "sgemm_avx512_12x32", sgemm_avx512_x32<12>, sgemm_avx512_sup_x32<12, true>,
       sgemm_avx512_sup_x32<12, false>},
      {Isa::Avx512, 14, 32, "sgemm_avx512_14x32", sgemm_avx512_x32<14>, sgemm_avx512_sup_x32<14, true>,
       sgemm_avx512_sup_x32<14, false>},
  };
}

}  // namespace mlpe::gemm
