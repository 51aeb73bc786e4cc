// The thin kernels (kernels.hpp, ThinDotFn and ThinAxpyFn) written once for a vector type V (Zmm: 16
// lanes, Ymm: 8); only the ISA files include this. They compute the last w ≤ lanes/4 columns of C, the
// few that overhang C's whole vectors (the 2 of a 34-unit layer, the 1 of an 81-unit one): the register
// tile kernels would spend a whole vector per row and k step on them, a third of a 256×34×81 product.
// Here the vectors run along another dimension instead, so no lane is wasted:
//   dot (A stored m×k): each C value is a dot product along k of an A row and a B column, 4 rows at a
//     time, then a horizontal sum;
//   axpy (A stored k×m, the weight gradient Xᵀ·dZ): the vectors run down C's rows, and each k step adds
//     A's row p times B(p, j) for the w columns.
// Measured on Zen 5 (µs, the overhanging columns only, register tile → thin): 256×34×81 NN 3.9 → 1.5,
// 81×34×256 TN 3.7 → 1.4, 256×81×34 NT 1.5 → 0.6.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "gemm/epilogue.hpp"
#include "gemm/kernels.hpp"

namespace mlpe::gemm {

// C(i, jj) from the sum `acc`: alpha·acc + beta·C (beta == 0: C not read), + bias, ReLU — the order and
// roundings of StoreTile's lanes.
inline void ThinStore(float acc, float* c, int jj, const SupTile& t) {
  *c = BiasRelu(t.beta == 0.0f ? t.alpha * acc : std::fma(t.alpha, acc, t.beta * *c), t.bias, jj, t.relu);
}

// W columns of rows [0, m), 4 rows at a time: the W vectors of B's columns are loaded once per k vector for
// the 4 rows.
template <class V, int W>
void ThinDotX(int64_t m, int64_t k, const float* a, int64_t lda, const float* bt, int64_t ldbt, float* c, int64_t ldc,
              const SupTile& tile) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes, R = 4;
  const int64_t k_full = k / L * L;
  const typename V::Mask tail = V::Tail(static_cast<int>(k - k_full));
  const auto rows = [&](int64_t i, auto r_count) __attribute__((always_inline)) {
    constexpr int H = decltype(r_count)::value;
    Reg acc[H][W];
#pragma GCC unroll 4
    for (int r = 0; r < H; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < W; ++j) acc[r][j] = V::Zero();
    const auto step = [&](int64_t p, bool masked) __attribute__((always_inline)) {
      Reg b[W];
#pragma GCC unroll 4
      for (int j = 0; j < W; ++j) b[j] = masked ? V::MaskLoad(tail, bt + j * ldbt + p) : V::Load(bt + j * ldbt + p);
#pragma GCC unroll 4
      for (int r = 0; r < H; ++r) {
        const float* ar = a + (i + r) * lda + p;
        const Reg x = masked ? V::MaskLoad(tail, ar) : V::Load(ar);
#pragma GCC unroll 4
        for (int j = 0; j < W; ++j) acc[r][j] = V::Fmadd(x, b[j], acc[r][j]);
      }
    };
    for (int64_t p = 0; p < k_full; p += L) step(p, false);
    if (k_full < k) step(k_full, true);
#pragma GCC unroll 4
    for (int r = 0; r < H; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < W; ++j) ThinStore(V::Sum(acc[r][j]), c + (i + r) * ldc + j, j, tile);
  };
  int64_t i = 0;
  for (; i + R <= m; i += R) rows(i, std::integral_constant<int, R>{});
  for (; i < m; ++i) rows(i, std::integral_constant<int, 1>{});
}

// W columns of NV vectors of rows starting at row i0 (the last vector holds `last` ≤ L rows).
template <class V, int NV, int W>
void ThinAxpyChunk(int last, int64_t k, const float* a, int64_t lda, const float* b, int64_t b_rs, int64_t b_cs,
                   float* c, int64_t ldc, const SupTile& tile) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes;
  const bool masked = last < L;
  const typename V::Mask tail = V::Tail(masked ? last : 0);
  Reg acc[NV][W];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
