// Gemv's two sweeps on 8 lanes (gemv_x.hpp's bodies); compiled with AVX2 + FMA flags, called only when the
// tiling's isa is avx2 (validated against cpuid). Tails use vmaskmovps, once per row or column block.
#include <immintrin.h>

#include "gemm/gemv.hpp"
#include "gemm/gemv_x.hpp"

namespace mlpe::gemm {

namespace {
struct Ymm {  // gemv_x.hpp's vector type: 8 floats, lane masks in an integer vector
  using Reg = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  static Reg Zero() { return _mm256_setzero_ps(); }
  static Reg Set1(float v) { return _mm256_set1_ps(v); }
  static Reg Load(const float* p) { return _mm256_loadu_ps(p); }
  static Mask Tail(int n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  static Reg MaskLoad(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static void MaskStore(float* p, Mask m, Reg v) { _mm256_maskstore_ps(p, m, v); }
  static void Store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg Fmadd(Reg x, Reg y, Reg z) { return _mm256_fmadd_ps(x, y, z); }
  static float Sum(Reg v) {  // halves, then pairs, then the last two
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};
}  // namespace

GemvSweeps Avx2GemvSweeps() { return {DotRowsX<Ymm>, AxpyRowsX<Ymm>}; }

}  // namespace mlpe::gemm
