// The narrow kernel's body (gemm/narrow.hpp) written once for a vector type V (common/simd_avx512.hpp's
// Zmm, simd_avx2.hpp's Ymm); only the ISA files include it. Per k step: one load of B, MR broadcasts of
// A, MR FMAs into MR accumulators, one per row of C. The store does the five loops' arithmetic in their
// order (alpha·acc + beta·C, + bias, ReLU as max(v, 0), which is 0 for NaN as `v > 0 ? v : 0` is).
#pragma once
#include <algorithm>
#include <cstdint>

#include "gemm/narrow.hpp"

namespace mlpe::gemm {

template <class V, int MR, bool kRows>
inline void NarrowTile(const NarrowRows& g, int64_t i0, int rows) {
  typename V::Reg acc[MR];
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) acc[r] = V::Zero();
  const float* a = kRows ? g.a + i0 * g.lda : g.a + i0;
#pragma GCC unroll 2
  for (int64_t p = 0; p < g.k; ++p) {
    const typename V::Reg b = V::LoadAligned(g.b + p * V::kLanes);
#pragma GCC unroll 32
    for (int r = 0; r < MR; ++r) {
      if (r < rows) acc[r] = V::Fmadd(V::Set1(kRows ? a[r * g.lda + p] : a[p * g.lda + r]), b, acc[r]);
    }
  }
  const typename V::Mask mask = V::Tail(static_cast<int>(g.n));
  const typename V::Reg alpha = V::Set1(g.alpha), beta = V::Set1(g.beta), zero = V::Zero();
  const typename V::Reg bias = g.bias ? V::MaskLoad(mask, g.bias) : zero;
#pragma GCC unroll 32
  for (int r = 0; r < MR; ++r) {
    if (r >= rows) break;
    float* c = g.c + (i0 + r) * g.ldc;
    typename V::Reg v = g.beta == 0.0f ? V::Mul(alpha, acc[r]) : V::Fmadd(alpha, acc[r], V::Mul(beta, V::MaskLoad(mask, c)));
    if (g.bias) v = V::Add(v, bias);
    if (g.relu) v = V::Max(v, zero);
    V::MaskStore(c, mask, v);
  }
}

template <class V, int MR>
void NarrowRowsX(const NarrowRows& g, int64_t row_begin, int64_t row_end) {
  int64_t i = row_begin;
  for (; i + MR <= row_end; i += MR) {
    if (g.a_rows) NarrowTile<V, MR, true>(g, i, MR);
    else NarrowTile<V, MR, false>(g, i, MR);
  }
  if (i < row_end) {  // the last rows: the same kernel with the missing rows skipped (unrolled, so free)
    const int rows = static_cast<int>(row_end - i);
    if (g.a_rows) NarrowTile<V, MR, true>(g, i, rows);
    else NarrowTile<V, MR, false>(g, i, rows);
  }
}

}  // namespace mlpe::gemm