#pragma GCC unroll 4
    for (int j = 0; j < W; ++j) acc[v][j] = V::Zero();
  for (int64_t p = 0; p < k; ++p) {
    const float* ap = a + p * lda;
    Reg x[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) x[v] = masked && v == NV - 1 ? V::MaskLoad(tail, ap + v * L) : V::Load(ap + v * L);
#pragma GCC unroll 4
    for (int j = 0; j < W; ++j) {
      const Reg bj = V::Set1(b[p * b_rs + j * b_cs]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[v][j] = V::Fmadd(x[v], bj, acc[v][j]);
    }
  }
  alignas(64) float lanes[L];
  for (int v = 0; v < NV; ++v)
    for (int j = 0; j < W; ++j) {
      V::Store(lanes, acc[v][j]);
      const int n = v == NV - 1 ? last : L;
      for (int l = 0; l < n; ++l) ThinStore(lanes[l], c + (v * L + l) * ldc + j, j, tile);
    }
}

// W columns of rows [0, m), in chunks of up to 4 vectors of rows (4·W accumulators).
template <class V, int W>
void ThinAxpyX(int64_t m, int64_t k, const float* a, int64_t lda, const float* b, int64_t b_rs, int64_t b_cs, float* c,
               int64_t ldc, const SupTile& tile) {
  constexpr int L = V::kLanes, kChunk = 4 * L;
  int64_t i = 0;
  for (; i + kChunk <= m; i += kChunk) ThinAxpyChunk<V, 4, W>(L, k, a + i, lda, b, b_rs, b_cs, c + i * ldc, ldc, tile);
  const int64_t rest = m - i;
  if (rest == 0) return;
  const int last = static_cast<int>((rest - 1) % L + 1);
  switch ((rest + L - 1) / L) {
    case 1: return ThinAxpyChunk<V, 1, W>(last, k, a + i, lda, b, b_rs, b_cs, c + i * ldc, ldc, tile);
    case 2: return ThinAxpyChunk<V, 2, W>(last, k, a + i, lda, b, b_rs, b_cs, c + i * ldc, ldc, tile);
    case 3: return ThinAxpyChunk<V, 3, W>(last, k, a + i, lda, b, b_rs, b_cs, c + i * ldc, ldc, tile);
    default: return ThinAxpyChunk<V, 4, W>(last, k, a + i, lda, b, b_rs, b_cs, c + i * ldc, ldc, tile);
  }
}

// The kernels.hpp entry points: tile.cols (1 … V::kLanes / 4) picks the instantiation.
template <class V>
void ThinDot(int64_t m, int64_t k, const float* a, int64_t lda, const float* bt, int64_t ldbt, float* c, int64_t ldc,
             const SupTile& tile) {
  switch (tile.cols) {
    case 1: return ThinDotX<V, 1>(m, k, a, lda, bt, ldbt, c, ldc, tile);
    case 2: return ThinDotX<V, 2>(m, k, a, lda, bt, ldbt, c, ldc, tile);
    case 3: return ThinDotX<V, 3>(m, k, a, lda, bt, ldbt, c, ldc, tile);
    default: return ThinDotX<V, 4>(m, k, a, lda, bt, ldbt, c, ldc, tile);
  }
}

template <class V>
void ThinAxpy(int64_t m, int64_t k, const float* a, int64_t lda, const float* b, int64_t b_rs, int64_t b_cs, float* c,
              int64_t ldc, const SupTile& tile) {
  switch (tile.cols) {
    case 1: return ThinAxpyX<V, 1>(m, k, a, lda, b, b_rs, b_cs, c, ldc, tile);
    case 2: return ThinAxpyX<V, 2>(m, k, a, lda, b, b_rs, b_cs, c, ldc, tile);
    case 3: return ThinAxpyX<V, 3>(m, k, a, lda, b, b_rs, b_cs, c, ldc, tile);
    default: return ThinAxpyX<V, 4>(m, k, a, lda, b, b_rs, b_cs, c, ldc, tile);
  }
}

}  // namespace mlpe::gemm
