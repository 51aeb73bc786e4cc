// InputLayerBackward's body: 32 columns of dZ₀ (two vectors) at a time, for 4 rows at a time; compiled with
// AVX-512 flags, called only when cpuid says the ISA is usable. Registers: ∂W₀ n_in × 2, ∂b₀ 2, the dZ₀ tile
// 4 × 2 and W₁ᵀ's two vectors: 28 of 32 at n_in = 8.
#include "common/simd_avx512.hpp"
#include "nn/input_layer.hpp"

#include <algorithm>

namespace mlpe::nn {
namespace {

using R = Zmm::Reg;
constexpr int64_t L = Zmm::kLanes;

// The mask of a block's last vector, which holds `last` (1..16) of its columns.
inline Zmm::Mask LastVectorMask(int64_t last) {
  return last == L ? static_cast<Zmm::Mask>(0xffff) : Zmm::Tail(static_cast<int>(last));
}

// Rows [r, r + kRows) of the column block at c0: their dZ₀ (kVecs vectors each, the last under `tail`),
// added into ∂W₀ and ∂b₀ row by row in order.
template <int kIn, int kVecs, int kRows>
inline void RowTile(const float* dz1, int64_t w1_width, const float* w1t, int64_t ld, const float* h0, int64_t w0,
                    const float* x, int64_t r, int64_t c0, Zmm::Mask tail, R (&dw)[kIn][kVecs], R (&db)[kVecs]) {
  R t[kRows][kVecs];
#pragma GCC unroll 4
  for (int q = 0; q < kRows; ++q)
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) t[q][v] = Zmm::Zero();
  const float* a = dz1 + r * w1_width;
  for (int64_t j = 0; j < w1_width; ++j) {
    R b[kVecs];
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) b[v] = Zmm::Load(w1t + j * ld + c0 + v * L);  // zero past w₀: no mask
#pragma GCC unroll 4
    for (int q = 0; q < kRows; ++q) {
      const R aq = Zmm::Set1(a[q * w1_width + j]);
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) t[q][v] = Zmm::Fmadd(aq, b[v], t[q][v]);
    }
  }
#pragma GCC unroll 4
  for (int q = 0; q < kRows; ++q) {
    const float* hq = h0 + (r + q) * w0 + c0;
    const float* xq = x + (r + q) * kIn;
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) {
      // The last vector's lanes past w₀ would read the next row of H₀ (or past the buffer): masked to 0,
      // which gates them to 0 too.
      const R h = v == kVecs - 1 ? Zmm::MaskLoad(tail, hq + v * L) : Zmm::Load(hq + v * L);
      t[q][v] = Zmm::ZeroUnlessPositive(h, t[q][v]);
      db[v] = Zmm::Add(db[v], t[q][v]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < kIn; ++i) {
      const R xi = Zmm::Set1(xq[i]);
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) dw[i][v] = Zmm::Fmadd(xi, t[q][v], dw[i][v]);
    }
  }
}

template <int kIn, int kVecs>
void ColumnBlock(const float* dz1, int64_t w1_width, const float* w1t, int64_t ld, const float* h0, int64_t w0,
                 const float* x, int64_t m, int64_t c0, float* dw0, float* db0) {
  const Zmm::Mask tail = LastVectorMask(std::min<int64_t>(w0 - c0, kVecs * L) - (kVecs - 1) * L);
  R dw[kIn][kVecs], db[kVecs];
#pragma GCC unroll 8
  for (int i = 0; i < kIn; ++i)
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) dw[i][v] = Zmm::Zero();
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v) db[v] = Zmm::Zero();
  int64_t r = 0;
  for (; r + 4 <= m; r += 4) RowTile<kIn, kVecs, 4>(dz1, w1_width, w1t, ld, h0, w0, x, r, c0, tail, dw, db);
  for (; r < m; ++r) RowTile<kIn, kVecs, 1>(dz1, w1_width, w1t, ld, h0, w0, x, r, c0, tail, dw, db);
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v) {
    const Zmm::Mask mask = v == kVecs - 1 ? tail : static_cast<Zmm::Mask>(0xffff);
#pragma GCC unroll 8
    for (int i = 0; i < kIn; ++i) Zmm::MaskStore(dw0 + i * w0 + c0 + v * L, mask, dw[i][v]);
    Zmm::MaskStore(db0 + c0 + v * L, mask, db[v]);
  }
}

template <int kIn, int kVecs, int kRows>
inline void ForwardRows(const float* x, int64_t r, const R (&w)[kIn][kVecs], const R (&b)[kVecs], int64_t width,
                        int64_t c0, Zmm::Mask tail, float* h0) {
  R z[kRows][kVecs];
#pragma GCC unroll 4
  for (int q = 0; q < kRows; ++q)
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) z[q][v] = b[v];
#pragma GCC unroll 8
  for (int i = 0; i < kIn; ++i)
