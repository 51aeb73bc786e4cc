// MaskAndBiasGradient's and OutputUnitBackward's vector bodies written once for a vector type V (common/simd_avx512.hpp's Zmm,
// simd_avx2.hpp's Ymm); only the ISA files include it. The column sums ∂b live in registers, up to 8
// vectors of columns at a time, across all m rows, and are stored once: accumulating them in memory row
// by row chains every row on a store-to-load forward (and AVX-512 masked stores do not forward on Zen,
// which made this sweep cost as much as a GEMM on 59-unit layers). Each column still sums its rows in
// order from 0, as the scalar loop does, so the result is bit-identical.
// kMaskedTail: the last width % lanes columns take masked loads and stores (cheap on AVX-512), else the
// scalar loop (AVX2's masked moves are slow on AMD).
#pragma once
#include <algorithm>
#include <cstdint>

#include "nn/dense_backward.hpp"

namespace mlpe::nn {

// Columns [j0, j0 + vecs·L) of every row, the last vector under `tail` when `masked`.
template <class V>
void MaskAndBiasBlock(float* g, const float* relu_out, int64_t m, int64_t width, float* db, int64_t j0, int vecs,
                      bool masked, typename V::Mask tail) {
  using R = typename V::Reg;
  constexpr int kBlock = 8;
  constexpr int64_t L = V::kLanes;
  const int tail_v = masked ? vecs - 1 : -1;  // the vector that takes the tail mask, if any
  const auto load = [&](const float* p, int v) { return v == tail_v ? V::MaskLoad(tail, p) : V::Load(p); };
  const auto store = [&](float* p, int v, R x) {
    if (v == tail_v) V::MaskStore(p, tail, x);
    else V::Store(p, x);
  };
  R sum[kBlock];
#pragma GCC unroll 8
  for (int v = 0; v < kBlock; ++v) sum[v] = V::Zero();
  for (int64_t r = 0; r < m; ++r) {
    float* gr = g + r * width + j0;
    const float* ar = relu_out ? relu_out + r * width + j0 : nullptr;
#pragma GCC unroll 8
    for (int v = 0; v < kBlock; ++v) {
      if (v >= vecs) break;
      R x = load(gr + v * L, v);
      if (ar) {
        x = V::ZeroUnlessPositive(load(ar + v * L, v), x);
        store(gr + v * L, v, x);
      }
      sum[v] = V::Add(sum[v], x);
    }
  }
#pragma GCC unroll 8
  for (int v = 0; v < kBlock; ++v)
    if (v < vecs) store(db + j0 + v * L, v, sum[v]);
}

template <class V, bool kMaskedTail>
void MaskAndBiasGradientX(float* g, const float* relu_out, int64_t m, int64_t width, float* db) {
  constexpr int kBlock = 8;
  constexpr int64_t L = V::kLanes;
  if (kMaskedTail && relu_out && width < L) {
    // Rows narrower than a vector (exponential tails: 14, 6, 2 units): each row's masked store would
    // overlap the next row's load. The mask is elementwise, so it runs over the block as one flat array;
    // the column sums then only load.
    const int64_t count = m * width;
    int64_t i = 0;
    for (; i + L <= count; i += L) V::Store(g + i, V::ZeroUnlessPositive(V::Load(relu_out + i), V::Load(g + i)));
    if (i < count) {
      const typename V::Mask tail = V::Tail(static_cast<int>(count - i));
      V::MaskStore(g + i, tail, V::ZeroUnlessPositive(V::MaskLoad(tail, relu_out + i), V::MaskLoad(tail, g + i)));
    }
    return MaskAndBiasBlock<V>(g, nullptr, m, width, db, 0, 1, true, V::Tail(static_cast<int>(width)));
  }
  const int64_t full_cols = width / L * L;
  for (int64_t j0 = 0; j0 < full_cols; j0 += kBlock * L)
    MaskAndBiasBlock<V>(g, relu_out, m, width, db, j0, static_cast<int>(std::min<int64_t>(kBlock, (full_cols - j0) / L)),
                        false, V::Tail(0));
  if (full_cols == width) return;
  // The tail columns in a pass of their own: a masked store occupies its whole vector's address range,
  // which reaches into the next row, and the next row's first load would wait for it to retire (Zen
  // does not forward masked stores); done after the full columns, no load follows it closely.
  if (kMaskedTail) return MaskAndBiasBlock<V>(g, relu_out, m, width, db, full_cols, 1, true, V::Tail(static_cast<int>(width - full_cols)));
  for (int64_t j = full_cols; j < width; ++j) {  // AVX2's last width % 8 columns
    float sum = 0.0f;
    for (int64_t r = 0; r < m; ++r) {
      float& x = g[r * width + j];
      if (relu_out) x = relu_out[r * width + j] > 0.0f ? x : 0.0f;
      sum += x;
    }
    db[j] = sum;
  }
}

// OutputUnitBackward over columns [j0, j0 + vecs·L) of the hidden layer, the last vector under `tail` when
// `masked`: the unit's weights, ∂w and ∂b stay in registers across all m rows (3 registers a vector, so
// AVX-512 takes 8 vectors at a time and AVX2 4). Only dz and skip are stored, and no load reads them,
// so masked stores cannot stall a load here.
template <class V, int kBlock>
void OutputUnitBlock(const float* g, const float* h, const float* relu_out, const float* w, int64_t m, int64_t width,
                     float* dw, float* dz, float* skip, float* db, int64_t j0, int vecs, bool masked,
                     typename V::Mask tail) {
  using R = typename V::Reg;
  constexpr int64_t L = V::kLanes;
  const int tail_v = masked ? vecs - 1 : -1;
  const auto load = [&](const float* p, int v) { return v == tail_v ? V::MaskLoad(tail, p) : V::Load(p); };
  const auto store = [&](float* p, int v, R x) {
    if (v == tail_v) V::MaskStore(p, tail, x);
    else V::Store(p, x);
  };
  R wv[kBlock], dwv[kBlock], dbv[kBlock];
#pragma GCC unroll 8
  for (int v = 0; v < kBlock; ++v) {
    wv[v] = v < vecs ? load(w + j0 + v * L, v) : V::Zero();
    dwv[v] = dbv[v] = V::Zero();
  }
  for (int64_t r = 0; r < m; ++r) {
    const R gr = V::Set1(g[r]);
    const int64_t row = r * width + j0;
#pragma GCC unroll 8
    for (int v = 0; v < kBlock; ++v) {
      if (v >= vecs) break;
      const int64_t i = row + v * L;
      dwv[v] = V::Fmadd(load(h + i, v), gr, dwv[v]);
      R d = V::Mul(gr, wv[v]);
      if (skip) store(skip + i, v, d);
      d = V::ZeroUnlessPositive(load(relu_out + i, v), d);
      store(dz + i, v, d);
      dbv[v] = V::Add(dbv[v], d);
    }
  }
#pragma GCC unroll 8
  for (int v = 0; v < kBlock; ++v) {
    if (v >= vecs) break;
    store(dw + j0 + v * L, v, dwv[v]);
    store(db + j0 + v * L, v, dbv[v]);
  }
}

// kMaskedTail as for MaskAndBiasGradientX: without it the last width % lanes columns take the scalar loop.
template <class V, bool kMaskedTail>
void OutputUnitBackwardX(const float* g, const float* h, const float* relu_out, const float* w, int64_t m,
                         int64_t width, float* dw, float* db_unit, float* dz, float* skip, float* db) {
  constexpr int kBlock = V::kLanes >= 16 ? 8 : 4;
  constexpr int64_t L = V::kLanes;
  *db_unit = UnitBiasGradient(g, m);
  const int64_t vector_cols = kMaskedTail ? width : width / L * L;
  for (int64_t j0 = 0; j0 < vector_cols; j0 += kBlock * L) {
    const int64_t cols = std::min<int64_t>(kBlock * L, vector_cols - j0);
    const int vecs = static_cast<int>((cols + L - 1) / L);
    OutputUnitBlock<V, kBlock>(g, h, relu_out, w, m, width, dw, dz, skip, db, j0, vecs, cols % L != 0,
                               V::Tail(static_cast<int>(cols % L)));
  }
  OutputUnitColumnsScalar(g, h, relu_out, w, m, width, vector_cols, width, dw, dz, skip, db);  // AVX2's last width % 8
}

}  // namespace mlpe::nn
