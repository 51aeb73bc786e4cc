// The 16-float vector type the ISA-generic bodies are written against (gemm/ukernel_x2.hpp,
// gemm/gemv_x.hpp, nn/adam_x.hpp, nn/head_math_x.hpp). Include it only from files compiled with AVX-512
// flags (*_avx512.cpp). It lives in an anonymous namespace on purpose: every instantiation over it then
// has internal linkage, so the linker can never fold an AVX-512 body into a caller built for another ISA.
#pragma once
// GCC 12 passes _mm512_undefined_ps() inside several intrinsics (sqrt, max, unpack), which
// -Wmaybe-uninitialized reports at every call site; nothing here is uninitialised.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

namespace mlpe {
namespace {

struct Zmm {
  using Reg = __m512;
  using Mask = __mmask16;  // lane masks are k-registers
  static constexpr int kLanes = 16;
  static constexpr bool kMaskRegisters = true;  // a mask kept across a loop costs no vector register
  static Reg Zero() { return _mm512_setzero_ps(); }
  static Reg Set1(float x) { return _mm512_set1_ps(x); }
  static Reg Load(const float* p) { return _mm512_loadu_ps(p); }
  static Reg LoadAligned(const float* p) { return _mm512_load_ps(p); }
  static void Store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Mask Tail(int n) { return static_cast<Mask>((1u << n) - 1); }  // the first n < 16 lanes
  static Reg MaskLoad(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void MaskStore(float* p, Mask m, Reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static Reg Add(Reg x, Reg y) { return _mm512_add_ps(x, y); }
  static Reg Sub(Reg x, Reg y) { return _mm512_sub_ps(x, y); }
  static Reg Mul(Reg x, Reg y) { return _mm512_mul_ps(x, y); }
  static Reg Div(Reg x, Reg y) { return _mm512_div_ps(x, y); }
  static Reg Sqrt(Reg x) { return _mm512_sqrt_ps(x); }
  static Reg Fmadd(Reg x, Reg y, Reg z) { return _mm512_fmadd_ps(x, y, z); }
  static Reg Max(Reg x, Reg y) { return _mm512_max_ps(x, y); }  // y where either is NaN
  // x where a > 0, else 0 (a > 0 is false for NaN and −0, as in the scalar `a > 0 ? x : 0`).
  static Reg ZeroUnlessPositive(Reg a, Reg x) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, Zero(), _CMP_GT_OQ), x); }
  static float Sum(Reg v) { return _mm512_reduce_add_ps(v); }
  // Lane r of the result is Sum(v[r]), for 16 registers at once: pairs of floats, then of pairs, then
  // 128-bit quarters added in a tree (30 shuffles and 15 adds, where 16 Sums take ~4 of each apiece).
  static Reg SumEach(const Reg (&v)[16]) {
    Reg b[8], c[4];
    for (int i = 0; i < 8; ++i)
      b[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 4; ++i) {
      const __m512d x = _mm512_castps_pd(b[2 * i]), y = _mm512_castps_pd(b[2 * i + 1]);
      c[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    // c[i], quarter q: the sums over quarter q of rows 4i..4i+3. Add the quarters so that quarter q of the
    // result holds rows 4q..4q+3.
    const Reg e0 = _mm512_add_ps(_mm512_shuffle_f32x4(c[0], c[1], 0x88), _mm512_shuffle_f32x4(c[0], c[1], 0xdd));
    const Reg e1 = _mm512_add_ps(_mm512_shuffle_f32x4(c[2], c[3], 0x88), _mm512_shuffle_f32x4(c[2], c[3], 0xdd));
    return _mm512_add_ps(_mm512_shuffle_f32x4(e0, e1, 0x88), _mm512_shuffle_f32x4(e0, e1, 0xdd));
  }
  // x where a > 0, else y (y for NaN a).
  static Reg SelectPositive(Reg a, Reg x, Reg y) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, Zero(), _CMP_GT_OQ), y, x);
  }
  static Reg RoundNearest(Reg x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^k for integral k in [−126, 127], from the exponent bits.
  static Reg Pow2(Reg k) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127)), 23));
  }
};

}  // namespace
}  // namespace mlpe
