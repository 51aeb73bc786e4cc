// Gemv's two sweeps on 16 lanes (gemv_x.hpp's bodies); compiled with AVX-512 flags, called only when the
// tiling's isa is avx512 (validated against cpuid).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12's own _mm512_undefined_ps
#endif
#include <immintrin.h>

#include "gemm/gemv.hpp"
#include "gemm/gemv_x.hpp"

namespace mlpe::gemm {

namespace {
struct Zmm {  // gemv_x.hpp's vector type: 16 floats, k-masks
  using Reg = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static Reg Zero() { return _mm512_setzero_ps(); }
  static Reg Set1(float v) { return _mm512_set1_ps(v); }
  static Reg Load(const float* p) { return _mm512_loadu_ps(p); }
  static Mask Tail(int n) { return static_cast<Mask>((1u << n) - 1); }
  static Reg MaskLoad(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void MaskStore(float* p, Mask m, Reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static void Store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg Fmadd(Reg x, Reg y, Reg z) { return _mm512_fmadd_ps(x, y, z); }
  static float Sum(Reg v) { return _mm512_reduce_add_ps(v); }
};
}  // namespace

GemvSweeps Avx512GemvSweeps() { return {DotRowsX<Zmm>, AxpyRowsX<Zmm>}; }

}  // namespace mlpe::gemm
