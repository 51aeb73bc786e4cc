// The 8-float vector type the ISA-generic bodies are written against (gemm/ukernel_x2.hpp,
// gemm/gemv_x.hpp, nn/adam_x.hpp, nn/head_math_x.hpp). Include it only from files compiled with AVX2
// flags (*_avx2.cpp); the anonymous namespace keeps every instantiation over it inside this ISA (see
// simd_avx512.hpp).
#pragma once
#include <immintrin.h>

namespace mlpe {
namespace {

struct Ymm {
  using Reg = __m256;
  using Mask = __m256i;  // lane masks are the sign bits of an integer vector
  static constexpr int kLanes = 8;
  static constexpr bool kMaskRegisters = false;  // a mask kept across a loop takes one of 16 ymm registers
  static Reg Zero() { return _mm256_setzero_ps(); }
  static Reg Set1(float x) { return _mm256_set1_ps(x); }
  static Reg Load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg LoadAligned(const float* p) { return _mm256_load_ps(p); }
  static void Store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Mask Tail(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  static Reg MaskLoad(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static void MaskStore(float* p, Mask m, Reg v) { _mm256_maskstore_ps(p, m, v); }
  static Reg Add(Reg x, Reg y) { return _mm256_add_ps(x, y); }
  static Reg Sub(Reg x, Reg y) { return _mm256_sub_ps(x, y); }
  static Reg Mul(Reg x, Reg y) { return _mm256_mul_ps(x, y); }
  static Reg Div(Reg x, Reg y) { return _mm256_div_ps(x, y); }
  static Reg Sqrt(Reg x) { return _mm256_sqrt_ps(x); }
  static Reg Fmadd(Reg x, Reg y, Reg z) { return _mm256_fmadd_ps(x, y, z); }
  static Reg Max(Reg x, Reg y) { return _mm256_max_ps(x, y); }  // y where either is NaN
  // x where a > 0, else 0 (a > 0 is false for NaN and −0, as in the scalar `a > 0 ? x : 0`).
  static Reg ZeroUnlessPositive(Reg a, Reg x) { return _mm256_and_ps(x, _mm256_cmp_ps(a, Zero(), _CMP_GT_OQ)); }
  static float Sum(Reg v) {  // halves, then pairs, then the last two
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  // Lane r of the result is Sum(v[r]), for 8 registers at once: pairs of floats, then of pairs, then the
  // two 128-bit halves.
  static Reg SumEach(const Reg (&v)[8]) {
    Reg b[4], c[2];
    for (int i = 0; i < 4; ++i)
      b[i] = _mm256_add_ps(_mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 2; ++i) {
      const __m256d x = _mm256_castps_pd(b[2 * i]), y = _mm256_castps_pd(b[2 * i + 1]);
      c[i] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(x, y)), _mm256_castpd_ps(_mm256_unpackhi_pd(x, y)));
    }
    return _mm256_add_ps(_mm256_permute2f128_ps(c[0], c[1], 0x20), _mm256_permute2f128_ps(c[0], c[1], 0x31));
  }
  // x where a > 0, else y (y for NaN a).
  static Reg SelectPositive(Reg a, Reg x, Reg y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, Zero(), _CMP_GT_OQ)); }
  static Reg RoundNearest(Reg x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^k for integral k in [−126, 127], from the exponent bits.
  static Reg Pow2(Reg k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23));
  }
};

}  // namespace
}  // namespace mlpe