#pragma GCC unroll 4
    for (int q = 0; q < kRows; ++q) {
      const R xi = Zmm::Set1(x[(r + q) * kIn + i]);
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) z[q][v] = Zmm::Fmadd(xi, w[i][v], z[q][v]);
    }
#pragma GCC unroll 4
  for (int q = 0; q < kRows; ++q)
#pragma GCC unroll 2
    for (int v = 0; v < kVecs; ++v) {
      float* out = h0 + (r + q) * width + c0 + v * L;
      const R y = Zmm::Max(z[q][v], Zmm::Zero());
      if (v == kVecs - 1) Zmm::MaskStore(out, tail, y);
      else Zmm::Store(out, y);
    }
}

template <int kIn, int kVecs>
void ForwardBlock(const float* x, const float* w0, const float* b0, int64_t width, int64_t m, int64_t c0, float* h0) {
  const Zmm::Mask tail = LastVectorMask(std::min<int64_t>(width - c0, kVecs * L) - (kVecs - 1) * L);
  R w[kIn][kVecs], b[kVecs];
#pragma GCC unroll 2
  for (int v = 0; v < kVecs; ++v) {
    const Zmm::Mask mask = v == kVecs - 1 ? tail : static_cast<Zmm::Mask>(0xffff);
    b[v] = Zmm::MaskLoad(mask, b0 + c0 + v * L);
#pragma GCC unroll 8
    for (int i = 0; i < kIn; ++i) w[i][v] = Zmm::MaskLoad(mask, w0 + i * width + c0 + v * L);
  }
  int64_t r = 0;
  for (; r + 4 <= m; r += 4) ForwardRows<kIn, kVecs, 4>(x, r, w, b, width, c0, tail, h0);
  for (; r < m; ++r) ForwardRows<kIn, kVecs, 1>(x, r, w, b, width, c0, tail, h0);
}

template <int kIn>
void Forward(const float* x, const float* w0, const float* b0, int64_t width, int64_t m, float* h0) {
  for (int64_t c0 = 0; c0 < width; c0 += 2 * L) {
    if (width - c0 > L) ForwardBlock<kIn, 2>(x, w0, b0, width, m, c0, h0);
    else ForwardBlock<kIn, 1>(x, w0, b0, width, m, c0, h0);
  }
}

template <int kIn>
void Columns(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0, const float* x,
             int64_t m, float* dw0, float* db0) {
  const int64_t ld = InputLayerTransposedLd(w0);
  for (int64_t c0 = 0; c0 < w0; c0 += 2 * L) {
    if (w0 - c0 > L) ColumnBlock<kIn, 2>(dz1, w1_width, w1t, ld, h0, w0, x, m, c0, dw0, db0);
    else ColumnBlock<kIn, 1>(dz1, w1_width, w1t, ld, h0, w0, x, m, c0, dw0, db0);
  }
}

}  // namespace

void TransposeForInputLayerAvx512(const float* w1, int64_t w0, int64_t w1_width, float* w1t) {
  const int64_t ld = InputLayerTransposedLd(w0);
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int64_t c0 = 0; c0 < ld; c0 += L) {
    // Row c of W₁ starts c·w₁ floats in; the lanes past w₀ stay zero.
    const __m512i rows = _mm512_mullo_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(c0))),
                                            _mm512_set1_epi32(static_cast<int>(w1_width)));
    const Zmm::Mask mask = LastVectorMask(std::min<int64_t>(w0 - c0, L));
    for (int64_t j = 0; j < w1_width; ++j)
      Zmm::Store(w1t + j * ld + c0, _mm512_mask_i32gather_ps(Zmm::Zero(), mask, rows, w1 + j, 4));
  }
}

void InputLayerForwardAvx512(const float* x, int64_t n_in, const float* w0, const float* b0, int64_t w0_width,
                             int64_t m, float* h0) {
  switch (n_in) {
    case 1: return Forward<1>(x, w0, b0, w0_width, m, h0);
    case 2: return Forward<2>(x, w0, b0, w0_width, m, h0);
    case 3: return Forward<3>(x, w0, b0, w0_width, m, h0);
    case 4: return Forward<4>(x, w0, b0, w0_width, m, h0);
    case 5: return Forward<5>(x, w0, b0, w0_width, m, h0);
    case 6: return Forward<6>(x, w0, b0, w0_width, m, h0);
    case 7: return Forward<7>(x, w0, b0, w0_width, m, h0);
    default: return Forward<8>(x, w0, b0, w0_width, m, h0);
  }
}

void InputLayerBackwardAvx512(const float* dz1, int64_t w1_width, const float* w1t, const float* h0, int64_t w0,
                              const float* x, int64_t n_in, int64_t m, float* dw0, float* db0) {
  switch (n_in) {
    case 1: return Columns<1>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 2: return Columns<2>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 3: return Columns<3>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 4: return Columns<4>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 5: return Columns<5>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 6: return Columns<6>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    case 7: return Columns<7>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
    default: return Columns<8>(dz1, w1_width, w1t, h0, w0, x, m, dw0, db0);
  }
}

}  // namespace mlpe::nn
